// Scheme names are unique (session 30's audit found it): lookups (`lookup('店铺→客户', …)`) and
// exported run-after orders name the scheme they read, and a name two schemes shared answered
// neither: every run of a scheme looking it up failed (runLookups: "不存在或有重名") and its next save
// was refused (checkLookups). Importing a scheme's own export back into its instance did exactly
// that. Create, rename (alone or with a new version) and import of a name another scheme has are now
// refused with a 409 that names it, in the caller's language, and change nothing; a copy takes the
// first free `（副本）` name.
import { seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
let ids: { sourceConnectionId: string; targetConnectionId: string };
beforeAll(async () => {
  bed = await openRouteBed("schemenames");
  const conn = (platform: string, name: string) =>
    bed.prisma.connection.create({ data: { platform, name, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" } });
  ids = { sourceConnectionId: (await conn("guanyi", "管易云")).id, targetConnectionId: (await conn("kingdee", "金蝶")).id };
}, 120_000);
afterAll(() => bed?.close());

const en = { "accept-language": "en" };
const messageOf = (body: { error?: unknown }) => (body.error as { message?: string } | undefined)?.message;

async function create(name: string, definition: SchemeDefinition = seedSchemeDefinition(ids)): Promise<string> {
  const { POST } = await import("./route");
  const created = await bed.call(POST, "/api/schemes", { body: { name, definition } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return (created.body.scheme as { id: string }).id;
}

/** The seed definition whose target's FDescription looks `scheme` up. */
function lookingUp(scheme: string): SchemeDefinition {
  const seed = seedSchemeDefinition(ids);
  return {
    ...seed,
    nodes: seed.nodes.map((n) => (n.type === "target" ? { ...n, config: { ...n.config, mapping: { ...n.config.mapping, FDescription: `{{id | lookup('${scheme}')}}` } } } : n)),
  };
}

it("importing the export of a scheme another scheme looks up is refused (409, naming it), and the dependent scheme keeps working", { timeout: 60_000 }, async () => {
  const shopsId = await create("店铺→客户");
  // A second scheme reads what 店铺→客户 wrote.
  const dependent = lookingUp("店铺→客户");
  const ordersId = await create("店铺→客户 的下游", dependent);

  // Someone exports 店铺→客户 (a backup, or to move it) and imports the file back into this instance.
  const { GET: exportScheme } = await import("./[id]/export/route");
  const file = await bed.call(exportScheme, `/api/schemes/${shopsId}/export`, { params: { id: shopsId } });
  expect(file.status).toBe(200);
  const { POST: importScheme } = await import("./import/route");
  const imported = await bed.call(importScheme, "/api/schemes/import", { body: file.body });
  expect(imported.status).toBe(409);
  expect(imported.body.error?.code).toBe("conflict");
  expect(messageOf(imported.body)).toBe(
    "已有名为 “店铺→客户” 的方案（可能就是导出这个文件的方案），未导入：方案名称不能重复（lookup 和运行顺序按名称找方案）。如需保留两份，请先重命名已有的方案，或修改文件中的 name 后再导入",
  );
  const english = await bed.call(importScheme, "/api/schemes/import", { body: file.body, headers: en });
  expect(english.status).toBe(409);
  expect(messageOf(english.body)).toMatch(/^A scheme named "店铺→客户" exists here \(perhaps the one this file was exported from\), so the file was not imported/);

  // The name the dependent scheme's lookup reads still names exactly one scheme…
  const named = await bed.db.schemeIdsByName(bed.prisma, ["店铺→客户"]);
  expect(named.get("店铺→客户")).toEqual([shopsId]);
  // …so the dependent scheme, untouched by the import, can still be saved as it is.
  const { PATCH } = await import("./[id]/route");
  const resave = await bed.call(PATCH, `/api/schemes/${ordersId}`, { method: "PATCH", body: { definition: dependent }, params: { id: ordersId } });
  expect(resave.status, JSON.stringify(resave.body)).toBe(200);

  // Under a name of its own, the same file imports.
  const renamed = await bed.call(importScheme, "/api/schemes/import", { body: { ...file.body, name: "店铺→客户（导入）" } });
  expect(renamed.status, JSON.stringify(renamed.body)).toBe(201);
});

it("creating a scheme under a name another scheme has is a 409 naming it; nothing is created", { timeout: 60_000 }, async () => {
  await create("商品→物料");
  const { POST } = await import("./route");
  const body = { name: "商品→物料", definition: seedSchemeDefinition(ids) };
  const refused = await bed.call(POST, "/api/schemes", { body });
  expect(refused.status).toBe(409);
  expect(messageOf(refused.body)).toBe("已有名为 “商品→物料” 的方案：方案名称不能重复（lookup 和运行顺序按名称找方案）。请换一个名称，或先重命名已有的方案");
  const english = await bed.call(POST, "/api/schemes", { body, headers: en });
  expect(messageOf(english.body)).toBe(
    'A scheme named "商品→物料" exists: scheme names are unique (lookups and run-after orders find schemes by name). Choose another name, or rename the existing scheme first',
  );
  expect(await bed.prisma.scheme.count({ where: { name: "商品→物料" } })).toBe(1);
});

it("renaming to a name another scheme has is a 409, alone or with a new version; the scheme keeps its name and version", { timeout: 60_000 }, async () => {
  await create("发货单→出库单");
  const id = await create("退货单→退货出库单");
  const { PATCH } = await import("./[id]/route");
  const rename = (body: Record<string, unknown>) => bed.call(PATCH, `/api/schemes/${id}`, { method: "PATCH", body, params: { id } });

  const alone = await rename({ name: "发货单→出库单", description: "改过的说明" });
  expect(alone.status).toBe(409);
  expect(messageOf(alone.body)).toContain("已有名为 “发货单→出库单” 的方案");
  const withVersion = await rename({ name: "发货单→出库单", definition: seedSchemeDefinition(ids) });
  expect(withVersion.status).toBe(409);
  expect(messageOf(withVersion.body)).toContain("已有名为 “发货单→出库单” 的方案");
  expect(await bed.prisma.scheme.findUniqueOrThrow({ where: { id } })).toMatchObject({ name: "退货单→退货出库单", description: "", currentVersion: 1 });
  expect(await bed.prisma.schemeVersion.count({ where: { schemeId: id } })).toBe(1);

  // Its own name, or a free one, is no conflict.
  expect((await rename({ name: "退货单→退货出库单", description: "说明" })).status).toBe(200);
  expect((await rename({ name: "退货单→退货入库单", definition: seedSchemeDefinition(ids) })).status).toBe(200);
});

it("a copy is named <name>（副本）, then （副本 2）, （副本 3）… as those are taken", { timeout: 60_000 }, async () => {
  const id = await create("仓库→仓库");
  const { POST } = await import("./[id]/duplicate/route");
  const names: string[] = [];
  for (let i = 0; i < 3; i++) {
    const copy = await bed.call(POST, `/api/schemes/${id}/duplicate`, { params: { id } });
    expect(copy.status, JSON.stringify(copy.body)).toBe(201);
    names.push((copy.body.scheme as { name: string }).name);
  }
  expect(names).toEqual(["仓库→仓库（副本）", "仓库→仓库（副本 2）", "仓库→仓库（副本 3）"]);
});

it("renaming a scheme another looks up rewrites the reader's lookup, which then saves as it is (session 31)", { timeout: 60_000 }, async () => {
  const shopsId = await create("被查找的方案");
  const readerId = await create("查找它的方案", lookingUp("被查找的方案"));
  const { PATCH, GET } = await import("./[id]/route");
  const renamed = await bed.call(PATCH, `/api/schemes/${shopsId}`, { method: "PATCH", body: { name: "改名后的方案" }, params: { id: shopsId } });
  expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);

  const reader = await bed.call(GET, `/api/schemes/${readerId}`, { params: { id: readerId } });
  const definition = (reader.body.scheme as { definition: SchemeDefinition; currentVersion: number }).definition;
  const target = definition.nodes.find((n) => n.type === "target")!;
  expect(target.type === "target" && target.config.mapping.FDescription).toBe("{{id | lookup('改名后的方案')}}");
  expect((reader.body.scheme as { currentVersion: number }).currentVersion).toBe(1);
  const resave = await bed.call(PATCH, `/api/schemes/${readerId}`, { method: "PATCH", body: { definition }, params: { id: readerId } });
  expect(resave.status, JSON.stringify(resave.body)).toBe(200);

  // An editor still holding the old text gets a 400 at the lookup, not a saved scheme that cannot run.
  const stale = await bed.call(PATCH, `/api/schemes/${readerId}`, { method: "PATCH", body: { definition: lookingUp("被查找的方案") }, params: { id: readerId } });
  expect(stale.status).toBe(400);
  expect(JSON.stringify(stale.body)).toContain("被查找的方案");
});
