// POST /api/schemes/import creates the file's missing value maps and deletes them again if the
// scheme is not created (scheme-transfer.ts importWithValueMaps). When the scheme row is saved and only
// the schedule sync to Redis fails afterwards (502 "方案已保存，但调度未能同步…"), the maps stay: the
// saved scheme uses them. Before session 25 (its audit) they were deleted from under it. The queue is
// replaced by one whose Redis calls fail (Redis restarting); nothing is sent anywhere.
import { seedSchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

vi.mock("@/server/queue", async () => (await import("@/server/testing/queue-down")).queueDown("Connection is closed."));

let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("importschedule");
}, 120_000);
afterAll(() => bed?.close());

it("a scheme saved by an import whose schedule sync failed still has the value map it uses", { timeout: 60_000 }, async () => {
  const conn = (platform: string, name: string) =>
    bed.prisma.connection.create({ data: { platform, name, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" } });
  const source = await conn("guanyi", "管易云");
  const target = await conn("kingdee", "金蝶");
  const seed = seedSchemeDefinition({ sourceConnectionId: source.id, targetConnectionId: target.id });
  const definition = {
    ...seed,
    nodes: seed.nodes.map((n) =>
      n.type === "target" ? { ...n, config: { ...n.config, mapping: { ...(n.config as { mapping: object }).mapping, FDescription: "{{note | map('导入映射')}}" } } } : n,
    ),
  };
  const file = {
    format: "qiao.scheme/v1",
    exportedAt: new Date().toISOString(),
    name: "导入的方案",
    description: "",
    definition,
    connections: [
      { id: source.id, platform: "guanyi", name: "管易云" },
      { id: target.id, platform: "kingdee", name: "金蝶" },
    ],
    valueMaps: [{ name: "导入映射", description: "", defaultValue: null, entries: [{ source: "a", target: "b" }] }],
  };

  const { POST } = await import("./route");
  const answer = await bed.call(POST, "/api/schemes/import", { body: file });
  // The schedule could not be synced; the answer says the scheme itself was saved.
  expect(answer.status, JSON.stringify(answer.body)).toBe(502);

  const schemes = await bed.prisma.scheme.count({ where: { name: "导入的方案" } });
  const maps = await bed.prisma.valueMap.count({ where: { name: "导入映射" } });
  // All or nothing: either no scheme and no map, or the scheme with the map its definition names.
  expect({ schemes, maps }).toEqual({ schemes, maps: schemes });
});
