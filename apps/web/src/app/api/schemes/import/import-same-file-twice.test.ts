// Defect (session 32's audit): an import refused after it created the file's value maps deleted them
// again (importWithValueMaps' rollback, deleteValueMap) without asking whether a scheme saved
// meanwhile used them. Two imports of the same file at once (a double click, two people restoring the
// same backup) interleaved so: import A creates 共用映射; import B finds the map (kept) and saves its
// scheme under the file's name; A's own create is refused (the name is taken) and A deleted 共用映射,
// which B's saved scheme names. Fix: the rollback deletes a created map only while no scheme uses it
// (deleteUnusedValueMap, under NAMES_LOCK). Also: a map created by the other import between this
// one's look and its own create is kept (it was a 400 "value map name taken" at the scheme's name),
// and a map counted on that vanished before the scheme was saved makes the import start again. The
// first test failed before its fix. Interleavings are made deterministic by running the other import
// inside a step of this one. The queue is the real one, on the bed's Redis key prefix.
import { seedSchemeDefinition } from "@qiao/core";
import type * as QiaoDb from "@qiao/db";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

const hooks: { beforeCreateMap?: () => Promise<void> } = {};

vi.mock("@qiao/db", async (importOriginal) => {
  const original = await importOriginal<typeof QiaoDb>();
  return {
    ...original,
    createValueMap: async (...args: Parameters<typeof original.createValueMap>) => {
      const hook = hooks.beforeCreateMap;
      hooks.beforeCreateMap = undefined;
      if (hook) await hook();
      return original.createValueMap(...args);
    },
  };
});

let bed: RouteBed;
let connections: { source: { id: string }; target: { id: string } };
beforeAll(async () => {
  bed = await openRouteBed("auditimportrace");
  const conn = (platform: string, name: string) =>
    bed.prisma.connection.create({ data: { platform, name, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" } });
  connections = { source: await conn("guanyi", "管易云"), target: await conn("kingdee", "金蝶") };
}, 120_000);
afterAll(() => bed?.close());

/** An export naming `mapName` in a mapping and carrying it. */
function fileOf(name: string, mapName: string) {
  const { source, target } = connections;
  const seed = seedSchemeDefinition({ sourceConnectionId: source.id, targetConnectionId: target.id });
  const definition = {
    ...seed,
    nodes: seed.nodes.map((n) =>
      n.type === "target" ? { ...n, config: { ...n.config, mapping: { ...(n.config as { mapping: object }).mapping, FDescription: `{{note | map('${mapName}')}}` } } } : n,
    ),
  };
  return {
    format: "qiao.scheme/v1",
    exportedAt: new Date().toISOString(),
    name,
    description: "",
    definition,
    connections: [
      { id: source.id, platform: "guanyi", name: "管易云" },
      { id: target.id, platform: "kingdee", name: "金蝶" },
    ],
    valueMaps: [{ name: mapName, description: "", defaultValue: null, entries: [{ source: "a", target: "b" }] }],
  };
}

/** Import A as the route runs it, `during` running between A's map creation and its scheme insert. */
async function importA(file: ReturnType<typeof fileOf>, during: () => Promise<void>) {
  const { schemeExportSchema } = await import("@/lib/api/schemas");
  const { bindConnections, importWithValueMaps } = await import("@/server/scheme-transfer");
  const { createScheme } = await import("@/server/schemes");
  const user = await bed.prisma.user.findFirstOrThrow();
  const parsed = schemeExportSchema.parse(file);
  const bound = await bindConnections(bed.prisma, parsed);
  return importWithValueMaps(bed.prisma, parsed, bound, async () => {
    await during();
    return createScheme(bed.prisma, { name: parsed.name, description: parsed.description, definition: bound }, user.id);
  });
}

it("two imports of the same file at once: the refused one does not delete the value map the other one's saved scheme uses", { timeout: 60_000 }, async () => {
  const file = fileOf("同时导入的方案", "共用映射");
  const { POST } = await import("./route");
  let importB: Awaited<ReturnType<RouteBed["call"]>> | undefined;
  await expect(importA(file, async () => void (importB = await bed.call(POST, "/api/schemes/import", { body: file })))).rejects.toMatchObject({ code: "conflict" });
  expect(importB?.status, JSON.stringify(importB?.body)).toBe(201);
  expect(importB?.body.valueMaps).toEqual({ created: [], kept: ["共用映射"] });

  // B's scheme is saved and names 共用映射: the map must still be there (its runs and saves need it).
  expect(await bed.prisma.scheme.count({ where: { name: "同时导入的方案" } })).toBe(1);
  expect(await bed.prisma.valueMap.count({ where: { name: "共用映射" } })).toBe(1);
});

it("a map the other import created between this one's look and its own create is kept, not a 400", { timeout: 60_000 }, async () => {
  const file = fileOf("同时导入的方案二", "后建映射");
  // Both looked and found it missing; the other creates it just before this one does.
  hooks.beforeCreateMap = async () => void (await bed.prisma.valueMap.create({ data: { name: "后建映射", entries: [], entryCount: 0, contentHash: "x" } }));
  const { POST } = await import("./route");
  const answer = await bed.call(POST, "/api/schemes/import", { body: file });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  expect(answer.body.valueMaps).toEqual({ created: [], kept: ["后建映射"] });
});

it("a kept map deleted before the scheme is saved (the other import's undo) is created again, and the scheme saved", { timeout: 60_000 }, async () => {
  const file = fileOf("同时导入的方案三", "被撤销的映射");
  await bed.prisma.valueMap.create({ data: { name: "被撤销的映射", entries: [], entryCount: 0, contentHash: "x" } });
  let deleted = false;
  const imported = await importA(file, async () => {
    if (deleted) return;
    deleted = true;
    await bed.prisma.valueMap.deleteMany({ where: { name: "被撤销的映射" } });
  });
  expect({ created: imported.created, kept: imported.kept }).toEqual({ created: ["被撤销的映射"], kept: [] });
  expect(await bed.prisma.scheme.count({ where: { name: "同时导入的方案三" } })).toBe(1);
  expect(await bed.prisma.valueMap.count({ where: { name: "被撤销的映射" } })).toBe(1);
});
