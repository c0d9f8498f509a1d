// The API answers an English page in English (session 27's UI audit). The client sends `accept-language: en` (the
// page's <html lang>) and shows error.message and each issue's text (messageEn when there is one) as
// they come: the English UI must not show Chinese for a scheme that is gone, an email that is taken,
// a malformed email or a scheme file refused by the import dialog.
import { randomUUID } from "node:crypto";
import { seedSchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
const en = { "accept-language": "en" };
const CJK = /[\u3400-\u9fff]/;

beforeAll(async () => {
  bed = await openRouteBed("enerrors", "admin");
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

type Body = { error?: { message?: string; issues?: { message: string; messageEn?: string }[] } };
const texts = (body: Body) => [body.error?.message ?? "", ...(body.error?.issues ?? []).map((i) => i.messageEn ?? i.message)];

describe("errors shown to an English page", { timeout: 60_000 }, () => {
  it("a scheme, a connection or a run that does not exist", async () => {
    const id = randomUUID();
    const { GET: scheme } = await import("@/app/api/schemes/[id]/route");
    const { GET: connection } = await import("@/app/api/connections/[id]/route");
    const { GET: run } = await import("@/app/api/runs/[id]/route");
    for (const [route, path] of [[scheme, "schemes"], [connection, "connections"], [run, "runs"]] as const) {
      const res = await bed.call(route, `/api/${path}/${id}`, { headers: en, params: { id } });
      expect(res.status).toBe(404);
      expect(texts(res.body as Body).filter((t) => CJK.test(t)), `/api/${path}/:id`).toEqual([]);
    }
  });

  it("adding a user whose email is taken, or malformed", async () => {
    const { POST } = await import("@/app/api/users/route");
    const user = { email: `taken-${Date.now()}@route.test`, name: "taken", password: "a-long-password-1", role: "viewer" };
    expect((await bed.call(POST, "/api/users", { body: user, headers: en })).status).toBe(201);
    const taken = await bed.call(POST, "/api/users", { body: user, headers: en });
    expect(taken.status).toBe(409);
    expect(texts(taken.body as Body).filter((t) => CJK.test(t))).toEqual([]);
    const malformed = await bed.call(POST, "/api/users", { body: { ...user, email: "not-an-email" }, headers: en });
    expect(malformed.status).toBe(400);
    expect(texts(malformed.body as Body).filter((t) => CJK.test(t))).toEqual([]);
  });

  it("importing a scheme file whose scheme has an error", async () => {
    const { POST } = await import("@/app/api/schemes/import/route");
    const conn = (platform: string, name: string) =>
      bed.prisma.connection.create({ data: { platform, name, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" } });
    const source = await conn("guanyi", "guanyi");
    const target = await conn("kingdee", "kingdee");
    const seed = seedSchemeDefinition({ sourceConnectionId: source.id, targetConnectionId: target.id });
    const file = (definition: object, runAfter: string[] = []) => ({
      format: "qiao.scheme/v1",
      exportedAt: new Date().toISOString(),
      name: `refused-${Date.now()}`,
      description: "",
      definition,
      connections: [
        { id: source.id, platform: "guanyi", name: "guanyi" },
        { id: target.id, platform: "kingdee", name: "kingdee" },
      ],
      valueMaps: [],
      runAfter,
    });
    const mapping = (n: (typeof seed.nodes)[number]) => (n as { config: { mapping: Record<string, string> } }).config.mapping;
    // A value map neither here nor in the file (importWithValueMaps); a run-after scheme not here (bindConnections).
    const unknownMap = { ...seed, nodes: seed.nodes.map((n) => (n.type === "target" ? { ...n, config: { ...n.config, mapping: { ...mapping(n), FDescription: "{{note | map('no-such-map')}}" } } } : n)) };
    for (const body of [file(unknownMap), file(seed, ["no-such-scheme"])]) {
      const zh = await bed.call(POST, "/api/schemes/import", { body });
      const english = await bed.call(POST, "/api/schemes/import", { body, headers: en });
      expect([zh.status, english.status], JSON.stringify(english.body)).toEqual([400, 400]);
      expect((zh.body as Body).error?.message).toMatch(/^方案有 1 处错误，未导入：.*no-such-/);
      expect((english.body as Body).error?.message).toMatch(/^The scheme has 1 error and was not imported: .*no-such-/);
      expect(texts(english.body as Body).filter((t) => CJK.test(t))).toEqual([]);
    }
    expect(await bed.prisma.scheme.count({ where: { name: { startsWith: "refused-" } } })).toBe(0);

    // Saving the same scheme (POST /api/schemes) is refused in the page's language too.
    const { POST: create } = await import("@/app/api/schemes/route");
    const body = { name: `refused-save-${Date.now()}`, definition: unknownMap };
    const zh = await bed.call(create, "/api/schemes", { body });
    const english = await bed.call(create, "/api/schemes", { body, headers: en });
    expect([zh.status, english.status], JSON.stringify(english.body)).toEqual([400, 400]);
    expect((zh.body as Body).error?.message).toMatch(/^方案有 1 处错误，未保存：.*no-such-map/);
    expect((english.body as Body).error?.message).toMatch(/^The scheme has 1 error and was not saved: .*no-such-map/);
    expect(texts(english.body as Body).filter((t) => CJK.test(t))).toEqual([]);
  });
});
