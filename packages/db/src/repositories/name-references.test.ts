// Renames rewrite the name where other schemes' templates write it (lookup('方案') and map('值映射')),
// in every version of theirs and without a new one; a save validated before a rename and naming the
// old name is refused in its own transaction (session 31; before, the readers' next run failed).
import { seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createConnectionRows, createTestDatabase, type TestDatabase } from "../testing";
import { NamedMissingError } from "./name-references";
import { changeScheme, insertScheme, insertSchemeVersion } from "./schemes";
import { createValueMap, deleteUnusedValueMap, updateValueMap, ValueMapInUse } from "./value-maps";

let tdb: TestDatabase;
let db: Db;
let userId: string;
const ids = { sourceConnectionId: "00000000-0000-4000-8000-0000000000a1", targetConnectionId: "00000000-0000-4000-8000-0000000000a2" };
const names = { shops: "店铺→客户", items: "商品→物料", warehouses: "仓库对照" };

beforeAll(async () => {
  tdb = await createTestDatabase("namerefs");
  db = createPrisma(tdb.url, 4);
  userId = (await db.user.create({ data: { id: "u-names", email: "names@example.com", name: "编辑", role: "editor" } })).id;
  await createConnectionRows(db, ids);
}, 120_000);
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});
beforeEach(async () => {
  await db.scheme.deleteMany();
  await db.valueMap.deleteMany();
});

async function fixtures() {
  await createValueMap(db, { name: names.warehouses, entries: [{ source: "WH01", target: "CK001" }] });
  const shops = await insertScheme(db, { name: names.shops, description: "", definition: seedSchemeDefinition(ids) }, userId);
  const items = await insertScheme(db, { name: names.items, description: "", definition: seedItemsSchemeDefinition(ids) }, userId);
  const deliveries = await insertScheme(db, { name: "发货单→出库单", description: "", definition: seedDeliveriesSchemeDefinition(ids, names) }, userId);
  // Version 2 of the reader, so that an older version is there to be rewritten too.
  const v2 = structuredClone(seedDeliveriesSchemeDefinition(ids, names));
  v2.nodes.find((n) => n.type === "target")!.config.mapping!.FNote = "v2";
  await insertSchemeVersion(db, deliveries.id, { definition: v2 }, userId);
  return { shops, items, deliveries };
}

const targetOf = (definition: unknown) => (definition as SchemeDefinition).nodes.find((n) => n.type === "target")!.config as { mapping: Record<string, string>; entries: Record<string, { mapping: Record<string, string> }> };

describe("renaming a scheme others look up", () => {
  it("rewrites the lookups in every version of the readers, without a new version, and nothing else", async () => {
    const { shops, items, deliveries } = await fixtures();
    const itemsBefore = await db.scheme.findUniqueOrThrow({ where: { id: items.id } });

    await changeScheme(db, shops.id, { name: "店铺同步" });

    const reader = await db.scheme.findUniqueOrThrow({ where: { id: deliveries.id }, include: { versions: { orderBy: { version: "asc" } } } });
    expect(reader.currentVersion).toBe(2);
    expect(reader.versions).toHaveLength(2);
    for (const definition of [reader.definition, ...reader.versions.map((v) => v.definition)]) {
      expect(targetOf(definition).mapping.FCustomerID).toBe("{{lookup('店铺同步', shop_code, 'code')}}");
      expect(targetOf(definition).entries.FEntity!.mapping.FMaterialID).toBe(`{{lookup('${names.items}', item_code)}}`);
    }
    expect(targetOf(reader.definition).mapping.FNote).toBe("v2");
    expect(targetOf(reader.versions[0]!.definition).mapping.FNote).toBe("管易云 {{platform_code}}");
    // A scheme that does not look it up is left as it was, to the byte.
    expect((await db.scheme.findUniqueOrThrow({ where: { id: items.id } })).definition).toEqual(itemsBefore.definition);
    expect((await db.scheme.findUniqueOrThrow({ where: { id: shops.id } })).name).toBe("店铺同步");
  });

  it("rewrites them when the name changes with a new version of the scheme itself", async () => {
    const { items, deliveries } = await fixtures();
    await insertSchemeVersion(db, items.id, { name: "物料同步", definition: seedItemsSchemeDefinition(ids) }, userId);
    const reader = await db.scheme.findUniqueOrThrow({ where: { id: deliveries.id } });
    expect(targetOf(reader.definition).entries.FEntity!.mapping.FMaterialID).toBe("{{lookup('物料同步', item_code)}}");
  });

  it("rewrites a lookup that writes the name with a needless escape (lookup('店\\铺→客户'))", async () => {
    const { shops, deliveries } = await fixtures();
    const escaped = structuredClone(seedDeliveriesSchemeDefinition(ids, names));
    targetOf(escaped).mapping.FCustomerID = "{{lookup('店\\铺→客户', shop_code, 'code')}}";
    await insertSchemeVersion(db, deliveries.id, { definition: escaped }, userId);
    await changeScheme(db, shops.id, { name: "店铺同步" });
    const reader = await db.scheme.findUniqueOrThrow({ where: { id: deliveries.id } });
    expect(targetOf(reader.definition).mapping.FCustomerID).toBe("{{lookup('店铺同步', shop_code, 'code')}}");
  });

  it("rewrites nothing when the rename is refused for a taken name", async () => {
    const { shops, deliveries } = await fixtures();
    await expect(changeScheme(db, shops.id, { name: names.items })).rejects.toMatchObject({ schemeName: names.items });
    const reader = await db.scheme.findUniqueOrThrow({ where: { id: deliveries.id } });
    expect(targetOf(reader.definition).mapping.FCustomerID).toBe(`{{lookup('${names.shops}', shop_code, 'code')}}`);
  });

  it("refuses a save validated before the rename that still names the old name, and saves nothing", async () => {
    const { shops, deliveries } = await fixtures();
    const stale = seedDeliveriesSchemeDefinition(ids, names);
    await changeScheme(db, shops.id, { name: "店铺同步" });
    await expect(insertSchemeVersion(db, deliveries.id, { definition: stale }, userId)).rejects.toEqual(new NamedMissingError("scheme", names.shops));
    await expect(insertScheme(db, { name: "另一个", description: "", definition: stale }, userId)).rejects.toBeInstanceOf(NamedMissingError);
    expect((await db.scheme.findUniqueOrThrow({ where: { id: deliveries.id } })).currentVersion).toBe(2);
    expect(await db.scheme.count({ where: { name: "另一个" } })).toBe(0);
  });

  it("lets a rename wait for a save naming the old name, then rewrites what that save stored", async () => {
    const { shops, deliveries } = await fixtures();
    const v3 = structuredClone(seedDeliveriesSchemeDefinition(ids, names));
    targetOf(v3).mapping.FNote = "v3";
    let renamed: Promise<unknown> | undefined;
    await db.$transaction(async (tx) => {
      // The save's transaction holds NAMES_LOCK (it names schemes) while the rename starts.
      const { refuseMissingNames } = await import("./name-references");
      await refuseMissingNames(tx, v3);
      renamed = changeScheme(db, shops.id, { name: "店铺同步" });
      await new Promise((r) => setTimeout(r, 300));
      await tx.scheme.update({ where: { id: deliveries.id }, data: { definition: v3 as object, currentVersion: 3 } });
      await tx.schemeVersion.create({ data: { schemeId: deliveries.id, version: 3, definition: v3 as object } });
    });
    await renamed;
    const reader = await db.scheme.findUniqueOrThrow({ where: { id: deliveries.id }, include: { versions: true } });
    expect(targetOf(reader.definition).mapping.FNote).toBe("v3");
    expect(targetOf(reader.definition).mapping.FCustomerID).toBe("{{lookup('店铺同步', shop_code, 'code')}}");
    expect(reader.versions.map((v) => targetOf(v.definition).mapping.FCustomerID)).toEqual(Array(3).fill("{{lookup('店铺同步', shop_code, 'code')}}"));
  });
});

