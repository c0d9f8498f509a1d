// Issue 7: malformed requests across the REST API, table-driven. Each one gets a 4xx whose
// `error.issues[].path` names the field (or, when there is no field to name — a body that is not
// JSON, not UTF-8 or too large — the error code says what is wrong); nothing is saved (schemes,
// versions, runs, connections and tokens counted through the API before and after); and the server
// keeps serving. Injection strings that are valid input are accepted as plain text: stored and
// returned verbatim, never executed (last tests).
import type { APIRequestContext, APIResponse } from "@playwright/test";
import { expect, signedIn, test } from "./fixtures";
import { bearer, GUANYI_URL, KINGDEE_URL } from "./helpers";
import { registerSecrets } from "./leaks";

test.describe.configure({ mode: "serial" });

type Json = Record<string, unknown>;
type Definition = {
  version: number;
  timezone: string;
  schedule: { cron: string; enabled: boolean } | null;
  nodes: { id: string; type: string; position: { x: number; y: number }; config: Json & { mapping?: Record<string, string>; params?: Record<string, string> } }[];
  edges: { id: string; source: string; target: string }[];
};

const stamp = Date.now().toString(36);
const SECRETS = { guanyi: `gy-bad-input-${stamp}-9f3a1c`, sessionkey: `sk-bad-input-${stamp}-2d7e4b`, kingdee: `kd-bad-input-${stamp}-5c8f0e` };
const ids = { guanyi: "", kingdee: "", scheme: "", run: "" };
let definition: Definition;

async function ok<T>(res: APIResponse, status = 200): Promise<T> {
  expect(res.status(), await res.text()).toBe(status);
  return (await res.json()) as T;
}

/** A copy of the valid definition with one thing changed. */
function changed(change: (d: Definition) => void): Definition {
  const d = structuredClone(definition);
  change(d);
  return d;
}
const source = (d: Definition) => d.nodes.find((n) => n.type === "source")!;
const target = (d: Definition) => d.nodes.find((n) => n.type === "target")!;
/** A create-scheme body whose definition has one thing changed. */
const scheme = (change: (d: Definition) => void) => ({ name: `bad input ${stamp}`, definition: changed(change) });

interface Case {
  name: string;
  method: "GET" | "POST" | "PATCH";
  url: () => string;
  /** A JSON body, or raw bytes sent as application/json. */
  body?: () => unknown;
  raw?: () => Buffer;
  status: number;
  code: string;
  /** An issue whose path starts with this one must be reported. */
  path?: (string | number)[];
}

const post = (url: () => string, body: () => unknown, status: number, code: string, path?: Case["path"]) => ({ method: "POST" as const, url, body, status, code, path });
const schemes = () => "/api/schemes";
const connections = () => "/api/connections";
const ourScheme = () => `/api/schemes/${ids.scheme}`;
const D = ["definition"];
const N = (i: number, ...rest: (string | number)[]) => [...D, "nodes", i, ...rest];

