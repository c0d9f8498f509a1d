// PATCH /api/schemes/:id refused as a whole changes nothing: a rename with `enabled` on a scheme
// without a schedule was saved before the 409 about the schedule (names matter: lookups and
// run-after orders name schemes). Applied, it applies all it was asked: a definition with `enabled`
// saved the definition and dropped `enabled` without a word (session 35's audit).
import { seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
let ids: { sourceConnectionId: string; targetConnectionId: string };

beforeAll(async () => {
  bed = await openRouteBed("routeschemepatch");
  const conn = (platform: string, name: string) =>
    bed.prisma.connection.create({ data: { platform, name, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" } });
  ids = { sourceConnectionId: (await conn("guanyi", "管易云")).id, targetConnectionId: (await conn("kingdee", "金蝶")).id };
}, 120_000);

afterAll(() => bed?.close());

describe("PATCH /api/schemes/:id", { timeout: 60_000 }, () => {
  it("a rename with enabled: true on a scheme without a schedule is a 409 and the name stays", async () => {
    const scheme = await bed.prisma.scheme.create({ data: { name: "店铺→客户", description: "原说明", definition: { nodes: [], edges: [] } } });
    const { PATCH } = await import("./route");
    const { status } = await bed.call(PATCH, `/api/schemes/${scheme.id}`, {
      method: "PATCH",
      body: { name: "改过的名字", description: "改过的说明", enabled: true },
      params: { id: scheme.id },
    });
    expect(status).toBe(409);
    expect(await bed.prisma.scheme.findUniqueOrThrow({ where: { id: scheme.id } })).toMatchObject({ name: "店铺→客户", description: "原说明" });
  });

  it("a definition (schedule on) with enabled: false saves the version with the schedule off, in one", async () => {
    const { POST } = await import("../route");
    const definition = seedSchemeDefinition(ids);
    const created = await bed.call(POST, "/api/schemes", { body: { name: "店铺→客户（定时）", definition } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = (created.body.scheme as { id: string }).id;

    const { PATCH } = await import("./route");
    const scheduled = { ...definition, schedule: { cron: "0 2 * * *", enabled: true } };
    const answer = await bed.call(PATCH, `/api/schemes/${id}`, { method: "PATCH", body: { definition: scheduled, enabled: false }, params: { id } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const row = await bed.prisma.scheme.findUniqueOrThrow({ where: { id } });
    expect({ version: row.currentVersion, enabled: row.enabled, cron: row.cron }).toEqual({ version: 2, enabled: false, cron: "0 2 * * *" });
    expect((row.definition as SchemeDefinition).schedule?.enabled).toBe(false);
    expect((answer.body.scheme as { enabled: boolean }).enabled).toBe(false);
  });

  it("a definition without a schedule with enabled: true is a 409 and no version is saved", async () => {
    const { POST } = await import("../route");
    const definition = seedSchemeDefinition(ids);
    const created = await bed.call(POST, "/api/schemes", { body: { name: "店铺→客户（无定时）", definition } });
    const id = (created.body.scheme as { id: string }).id;
    const { PATCH } = await import("./route");
    const answer = await bed.call(PATCH, `/api/schemes/${id}`, { method: "PATCH", body: { definition, enabled: true }, params: { id } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(409);
    expect((await bed.prisma.scheme.findUniqueOrThrow({ where: { id } })).currentVersion).toBe(1);
  });
});

describe("DELETE /api/schemes/:id", { timeout: 60_000 }, () => {
  it("refuses (409, naming them) a scheme others run after, and deletes it once they no longer do", async () => {
    const a = await bed.prisma.scheme.create({ data: { name: "店铺→客户（前序）", definition: { nodes: [], edges: [] } } });
    const b = await bed.prisma.scheme.create({ data: { name: "发货单→出库单（后续）", definition: { nodes: [], edges: [], runAfter: [a.id] } } });
    const { DELETE } = await import("./route");
    const refused = await bed.call(DELETE, `/api/schemes/${a.id}`, { method: "DELETE", params: { id: a.id } });
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toContain("“发货单→出库单（后续）” 在它之后运行");
    expect(await bed.prisma.scheme.count({ where: { id: a.id } })).toBe(1);

    await bed.prisma.scheme.update({ where: { id: b.id }, data: { definition: { nodes: [], edges: [], runAfter: [] } } });
    const deleted = await bed.call(DELETE, `/api/schemes/${a.id}`, { method: "DELETE", params: { id: a.id } });
    expect(deleted.status).toBe(200);
    expect(await bed.prisma.scheme.count({ where: { id: a.id } })).toBe(0);
  });
});
