// "A session's role is read from the user row on every request, so a role change applies at
// once" and "anything after it (or the token that created it) expired or was revoked (401)"
// (docs/security.md). withAuth decides who the caller is and what role they have from the headers,
// then the handler reads the body — at the client's pace when its length is declared. An admin
// who is about to be demoted (or whose token is about to be revoked) opens POST /api/users with the
// body held back; the other admin demotes them (revokes the token); the body arrives and the route
// creates a new admin account with a password the demoted user chose: admin for ever.
// Session 31's audit found it (failing before): withAuth now decides who calls from the headers before
// reading the body, and looks the caller up again once the body is in.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("auditdemoterace", "admin");
}, 120_000);
afterAll(async () => {
  await bed?.close();
});

/** A JSON body that is sent only when `send` is called; `asked` resolves when the handler starts reading it. */
function heldBody(value: unknown) {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let markAsked!: () => void;
  const asked = new Promise<void>((r) => (markAsked = r));
  let send!: () => void;
  const released = new Promise<void>((r) => (send = r));
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        markAsked();
        await released;
        controller.enqueue(bytes);
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, length: bytes.byteLength, asked, send };
}

it("an admin demoted while their POST /api/users is in flight cannot create an admin account with it", { timeout: 60_000 }, async () => {
  const leaving = await bed.db.createUser(bed.prisma, { email: `leaving-${randomBytes(3).toString("hex")}@route.test`, name: "leaving", role: "admin", password: "route-password-1" });
  const { token } = await bed.db.createApiToken(bed.prisma, { userId: leaving.id, name: "leaving", role: "admin" });

  const newAdminEmail = `backdoor-${randomBytes(3).toString("hex")}@route.test`;
  const body = heldBody({ email: newAdminEmail, name: "backdoor", password: "backdoor-password-1", role: "admin" });
  const { NextRequest } = await import("next/server");
  const { POST } = await import("./route");
  const creating = POST(
    new NextRequest("http://localhost/api/users", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": String(body.length) },
      body: body.stream,
      duplex: "half",
    } as unknown as ConstructorParameters<typeof NextRequest>[1]),
    { params: Promise.resolve({}) },
  );
  await body.asked;

  // The bed's admin demotes them to viewer and revokes their token.
  const { PATCH } = await import("./[id]/route");
  const demote = await bed.call(PATCH, `/api/users/${leaving.id}`, { method: "PATCH", body: { role: "viewer" }, params: { id: leaving.id } });
  expect(demote.status).toBe(200);
  const tokenRow = await bed.prisma.apiToken.findFirstOrThrow({ where: { userId: leaving.id } });
  await bed.db.revokeApiToken(bed.prisma, tokenRow.id);

  body.send();
  const res = await creating;
  const created = await bed.prisma.user.findUnique({ where: { email: newAdminEmail } });
  expect(created?.role ?? null, "a demoted viewer with a revoked token created an admin account").toBeNull();
  expect(res.status).not.toBe(201);
});