const CASES: Case[] = [
  // Schemes: wrong types and shapes (zod).
  { name: "scheme name is a number", ...post(schemes, () => ({ ...scheme(() => {}), name: 123 }), 400, "validation_failed", ["name"]) },
  { name: "scheme name is empty", ...post(schemes, () => ({ ...scheme(() => {}), name: "" }), 400, "validation_failed", ["name"]) },
  { name: "scheme name is only spaces", ...post(schemes, () => ({ ...scheme(() => {}), name: "   " }), 400, "validation_failed", ["name"]) },
  { name: "scheme name of 201 characters", ...post(schemes, () => ({ ...scheme(() => {}), name: "名".repeat(201) }), 400, "validation_failed", ["name"]) },
  { name: "description of 2001 characters", ...post(schemes, () => ({ ...scheme(() => {}), description: "x".repeat(2001) }), 400, "validation_failed", ["description"]) },
  { name: "definition missing", ...post(schemes, () => ({ name: "no definition" }), 400, "validation_failed", D) },
  { name: "definition is a string", ...post(schemes, () => ({ name: "x", definition: "{}" }), 400, "validation_failed", D) },
  { name: "definition version 2", ...post(schemes, () => scheme((d) => (d.version = 2)), 400, "validation_failed", [...D, "version"]) },
  { name: "nodes is an object", ...post(schemes, () => scheme((d) => ((d as unknown as Json).nodes = {})), 400, "validation_failed", [...D, "nodes"]) },
  { name: "edges is a string", ...post(schemes, () => scheme((d) => ((d as unknown as Json).edges = "source->target")), 400, "validation_failed", [...D, "edges"]) },
  { name: "unknown node type", ...post(schemes, () => scheme((d) => (d.nodes[0]!.type = "lookup")), 400, "validation_failed", N(0, "type")) },
  { name: "node without a type", ...post(schemes, () => scheme((d) => delete (d.nodes[0] as Partial<Definition["nodes"][0]>).type), 400, "validation_failed", N(0, "type")) },
  { name: "node position is text", ...post(schemes, () => scheme((d) => ((d.nodes[0]!.position as unknown as Json).x = "80px")), 400, "validation_failed", N(0, "position", "x")) },
  { name: "node id with a space", ...post(schemes, () => scheme((d) => (d.nodes[0]!.id = "my source")), 400, "validation_failed", N(0, "id")) },
  { name: "source page size 0", ...post(schemes, () => scheme((d) => (source(d).config.pageSize = 0)), 400, "validation_failed", N(0, "config", "pageSize")) },
  { name: "source page size 1.5", ...post(schemes, () => scheme((d) => (source(d).config.pageSize = 1.5)), 400, "validation_failed", N(0, "config", "pageSize")) },
  { name: "source page size as text", ...post(schemes, () => scheme((d) => (source(d).config.pageSize = "50")), 400, "validation_failed", N(0, "config", "pageSize")) },
  { name: "target batch size 1001", ...post(schemes, () => scheme((d) => (target(d).config.batchSize = 1001)), 400, "validation_failed", N(1, "config", "batchSize")) },
  { name: "target mode 'delete'", ...post(schemes, () => scheme((d) => (target(d).config.mode = "delete")), 400, "validation_failed", N(1, "config", "mode")) },
  { name: "target option is an object", ...post(schemes, () => scheme((d) => (target(d).config.options = { IsAutoSubmitAndAudit: { yes: true } })), 400, "validation_failed", N(1, "config", "options", "IsAutoSubmitAndAudit")) },
  { name: "connection id is not a uuid", ...post(schemes, () => scheme((d) => (source(d).config.connectionId = "1 OR 1=1")), 400, "validation_failed", N(0, "config", "connectionId")) },
  { name: "more than 50 nodes", ...post(schemes, () => scheme((d) => (d.nodes = Array.from({ length: 51 }, (_, i) => ({ ...structuredClone(source(d)), id: `n${i}` })))), 400, "validation_failed", [...D, "nodes"]) },
  { name: "201 mapping entries", ...post(schemes, () => scheme((d) => (target(d).config.mapping = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`F${i}`, "1"])))), 400, "validation_failed", N(1, "config", "mapping")) },
  { name: "template of 2001 characters", ...post(schemes, () => scheme((d) => (target(d).config.mapping!.FDescription = "长".repeat(2001))), 400, "validation_failed", N(1, "config", "mapping", "FDescription")) },
  { name: "timezone Mars/Olympus", ...post(schemes, () => scheme((d) => (d.timezone = "Mars/Olympus")), 400, "validation_failed", [...D, "timezone"]) },
  // Schedules: invalid cron.
  { name: "cron in words", ...post(schemes, () => scheme((d) => (d.schedule = { cron: "every 5 minutes", enabled: true })), 400, "validation_failed", [...D, "schedule", "cron"]) },
  { name: "cron with 4 fields", ...post(schemes, () => scheme((d) => (d.schedule = { cron: "*/5 * * *", enabled: true })), 400, "validation_failed", [...D, "schedule", "cron"]) },
  { name: "cron minute 61", ...post(schemes, () => scheme((d) => (d.schedule = { cron: "61 * * * *", enabled: true })), 400, "validation_failed", [...D, "schedule", "cron"]) },
  { name: "cron step 0", ...post(schemes, () => scheme((d) => (d.schedule = { cron: "*/0 * * * *", enabled: true })), 400, "validation_failed", [...D, "schedule", "cron"]) },
  { name: "cron with a shell command", ...post(schemes, () => scheme((d) => (d.schedule = { cron: "* * * * * ; rm -rf /", enabled: true })), 400, "validation_failed", [...D, "schedule", "cron"]) },
  { name: "schedule enabled as text", ...post(schemes, () => scheme((d) => (d.schedule = { cron: "0 2 * * *", enabled: "yes" as unknown as boolean })), 400, "validation_failed", [...D, "schedule", "enabled"]) },
  // The graph (compiled at save time).
  { name: "a cycle", ...post(schemes, () => scheme((d) => d.edges.push({ id: "back", source: "target", target: "source" })), 400, "validation_failed", [...D, "edges"]) },
  { name: "an edge to an unknown node", ...post(schemes, () => scheme((d) => (d.edges[0]!.target = "nowhere")), 400, "validation_failed", [...D, "edges", 0]) },
  { name: "no target node", ...post(schemes, () => scheme((d) => ((d.nodes = [source(d)]), (d.edges = []))), 400, "validation_failed", [...D, "nodes"]) },
  { name: "unknown connection id", ...post(schemes, () => scheme((d) => (source(d).config.connectionId = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b")), 400, "validation_failed", N(0, "config", "connectionId")) },
  { name: "a 金蝶 connection as the 管易云 source", ...post(schemes, () => scheme((d) => (source(d).config.connectionId = ids.kingdee)), 400, "validation_failed", N(0, "config", "connectionId")) },
  { name: "unknown source API", ...post(schemes, () => scheme((d) => (source(d).config.api = "gy.erp.nope.get")), 400, "validation_failed", N(0, "config", "api")) },
  // Templates: unclosed braces, unknown variables and fields, expressions that are not paths.
  { name: "mapping template with an unclosed {{", ...post(schemes, () => scheme((d) => (target(d).config.mapping!.FName = "店铺 {{name")), 400, "validation_failed", N(1, "config", "mapping", "FName")) },
  { name: "mapping template with an unclosed <<", ...post(schemes, () => scheme((d) => (target(d).config.mapping!.FName = "<<name")), 400, "validation_failed", N(1, "config", "mapping", "FName")) },
  { name: "mapping template with an unknown variable", ...post(schemes, () => scheme((d) => (target(d).config.mapping!.FDescription = "{{NOT_A_VARIABLE}}")), 400, "validation_failed", N(1, "config", "mapping", "FDescription")) },
  { name: "mapping template with a JavaScript expression", ...post(schemes, () => scheme((d) => (target(d).config.mapping!.FName = "{{constructor.constructor('return process')()}}")), 400, "validation_failed", N(1, "config", "mapping", "FName")) },
  { name: "request param with an unclosed {{", ...post(schemes, () => scheme((d) => (source(d).config.params!.modify_end_date = "{{CURRENT_TIME datetime")), 400, "validation_failed", N(0, "config", "params", "modify_end_date")) },
  { name: "request param with an unknown variable", ...post(schemes, () => scheme((d) => (source(d).config.params!.modify_start_date = "{{LAST_SYNC}}")), 400, "validation_failed", N(0, "config", "params", "modify_start_date")) },
  // Bodies that are not JSON objects at all.
  { name: "body is not JSON", method: "POST", url: schemes, raw: () => Buffer.from('{"name": "x", definition:'), status: 400, code: "bad_request" },
  { name: "body is not UTF-8", method: "POST", url: schemes, raw: () => Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('","definition":{}}')]), status: 400, code: "bad_request" },
  { name: "body over 1 MB", method: "POST", url: schemes, raw: () => Buffer.from(JSON.stringify({ name: "big", description: "x".repeat(1_100_000) })), status: 413, code: "payload_too_large" },
  { name: "body is a JSON array", method: "POST", url: schemes, raw: () => Buffer.from("[]"), status: 400, code: "validation_failed", path: [] },
  { name: "body is JSON null", method: "POST", url: schemes, raw: () => Buffer.from("null"), status: 400, code: "validation_failed", path: [] },
  // Updating a scheme: nothing of a refused version is kept.
  { name: "PATCH scheme with a cycle", method: "PATCH", url: ourScheme, body: () => ({ definition: changed((d) => d.edges.push({ id: "back", source: "target", target: "source" })) }), status: 400, code: "validation_failed", path: [...D, "edges"] },
  { name: "PATCH scheme enabled as text", method: "PATCH", url: ourScheme, body: () => ({ enabled: "true" }), status: 400, code: "validation_failed", path: ["enabled"] },
  { name: "PATCH scheme with an empty name", method: "PATCH", url: ourScheme, body: () => ({ name: "" }), status: 400, code: "validation_failed", path: ["name"] },
  { name: "validate a definition that is a number", ...post(() => `${ourScheme()}/validate`, () => ({ definition: 5 }), 400, "validation_failed", D) },
  // Import.
  { name: "import format v2", ...post(() => "/api/schemes/import", () => ({ format: "qiao.scheme/v2", exportedAt: new Date().toISOString(), name: "x", definition }), 400, "validation_failed", ["format"]) },
  { name: "import exportedAt not a time", ...post(() => "/api/schemes/import", () => ({ format: "qiao.scheme/v1", exportedAt: "yesterday", name: "x", definition }), 400, "validation_failed", ["exportedAt"]) },
  { name: "import with 51 connections", ...post(() => "/api/schemes/import", () => ({ format: "qiao.scheme/v1", exportedAt: new Date().toISOString(), name: "x", definition, connections: Array.from({ length: 51 }, (_, i) => ({ id: `c${i}`, platform: "guanyi", name: `c${i}` })) }), 400, "validation_failed", ["connections"]) },
  // Connections.
  { name: "connection of an unknown platform", ...post(connections, () => ({ platform: "sap", name: "x", baseUrl: GUANYI_URL, credentials: {} }), 400, "validation_failed", ["platform"]) },
  { name: "connection without a name", ...post(connections, () => ({ platform: "guanyi", baseUrl: GUANYI_URL, credentials: {} }), 400, "validation_failed", ["name"]) },
  { name: "connection base URL that is not a URL", ...post(connections, () => ({ platform: "guanyi", name: "x", baseUrl: "erp.example.com", credentials: {} }), 400, "validation_failed", ["baseUrl"]) },
  { name: "connection base URL javascript:", ...post(connections, () => ({ platform: "guanyi", name: "x", baseUrl: "javascript:alert(1)", credentials: {} }), 400, "validation_failed", ["baseUrl"]) },
  {
    name: "金蝶 connection with 17 concurrent calls",
    ...post(connections, () => ({ platform: "kingdee", name: "x", baseUrl: KINGDEE_URL, credentials: { acctId: "qiao-demo", username: "administrator", password: "p", concurrency: 17 } }), 400, "validation_failed", ["credentials", "concurrency"]),
  },
  {
    name: "管易云 connection with 0 concurrent calls",
    ...post(connections, () => ({ platform: "guanyi", name: "x", baseUrl: GUANYI_URL, credentials: { appkey: "a", sessionkey: "s", secret: "k", concurrency: 0 } }), 400, "validation_failed", ["credentials", "concurrency"]),
  },
  { name: "connection base URL ftp:", ...post(connections, () => ({ platform: "guanyi", name: "x", baseUrl: "ftp://erp.example.com/", credentials: {} }), 400, "validation_failed", ["baseUrl"]) },
  { name: "credentials as a string", ...post(connections, () => ({ platform: "guanyi", name: "x", baseUrl: GUANYI_URL, credentials: "appkey=1" }), 400, "validation_failed", ["credentials"]) },
  { name: "credentials without the secret", ...post(connections, () => ({ platform: "guanyi", name: "x", baseUrl: GUANYI_URL, credentials: { appkey: "112194", sessionkey: "s" } }), 400, "validation_failed", ["credentials", "secret"]) },
  { name: "a credential that is an object", ...post(connections, () => ({ platform: "guanyi", name: "x", baseUrl: GUANYI_URL, credentials: { appkey: "112194", sessionkey: "s", secret: { $ne: null } } }), 400, "validation_failed", ["credentials", "secret"]) },
  { name: "PATCH connection with a bad base URL", method: "PATCH", url: () => `/api/connections/${ids.guanyi}`, body: () => ({ baseUrl: "not a url" }), status: 400, code: "validation_failed", path: ["baseUrl"] },
  { name: "test credentials of an unknown platform", ...post(() => "/api/connections/test", () => ({ platform: "oracle", baseUrl: GUANYI_URL, credentials: {} }), 400, "validation_failed", ["platform"]) },
  // Runs: options and queries.
  { name: "start a run with a numeric idempotency key", ...post(() => `${ourScheme()}/runs`, () => ({ idempotencyKey: 123 }), 400, "validation_failed", ["idempotencyKey"]) },
  { name: "start a run with a 201-character idempotency key", ...post(() => `${ourScheme()}/runs`, () => ({ idempotencyKey: "k".repeat(201) }), 400, "validation_failed", ["idempotencyKey"]) },
  { name: "test run with sampleSize 0", ...post(() => `${ourScheme()}/test`, () => ({ sampleSize: 0 }), 400, "validation_failed", ["sampleSize"]) },
  { name: "test run writing 11 records", ...post(() => `${ourScheme()}/test`, () => ({ writeCount: 11 }), 400, "validation_failed", ["writeCount"]) },
  { name: "test run waiting -1 ms", ...post(() => `${ourScheme()}/test`, () => ({ waitMs: -1 }), 400, "validation_failed", ["waitMs"]) },
  { name: "retry with no record ids", ...post(() => `/api/runs/${ids.run}/retry`, () => ({ recordIds: [] }), 400, "validation_failed", ["recordIds"]) },
  { name: "retry with a record id that is SQL", ...post(() => `/api/runs/${ids.run}/retry`, () => ({ recordIds: ["1; DROP TABLE run_records"] }), 400, "validation_failed", ["recordIds", 0]) },
  { name: "records filtered by an unknown status", method: "GET", url: () => `/api/runs/${ids.run}/records?status=deleted`, status: 400, code: "validation_failed", path: ["status"] },
  { name: "logs after a negative id", method: "GET", url: () => `/api/runs/${ids.run}/logs?after=-1`, status: 400, code: "validation_failed", path: ["after"] },
  { name: "runs page of 1000", method: "GET", url: () => `${ourScheme()}/runs?limit=1000`, status: 400, code: "validation_failed", path: ["limit"] },
  // Tokens.
  { name: "token with an empty name", ...post(() => "/api/tokens", () => ({ name: "" }), 400, "validation_failed", ["name"]) },
  { name: "token name is a number", ...post(() => "/api/tokens", () => ({ name: 5 }), 400, "validation_failed", ["name"]) },
  // Unknown ids in the path: 404, nothing created.
  { name: "PATCH an unknown scheme", method: "PATCH", url: () => "/api/schemes/6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b", body: () => ({ name: "x" }), status: 404, code: "not_found" },
  { name: "run a scheme id that is SQL", ...post(() => `/api/schemes/${encodeURIComponent("1' OR '1'='1")}/runs`, () => ({}), 404, "not_found") },
];

interface Snapshot {
  schemes: string[];
  connections: string[];
  tokens: number;
  runs: number;
}

/** What a refused request must not change, read through the API; also proves the server still answers. */
async function snapshot(request: APIRequestContext): Promise<Snapshot> {
  expect((await request.get("/api/health")).status()).toBe(200);
  const [s, c, t, r] = await Promise.all([
    request.get("/api/schemes", { headers: bearer }).then((res) => ok<{ schemes: { id: string; name: string; currentVersion: number; enabled: boolean; updatedAt: string }[] }>(res)),
    request.get("/api/connections", { headers: bearer }).then((res) => ok<{ connections: { id: string; name: string; baseUrl: string; updatedAt: string }[] }>(res)),
    request.get("/api/tokens", { headers: bearer }).then((res) => ok<{ tokens: unknown[] }>(res)),
    request.get(`${ourScheme()}/runs?limit=100`, { headers: bearer }).then((res) => ok<{ runs: unknown[] }>(res)),
  ]);
  return {
    schemes: s.schemes.map((x) => `${x.id} v${x.currentVersion} ${x.enabled} ${x.name} ${x.updatedAt}`).sort(),
    connections: c.connections.map((x) => `${x.id} ${x.name} ${x.baseUrl} ${x.updatedAt}`).sort(),
    tokens: t.tokens.length,
    runs: r.runs.length,
  };
}

test("setup: two connections, a valid scheme and a finished test run", async ({ request }) => {
  registerSecrets(Object.values(SECRETS));
  const guanyi = await ok<{ id: string }>(
    await request.post("/api/connections", {
      headers: bearer,
      data: { platform: "guanyi", name: `bad input 管易云 ${stamp}`, baseUrl: GUANYI_URL, credentials: { appkey: "112194", sessionkey: SECRETS.sessionkey, secret: SECRETS.guanyi } },
    }),
    201,
  );
  const kingdee = await ok<{ id: string }>(
    await request.post("/api/connections", {
      headers: bearer,
      data: {
        platform: "kingdee",
        name: `bad input 金蝶 ${stamp}`,
        baseUrl: KINGDEE_URL,
        credentials: { authType: "password", acctId: "qiao-demo", username: "administrator", password: SECRETS.kingdee, lcid: 2052 },
      },
    }),
    201,
  );
  ids.guanyi = guanyi.id;
  ids.kingdee = kingdee.id;

  const list = await ok<{ schemes: { id: string; name: string }[] }>(await request.get("/api/schemes", { headers: bearer }));
  const seed = list.schemes.find((s) => s.name.startsWith("管易云店铺查询"))!;
  const { scheme: seedScheme } = await ok<{ scheme: { definition: Definition } }>(await request.get(`/api/schemes/${seed.id}`, { headers: bearer }));
  definition = seedScheme.definition;
  source(definition).config.connectionId = ids.guanyi;
  target(definition).config.connectionId = ids.kingdee;
  const created = await ok<{ scheme: { id: string } }>(await request.post("/api/schemes", { headers: bearer, data: { name: `bad input ${stamp}`, definition } }), 201);
  ids.scheme = created.scheme.id;

  // A run to aim run requests at (its credentials are refused, so it fails fast and writes nothing).
  const run = await ok<{ run: { id: string; status: string } }>(await request.post(`${ourScheme()}/test`, { headers: bearer, data: { sampleSize: 1, waitMs: 25_000 } }));
  expect(run.run.status).toBe("failed");
  ids.run = run.run.id;
});

test(`${CASES.length} malformed requests: each a 4xx naming the field, nothing saved, the server still serving`, async ({ request }) => {
  expect(CASES.length).toBeGreaterThanOrEqual(50);
  const before = await snapshot(request);
  for (const c of CASES) {
    await test.step(c.name, async () => {
      const raw = c.raw?.();
      const res = await request.fetch(c.url(), {
        method: c.method,
        headers: { ...bearer, ...(raw && { "content-type": "application/json" }) },
        ...(raw ? { data: raw } : c.body ? { data: c.body() } : {}),
      });
      const text = await res.text();
      expect(res.status(), `${c.name}: ${text.slice(0, 500)}`).toBe(c.status);
      const { error } = JSON.parse(text) as { error: { code: string; message: string; issues?: { path: (string | number)[]; message: string }[] } };
      expect(error.code, c.name).toBe(c.code);
      expect(error.message.length, c.name).toBeGreaterThan(0);
      if (c.path) {
        const paths = (error.issues ?? []).map((i) => i.path);
        expect(
          paths.some((p) => c.path!.every((part, k) => p[k] === part)),
          `${c.name}: expected an issue at ${JSON.stringify(c.path)}, got ${JSON.stringify(paths)}`,
        ).toBe(true);
        expect((error.issues ?? []).every((i) => typeof i.message === "string" && i.message.length > 0)).toBe(true);
      }
      // Never a stack trace or a database error in the answer.
      expect(text).not.toMatch(/at \w+ \(|node_modules|prisma|SELECT |syntax error/i);
      expect(await snapshot(request), `${c.name} changed something`).toEqual(before);
    });
  }
});

// Valid input that looks like an attack is accepted as plain text: stored and returned verbatim,
// never executed — not by the database (parameterised queries), not by the browser (React escapes).
const SQL_NAME = `Robert'); DROP TABLE schemes; -- ${stamp}`;
const SCRIPT_NAME = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> ${stamp}`;
const SCRIPT_TEMPLATE = `<img src=x onerror="window.__pwned=3">{{note}}'; DELETE FROM source_records; --`;

test("SQL and script injection in names and templates: accepted as plain text, stored and returned verbatim, never executed", async ({ request, page }) => {
  const body = {
    name: SQL_NAME,
    description: SCRIPT_NAME,
    definition: changed((d) => (target(d).config.mapping!.FDescription = SCRIPT_TEMPLATE)),
  };
  const created = await ok<{ scheme: { id: string; name: string; description: string; definition: Definition } }>(await request.post("/api/schemes", { headers: bearer, data: body }), 201);
  expect(created.scheme.name).toBe(SQL_NAME);
  expect(created.scheme.description).toBe(SCRIPT_NAME);
  const read = await ok<{ scheme: { name: string; description: string; definition: Definition } }>(await request.get(`/api/schemes/${created.scheme.id}`, { headers: bearer }));
  expect(read.scheme.name).toBe(SQL_NAME);
  expect(read.scheme.description).toBe(SCRIPT_NAME);
  expect(target(read.scheme.definition).config.mapping!.FDescription).toBe(SCRIPT_TEMPLATE);
  const renamed = await ok<{ scheme: { name: string } }>(await request.patch(`/api/schemes/${created.scheme.id}`, { headers: bearer, data: { name: SCRIPT_NAME.slice(0, 200) } }));
  expect(renamed.scheme.name).toBe(SCRIPT_NAME.slice(0, 200));
  // The tables are all still there.
  expect((await ok<{ schemes: { id: string }[] }>(await request.get("/api/schemes", { headers: bearer }))).schemes.some((s) => s.id === created.scheme.id)).toBe(true);

  // In the browser: shown as text, no script runs, no dialog opens.
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await signedIn(page);
  await page.goto("/schemes");
  await expect(page.getByTestId("scheme-row").filter({ hasText: "<script>window.__pwned=1</script>" })).toBeVisible();
  await page.goto(`/schemes/${created.scheme.id}`);
  await page.waitForLoadState("networkidle");
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);

  expect((await request.delete(`/api/schemes/${created.scheme.id}`, { headers: bearer })).status()).toBe(200);
});

test("a template path into the prototype is accepted with a warning (an undocumented field), not run as code", async ({ request }) => {
  const result = await ok<{ ok: boolean; issues: unknown[]; warnings: { path: (string | number)[] }[] }>(
    await request.post(`${ourScheme()}/validate`, {
      headers: bearer,
      data: { definition: changed((d) => (target(d).config.mapping!.FDescription = "{{__proto__.polluted}}{{constructor.name}}")) },
    }),
  );
  expect(result).toMatchObject({ ok: true, issues: [] });
  expect(result.warnings.map((w) => w.path)).toContainEqual(N(1, "config", "mapping", "FDescription"));
});

test("cleanup: the scheme and connections this spec created", async ({ request }) => {
  expect((await request.delete(ourScheme(), { headers: bearer })).status()).toBe(200);
  for (const id of [ids.guanyi, ids.kingdee]) expect((await request.delete(`/api/connections/${id}`, { headers: bearer })).status()).toBe(200);
});
