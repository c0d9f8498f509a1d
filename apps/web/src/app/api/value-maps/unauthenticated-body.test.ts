// An anonymous request must not make the server read (and buffer) its body. withAuth's
// boundedBody read a chunked body (no Content-Length) up to the route's limit BEFORE it asks who
// is calling: on the value-map routes that is about 16 MB per request, on scheme import 5 MB, and
// the answer is a 401 only once every byte has been pulled into memory.
// Session 31's audit found it (failing before): withAuth now decides who calls from the headers before
// reading the body, and looks the caller up again once the body is in.
import { VALUE_MAP_BODY_BYTES } from "@qiao/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("auditanonbody", "editor");
}, 120_000);
afterAll(async () => {
  await bed?.close();
});

/** A chunked body of `total` bytes (64 KiB chunks, made on demand) that counts what was pulled. */
function countingBody(total: number) {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled >= total) {
        controller.close();
        return;
      }
      const n = Math.min(chunk.byteLength, total - counter.pulled);
      counter.pulled += n;
      controller.enqueue(chunk.subarray(0, n));
    },
  });
  return { stream, counter };
}

async function anonymous(route: unknown, path: string, total: number) {
  const { NextRequest } = await import("next/server");
  const { stream, counter } = countingBody(total);
  // No Authorization header, no cookie, no Content-Length: an anonymous chunked upload.
  const req = new NextRequest(`http://localhost${path}`, {
    method: "POST",
    headers: { "content-type": "text/csv" },
    body: stream,
    duplex: "half",
  } as unknown as ConstructorParameters<typeof NextRequest>[1]);
  const res = await (route as (r: unknown, c: unknown) => Promise<Response>)(req, { params: Promise.resolve({ id: "00000000-0000-4000-8000-000000000000" }) });
  return { status: res.status, pulled: counter.pulled };
}

it("an anonymous chunked POST to /api/value-maps is answered 401 without its 15 MB body being read", { timeout: 60_000 }, async () => {
  const { POST } = await import("./route");
  const total = Math.min(15_000_000, VALUE_MAP_BODY_BYTES - 1);
  const { status, pulled } = await anonymous(POST, "/api/value-maps", total);
  expect(status).toBe(401);
  // Who is calling is known from the headers alone: nothing of the body needs to be read first.
  expect(pulled).toBeLessThan(1_000_000);
});

it("an anonymous chunked POST to /api/value-maps/:id/import is answered 401 without its body being read", { timeout: 60_000 }, async () => {
  const { POST } = await import("./[id]/import/route");
  const { status, pulled } = await anonymous(POST, "/api/value-maps/00000000-0000-4000-8000-000000000000/import", 15_000_000);
  expect(status).toBe(401);
  expect(pulled).toBeLessThan(1_000_000);
});

it("an anonymous chunked POST to /api/schemes/import is answered 401 without its 4.5 MB body being read", { timeout: 60_000 }, async () => {
  const { POST } = await import("../schemes/import/route");
  const { status, pulled } = await anonymous(POST, "/api/schemes/import", 4_500_000);
  expect(status).toBe(401);
  expect(pulled).toBeLessThan(1_000_000);
});

it("a viewer's chunked POST to /api/value-maps is refused (403) without its body being read", { timeout: 60_000 }, async () => {
  const viewer = await bed.db.createUser(bed.prisma, { email: `viewer-${Date.now()}@route.test`, name: "v", role: "viewer", password: "route-password-1" });
  const { token } = await bed.db.createApiToken(bed.prisma, { userId: viewer.id, name: "v", role: "viewer" });
  const { NextRequest } = await import("next/server");
  const { POST } = await import("./route");
  const { stream, counter } = countingBody(15_000_000);
  const req = new NextRequest("http://localhost/api/value-maps", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: stream,
    duplex: "half",
  } as unknown as ConstructorParameters<typeof NextRequest>[1]);
  const res = await POST(req, { params: Promise.resolve({}) });
  expect(res.status).toBe(403);
  expect(counter.pulled).toBeLessThan(1_000_000);
});
