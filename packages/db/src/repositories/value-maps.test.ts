import { VALUE_MAP_LIMITS } from "@qiao/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import {
  createValueMap,
  deleteValueMap,
  findValueMapsByName,
  getValueMap,
  listValueMaps,
  loadValueMaps,
  updateValueMap,
  ValueMapDuplicateSource,
  ValueMapNameTaken,
  valueMapNames,
  ValueMapTooManyEntries,
} from "./value-maps";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("vmaps");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});
beforeEach(async () => {
  await db.valueMap.deleteMany();
});

const warehouses = [
  { source: "WH01", target: "CK001" },
  { source: "WH02", target: "CK002" },
];

describe("value maps repository", () => {
  it("creates, lists without entries, searches and reads a map whole", async () => {
    const created = await createValueMap(db, { name: "仓库对照", description: "管易云仓库 → 金蝶仓库", entries: warehouses });
    await createValueMap(db, { name: "币别", entries: [], defaultValue: "PRE001" });
    expect(created).toMatchObject({ name: "仓库对照", entryCount: 2, defaultValue: null, entries: warehouses });
    const all = await listValueMaps(db);
    expect(all.map((m) => m.name)).toEqual(["仓库对照", "币别"].sort());
    expect(all[0]).not.toHaveProperty("entries");
    expect((await listValueMaps(db, "金蝶")).map((m) => m.name)).toEqual(["仓库对照"]);
    expect(await getValueMap(db, created.id)).toMatchObject({ entries: warehouses });
    expect(await valueMapNames(db)).toEqual(new Set(["仓库对照", "币别"]));
  });

  it("refuses a taken name and duplicate source values", async () => {
    const m = await createValueMap(db, { name: "仓库对照", entries: warehouses });
    await expect(createValueMap(db, { name: "仓库对照", entries: [] })).rejects.toBeInstanceOf(ValueMapNameTaken);
    const other = await createValueMap(db, { name: "其他", entries: [] });
    await expect(updateValueMap(db, other.id, { name: "仓库对照" })).rejects.toBeInstanceOf(ValueMapNameTaken);
    const dup = updateValueMap(db, m.id, { entries: [...warehouses, { source: "WH01", target: "CK009" }] });
    await expect(dup).rejects.toBeInstanceOf(ValueMapDuplicateSource);
    expect((await getValueMap(db, m.id))!.entries).toEqual(warehouses);
  });

  it("refuses more entries than a map may have, on create and on update, and changes nothing", async () => {
    const tooMany = Array.from({ length: VALUE_MAP_LIMITS.entries + 1 }, (_, i) => ({ source: `WH${i}`, target: `CK${i}` }));
    await expect(createValueMap(db, { name: "太大", entries: tooMany })).rejects.toBeInstanceOf(ValueMapTooManyEntries);
    const m = await createValueMap(db, { name: "仓库对照", entries: warehouses });
    await expect(updateValueMap(db, m.id, { entries: tooMany })).rejects.toMatchObject({ entryCount: VALUE_MAP_LIMITS.entries + 1, limit: VALUE_MAP_LIMITS.entries });
    expect((await getValueMap(db, m.id))!.entries).toEqual(warehouses);
    expect((await listValueMaps(db)).map((v) => v.name)).toEqual(["仓库对照"]);
  });

  it("changes the content hash when the content changes, not when rows are reordered or renamed", async () => {
    const m = await createValueMap(db, { name: "仓库对照", entries: warehouses });
    const reordered = await updateValueMap(db, m.id, { entries: [...warehouses].reverse(), name: "仓库" });
    expect(reordered!.contentHash).toBe(m.contentHash);
    const edited = await updateValueMap(db, m.id, { entries: [warehouses[0]!, { source: "WH02", target: "CK003" }] });
    expect(edited!.contentHash).not.toBe(m.contentHash);
    const withDefault = await updateValueMap(db, m.id, { defaultValue: "CK001" });
    expect(withDefault!.contentHash).not.toBe(edited!.contentHash);
    expect(withDefault!.entries[1]).toEqual({ source: "WH02", target: "CK003" });
    expect(await updateValueMap(db, "00000000-0000-4000-8000-000000000000", { name: "x" })).toBeNull();
  });

  it("loads maps by name for a run, leaving out the ones that do not exist", async () => {
    await createValueMap(db, { name: "仓库对照", entries: warehouses, defaultValue: "CK000" });
    const maps = await loadValueMaps(db, ["仓库对照", "没有"]);
    expect([...maps.keys()]).toEqual(["仓库对照"]);
    expect(maps.get("仓库对照")!.entries.get("WH02")).toBe("CK002");
    expect(maps.get("仓库对照")!.default).toBe("CK000");
    expect(await findValueMapsByName(db, [])).toEqual([]);
  });

  it("keeps a 10,000-row map fast to save and load", async () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => ({ source: `源${i}`, target: `目标${i}` }));
    const started = performance.now();
    const m = await createValueMap(db, { name: "大表", entries });
    await updateValueMap(db, m.id, { entries: entries.map((e, i) => (i === 5000 ? { ...e, target: "改" } : e)) });
    const maps = await loadValueMaps(db, ["大表"]);
    expect(maps.get("大表")!.entries.get("源5000")).toBe("改");
    // Loose: the machine is shared; about 3 s here for create, update and load together.
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(await deleteValueMap(db, m.id)).toBe(true);
    expect(await deleteValueMap(db, m.id)).toBe(false);
  });
});
