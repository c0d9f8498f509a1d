// The REST API as other software uses it: bearer tokens, typed errors, the OpenAPI document.
import { expect, test } from "./fixtures";
import { bearer } from "./helpers";

test("the API answers with typed errors and describes itself", async ({ request }) => {
  expect((await request.get("/api/connections")).status()).toBe(401);
  expect((await request.get("/api/schemes", { headers: { authorization: "Bearer qiao_not_a_token" } })).status()).toBe(401);

  const doc = await request.get("/api/openapi.json", { headers: bearer });
  expect(doc.ok()).toBeTruthy();
  const openapi = (await doc.json()) as { openapi: string; paths: Record<string, unknown> };
  expect(openapi.openapi).toBe("3.1.0");
  expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(["/api/schemes/{id}/runs", "/api/runs/{id}/retry", "/api/tokens"]));

  // Secrets never come back: only whether one is stored.
  const connections = (await (await request.get("/api/connections", { headers: bearer })).json()) as {
    connections: { settings: Record<string, unknown>; secrets: Record<string, boolean> }[];
  };
  expect(connections.connections.length).toBeGreaterThan(0);
  expect(JSON.stringify(connections)).not.toContain("888888");
  expect(connections.connections.every((c) => Object.values(c.secrets).every((v) => typeof v === "boolean"))).toBe(true);

  // A template error is a 400 naming the field and the position in the template.
  const schemes = (await (await request.get("/api/schemes", { headers: bearer })).json()) as { schemes: { id: string }[] };
  const { scheme } = (await (await request.get(`/api/schemes/${schemes.schemes.at(-1)!.id}`, { headers: bearer })).json()) as {
    scheme: { definition: { nodes: { type: string; config: { mapping?: Record<string, string> } }[] } };
  };
  scheme.definition.nodes.find((n) => n.type === "target")!.config.mapping!.FName = "店铺 {{name";
  const bad = await request.post("/api/schemes", { headers: bearer, data: { name: "bad", definition: scheme.definition } });
  expect(bad.status()).toBe(400);
  const error = ((await bad.json()) as { error: { code: string; issues: { path: unknown[]; start?: number }[] } }).error;
  expect(error.code).toBe("validation_failed");
  const issue = error.issues.find((i) => i.path.includes("FName"));
  expect(issue?.path.slice(0, 2)).toEqual(["definition", "nodes"]);
  expect(issue?.start).toBeGreaterThanOrEqual(3);

  expect((await request.get("/api/runs/00000000-0000-0000-0000-000000000000", { headers: bearer })).status()).toBe(404);
  expect((await request.get("/api/runs/not-a-uuid", { headers: bearer })).status()).toBe(404);

  // Tokens: created once, usable, revoked → 401.
  const created = await request.post("/api/tokens", { headers: bearer, data: { name: "e2e" } });
  expect(created.status()).toBe(201);
  const { token, apiToken } = (await created.json()) as { token: string; apiToken: { id: string } };
  expect((await request.get("/api/schemes", { headers: { authorization: `Bearer ${token}` } })).status()).toBe(200);
  expect((await request.delete(`/api/tokens/${apiToken.id}`, { headers: bearer })).ok()).toBeTruthy();
  expect((await request.get("/api/schemes", { headers: { authorization: `Bearer ${token}` } })).status()).toBe(401);
});
