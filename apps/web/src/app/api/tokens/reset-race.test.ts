// "an admin's password reset signs the user out everywhere: their sessions are deleted and
// every API token of theirs is revoked" (docs/security.md). The session is checked when a request
// arrives (withAuth → principalFrom), the token is inserted when the handler gets there — after its
// body has been read, which the client paces. An intruder signed in with the leaked password keeps
// a POST /api/tokens open (headers sent, body held back); the admin resets the password; the
// intruder sends the body, and a brand-new token is minted for a session that no longer exists.
// Nothing revokes it: the reset already ran, and the token has no parent whose revocation would
// reach it. The intruder keeps the account after the incident response.
// Session 31's audit found it (failing before): withAuth now decides who calls from the headers before
// reading the body, and looks the caller up again once the body is in.
import { afterAll, beforeAll, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("auditresetrace", "admin");
}, 120_000);
afterAll(async () => {
  await bed?.close();
});

it("a token whose minting request was authenticated before the admin's password reset does not work after it", { timeout: 60_000 }, async () => {
  const email = `phished-${Date.now()}@route.test`;
  const victim = await bed.db.createUser(bed.prisma, { email, name: "victim", role: "editor", password: "old-password-leaked" });

  // The intruder signs in with the leaked password (a real better-auth session cookie).
  const { auth } = await import("@/server/auth");
  const signIn = await auth().api.signInEmail({ body: { email, password: "old-password-leaked" }, asResponse: true });
  expect(signIn.status).toBe(200);
  const cookie = signIn.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  expect(cookie).toContain("session_token");

  // POST /api/tokens with the session; the body (JSON, its length declared) is held back by the client.
  const body = new TextEncoder().encode(JSON.stringify({ name: "kept after the reset" }));
  let bodyAsked!: () => void;
  const asked = new Promise<void>((r) => (bodyAsked = r));
  let sendBody!: () => void;
  const release = new Promise<void>((r) => (sendBody = r));
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        bodyAsked();
        await release;
        controller.enqueue(body);
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  const { NextRequest } = await import("next/server");
  const { POST, GET } = await import("./route");
  const minting = POST(
    new NextRequest("http://localhost/api/tokens", {
      method: "POST",
      headers: { cookie, "content-type": "application/json", "content-length": String(body.byteLength) },
      body: stream,
      duplex: "half",
    } as unknown as ConstructorParameters<typeof NextRequest>[1]),
    { params: Promise.resolve({}) },
  );
  // The session has been checked and the handler is reading the body.
  await asked;

  // The admin resets the password: sessions deleted, tokens revoked.
  const { PATCH } = await import("../users/[id]/route");
  const reset = await bed.call(PATCH, `/api/users/${victim.id}`, { method: "PATCH", body: { password: "new-password-after-incident" }, params: { id: victim.id } });
  expect(reset.status).toBe(200);
  expect(await bed.prisma.session.count({ where: { userId: victim.id } })).toBe(0);

  // The intruder's body arrives.
  sendBody();
  const res = await minting;
  const created = (await res.json()) as { token?: string };

  // Whatever the answer, no token of the victim may work after the reset.
  if (created.token) {
    const use = await GET(new NextRequest("http://localhost/api/tokens", { headers: { authorization: `Bearer ${created.token}` } }), { params: Promise.resolve({}) });
    expect(use.status, "a token minted with the pre-reset session authenticates after the reset").toBe(401);
  }
  const live = await bed.prisma.apiToken.count({ where: { userId: victim.id, revokedAt: null } });
  expect(live, "the victim has an unrevoked API token after the admin's password reset").toBe(0);
});
