// Issue #11, item 5: request bodies over QIAO_MAX_BODY_BYTES (1 MB; scheme import:
// QIAO_MAX_IMPORT_BYTES, 5 MB) are refused with 413, better-auth's routes included; a body
// without Content-Length is cut off while it streams in, not buffered whole first.
import { expect, test } from "./fixtures";
import { bearer } from "./helpers";
import { rawRequest } from "./raw-http";

const MB = 1_000_000;

test("a declared body over 1 MB is refused with 413 on the API and on sign-in", async ({ request }) => {
  const big = Buffer.alloc(MB + 1000, "a");
  for (const [url, headers] of [
    ["/api/schemes", bearer],
    ["/api/auth/sign-in/email", {}],
    ["/api/auth/sign-out", {}],
  ] as const) {
    const res = await request.post(url, { headers: { ...headers, "content-type": "application/json" }, data: big });
    expect(res.status(), url).toBe(413);
    expect((await res.json()).error.code, url).toBe("payload_too_large");
  }
});

test("a chunked body with no Content-Length is cut off at the limit while it streams", async ({ baseURL }) => {
  for (const [path, headers, limit] of [
    ["/api/schemes", bearer, MB],
    ["/api/auth/sign-in/email", { origin: new URL(baseURL!).origin }, MB],
    ["/api/schemes/import", bearer, 5 * MB],
  ] as const) {
    const answer = await rawRequest({
      url: `${baseURL}${path}`,
      headers: { ...headers, "content-type": "application/json", "transfer-encoding": "chunked" },
      streamBytes: 200 * MB,
    });
    expect(answer.status, path).toBe(413);
    expect(JSON.parse(answer.body).error.code, path).toBe("payload_too_large");
    // The answer came long before the 200 MB were sent: the server stopped reading at the limit.
    expect(answer.sentBytes, path).toBeLessThan(limit + 20 * MB);
  }
});

test("a route that never reads a body refuses an oversized one all the same, declared or chunked", async ({ request, baseURL }) => {
  const path = "/api/runs/00000000-0000-4000-8000-000000000000/cancel";
  const declared = await request.post(path, { headers: { ...bearer, "content-type": "application/json" }, data: Buffer.alloc(2 * MB, "a") });
  expect(declared.status()).toBe(413);
  const chunked = await rawRequest({
    url: `${baseURL}${path}`,
    headers: { ...bearer, "content-type": "application/json", "transfer-encoding": "chunked" },
    streamBytes: 200 * MB,
  });
  expect(chunked.status).toBe(413);
  expect(chunked.sentBytes).toBeLessThan(21 * MB);
  // Within the limit it is the route's own answer (no such run).
  expect((await request.post(path, { headers: bearer, data: {} })).status()).toBe(404);
});

test("scheme import accepts a file over 1 MB (up to 5 MB)", async ({ request }) => {
  const file = { format: "qiao.scheme", version: 1, name: "big import", description: "x".repeat(2 * MB) };
  const res = await request.post("/api/schemes/import", { headers: bearer, data: file });
  // Read and checked (a 400 for what the file lacks), not refused for its size.
  expect(res.status()).toBe(400);
  expect((await res.json()).error.code).toBe("validation_failed");
});

test("the server keeps serving after refusing large bodies", async ({ request }) => {
  expect((await request.get("/api/health")).status()).toBe(200);
});
