// Issue 7: who may call what. Every route handler under src/app/api is found by walking the folder
// (not listed by hand) and each exported method must answer 401 without a session or a token —
// except the documented public ones (/api/health, better-auth's /api/auth/*). Cookie-authenticated
// requests that change state must come from our own origin: a cross-site one gets 403. Every
// authenticated GET answer is checked for secret values (./fixtures.ts does that for every test).
import type { APIRequestContext } from "@playwright/test";
import { expect, saveAdminSession, test } from "./fixtures";
import { ADMIN_EMAIL, ADMIN_PASSWORD, bearer } from "./helpers";
import { ROUTES, STATE_CHANGING, urlOf, type Method } from "./routes";

/** Public on purpose (docs/security.md): liveness, and sign-in / sign-out / session of better-auth. */
const PUBLIC = [/^\/api\/health$/, /^\/api\/auth\//];

const isPublic = (pattern: string) => PUBLIC.some((p) => p.test(pattern));

const PROTECTED = ROUTES.filter((r) => !isPublic(r.pattern)).flatMap((r) => r.methods.map((method) => ({ ...r, method })));

async function call(request: APIRequestContext, method: Method, url: string, headers: Record<string, string> = {}) {
  return request.fetch(url, { method, headers, ...(STATE_CHANGING.has(method) && { data: {} }) });
}

test("the API folder was walked: every route file exports at least one method", () => {
  expect(ROUTES.length).toBeGreaterThanOrEqual(20);
  for (const r of ROUTES) expect(r.methods, `${r.file} exports no HTTP method`).not.toEqual([]);
  // The public ones are exactly the documented ones.
  expect(ROUTES.filter((r) => isPublic(r.pattern)).map((r) => r.pattern).sort()).toEqual(["/api/auth/[...all]", "/api/health"]);
});

test("every protected handler answers 401 without a session or token, with a forged session cookie, and with an unknown token", async ({ request }) => {
  expect(PROTECTED.length).toBeGreaterThanOrEqual(25);
  for (const r of PROTECTED) {
    const url = urlOf(r.pattern);
    for (const [what, headers] of [
      ["no credentials", {}],
      ["a forged session cookie", { cookie: "better-auth.session_token=forged.c2lnbmF0dXJl" }],
      ["an unknown bearer token", { authorization: "Bearer qiao_0000000000000000000000000000000000000000" }],
      ["a malformed authorization header", { authorization: "Basic YWRtaW46YWRtaW4=" }],
    ] as const) {
      const res = await call(request, r.method, url, headers);
      expect(res.status(), `${r.method} ${r.pattern} with ${what}`).toBe(401);
      if (r.method !== "HEAD") expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    }
  }
});

test("the public routes reveal nothing: health says ok, better-auth's session is empty without a cookie", async ({ request }) => {
  const health = await request.get("/api/health");
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({ ok: true });
  const session = await request.get("/api/auth/get-session");
  expect(session.status()).toBe(200);
  expect(await session.text()).toBe("null");
});

test("state-changing requests with a session cookie are refused cross-site (403); same-origin ones work", async ({ request, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  // better-auth itself refuses a sign-in posted from another site (login CSRF).
  const forged = await request.post("/api/auth/sign-in/email", { headers: { origin: "https://evil.example" }, data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  expect(forged.status()).toBe(403);
  const signIn = await request.post("/api/auth/sign-in/email", { headers: { origin }, data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  expect(signIn.status()).toBe(200);
  const cookies = await request.storageState();
  expect(cookies.cookies.some((c) => c.name.endsWith("session_token") && c.httpOnly && c.sameSite === "Lax")).toBe(true);
  await saveAdminSession(request);

  const stateChanging = PROTECTED.filter((r) => STATE_CHANGING.has(r.method));
  expect(stateChanging.length).toBeGreaterThanOrEqual(15);
  for (const r of stateChanging) {
    const url = urlOf(r.pattern);
    for (const [what, headers] of [
      ["Origin: https://evil.example", { origin: "https://evil.example" }],
      ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
      ["Sec-Fetch-Site: same-site", { "sec-fetch-site": "same-site" }],
      ["Origin with our host on another scheme", { origin: origin.replace(/^http:/, "https:") }],
      ["Origin: null (a sandboxed frame)", { origin: "null" }],
    ] as const) {
      const res = await call(request, r.method, url, headers);
      expect(res.status(), `${r.method} ${r.pattern} with ${what}`).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    }
  }

  // The same cookie from our own origin is honoured (so the 403s above are the origin check).
  const created = await request.post("/api/tokens", { headers: { origin, "sec-fetch-site": "same-origin" }, data: { name: "csrf probe" } });
  expect(created.status()).toBe(201);
  const { apiToken } = (await created.json()) as { apiToken: { id: string } };
  expect((await request.delete(`/api/tokens/${apiToken.id}`, { headers: { origin } })).status()).toBe(200);
  // Reading is not state-changing: a cross-site Origin on a GET is answered (browsers do not let the other site read it).
  expect((await request.get("/api/schemes", { headers: { origin: "https://evil.example" } })).status()).toBe(200);
  // A bearer token is not sent by browsers on their own: token requests are not origin-checked.
  const viaToken = await request.post("/api/tokens", { headers: { ...bearer, origin: "https://evil.example" }, data: { name: "token probe" } });
  expect(viaToken.status()).toBe(201);
  expect((await request.delete(`/api/tokens/${((await viaToken.json()) as { apiToken: { id: string } }).apiToken.id}`, { headers: bearer })).status()).toBe(200);
});

test("every authenticated GET answer carries no secret value (checked by the fixture when the test ends)", async ({ request }) => {
  const get = async <T>(url: string): Promise<T> => {
    const res = await request.get(url, { headers: bearer });
    expect(res.status(), url).toBe(200);
    return (await res.json()) as T;
  };
  const { connections } = await get<{ connections: { id: string; secrets: Record<string, boolean> }[] }>("/api/connections");
  for (const c of connections) {
    const one = await get<{ secrets: Record<string, boolean>; settings: Record<string, unknown> }>(`/api/connections/${c.id}`);
    expect(Object.values(one.secrets).every((v) => typeof v === "boolean")).toBe(true);
    expect(Object.keys(one.settings)).not.toEqual(expect.arrayContaining(["secret", "sessionkey", "password", "appSecret"]));
  }
  const { schemes } = await get<{ schemes: { id: string }[] }>("/api/schemes");
  for (const s of schemes) {
    await get(`/api/schemes/${s.id}`);
    const exported = await request.get(`/api/schemes/${s.id}/export`, { headers: bearer });
    expect(exported.status()).toBe(200);
    const { runs } = await get<{ runs: { id: string }[] }>(`/api/schemes/${s.id}/runs?limit=5`);
    for (const run of runs) {
      await get(`/api/runs/${run.id}`);
      await get(`/api/runs/${run.id}/records?limit=200`);
      await get(`/api/runs/${run.id}/logs`);
    }
  }
  await get("/api/tokens");
  await get("/api/connectors");
  await get("/api/openapi.json");
});