describe("renaming a value map schemes use", () => {
  it("rewrites map('旧名') in the schemes, with the entries saved in the same request", async () => {
    const { deliveries } = await fixtures();
    const map = await db.valueMap.findUniqueOrThrow({ where: { name: names.warehouses } });
    const saved = await updateValueMap(db, map.id, { name: "仓库编码对照", entries: [{ source: "WH02", target: "CK002" }] });
    expect(saved?.name).toBe("仓库编码对照");
    expect(saved?.entries).toEqual([{ source: "WH02", target: "CK002" }]);
    const reader = await db.scheme.findUniqueOrThrow({ where: { id: deliveries.id }, include: { versions: true } });
    for (const definition of [reader.definition, ...reader.versions.map((v) => v.definition)]) {
      expect(targetOf(definition).entries.FEntity!.mapping.FStockID).toBe("{{$parent.warehouse_code | map('仓库编码对照')}}");
    }
  });

  it("leaves the schemes alone when the page saves the map under its own name", async () => {
    const { deliveries } = await fixtures();
    const before = await db.scheme.findUniqueOrThrow({ where: { id: deliveries.id } });
    const map = await db.valueMap.findUniqueOrThrow({ where: { name: names.warehouses } });
    await updateValueMap(db, map.id, { name: names.warehouses, defaultValue: "CK000" });
    const after = await db.scheme.findUniqueOrThrow({ where: { id: deliveries.id } });
    expect(after.definition).toEqual(before.definition);
    expect(after.updatedAt).toEqual(before.updatedAt);
  });

  it("rewrites nothing when the new name is taken", async () => {
    const { deliveries } = await fixtures();
    await createValueMap(db, { name: "别的", entries: [] });
    const map = await db.valueMap.findUniqueOrThrow({ where: { name: names.warehouses } });
    await expect(updateValueMap(db, map.id, { name: "别的" })).rejects.toMatchObject({ mapName: "别的" });
    const reader = await db.scheme.findUniqueOrThrow({ where: { id: deliveries.id } });
    expect(targetOf(reader.definition).entries.FEntity!.mapping.FStockID).toBe(`{{$parent.warehouse_code | map('${names.warehouses}')}}`);
  });
});

describe("deleting a value map schemes use", () => {
  it("is refused naming them, and goes once none uses it", async () => {
    const { deliveries } = await fixtures();
    const map = await db.valueMap.findUniqueOrThrow({ where: { name: names.warehouses } });
    await expect(deleteUnusedValueMap(db, map.id)).rejects.toEqual(new ValueMapInUse(["发货单→出库单"]));
    expect(await db.valueMap.count({ where: { id: map.id } })).toBe(1);
    await db.scheme.delete({ where: { id: deliveries.id } });
    expect(await deleteUnusedValueMap(db, map.id)).toBe(true);
    expect(await deleteUnusedValueMap(db, map.id)).toBe(false);
  });
});
