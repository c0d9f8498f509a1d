import { VALUE_MAP_LIMITS, valueMapTableBytes } from "@qiao/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import {
  ValueMapChanged,
  createValueMap,
  deleteValueMap,
  editValueMap,
  findValueMapsByName,
  getValueMap,
  listValueMaps,
  loadValueMaps,
  updateValueMap,
  valueMapContentHash,
  ValueMapDuplicateSource,
  ValueMapNameTaken,
  valueMapNames,
  ValueMapTooLarge,
  ValueMapTooManyEntries,
} from "./value-maps";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("vmaps");
  db = createPrisma(tdb.url, 4);
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

  it("refuses a table whose JSON passes VALUE_MAP_LIMITS.tableBytes, on create and on update, and changes nothing", async () => {
    // 50,000 rows (the row limit) of 150 + 150 characters: about 16.05 MB as JSON.
    const wide = (i: number, side: string) => `${side}${i}`.padEnd(150, "x");
    const tooLarge = Array.from({ length: VALUE_MAP_LIMITS.entries }, (_, i) => ({ source: wide(i, "S"), target: wide(i, "T") }));
    const bytes = valueMapTableBytes(tooLarge);
    expect(bytes).toBeGreaterThan(VALUE_MAP_LIMITS.tableBytes);
    await expect(createValueMap(db, { name: "太宽", entries: tooLarge })).rejects.toBeInstanceOf(ValueMapTooLarge);
    const m = await createValueMap(db, { name: "仓库对照", entries: warehouses });
    await expect(updateValueMap(db, m.id, { entries: tooLarge })).rejects.toMatchObject({ bytes, limit: VALUE_MAP_LIMITS.tableBytes });
    expect((await getValueMap(db, m.id))!.entries).toEqual(warehouses);
    // What is measured is what the page sends: JSON.stringify of the rows, in UTF-8.
    const chinese = [{ source: "仓库\n\"1\"", target: "😀" }];
    expect(valueMapTableBytes(chinese)).toBe(new TextEncoder().encode(JSON.stringify(chinese)).byteLength);
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

// Found by session 30's audit: updateValueMap read the map and wrote back the entries (and their
// count and hash) it read even when the patch named only the default, and the merge import did its
// own read-modify-write: a write landing in between (an import, the page's save, another merge) was
// reverted without a word, and the content hash the runs key on described the old table. Now entries
// are written only when named, and every read-modify-write (editValueMap) writes only if the map is
// still as read, else reads it again. The interleavings are made deterministic with a client whose
// read waits for the other write.
describe("value maps written by two requests at once", () => {
  /** A client whose first read of the map is answered, then held until `release` is called. */
  function heldReader() {
    let readDone!: () => void;
    const read = new Promise<void>((resolve) => (readDone = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const client = {
      valueMap: {
        ...db.valueMap,
        findUnique: (async (args: Parameters<Db["valueMap"]["findUnique"]>[0]) => {
          const row = await db.valueMap.findUnique(args);
          readDone();
          await released;
          return row;
        }) as unknown as Db["valueMap"]["findUnique"],
        update: db.valueMap.update.bind(db.valueMap),
      },
    } as Pick<Db, "valueMap"> as Db; // updateValueMap takes a Db (a rename needs a transaction); these patches carry no name.
    return { client, read, release };
  }

  it("a patch of the default alone does not undo entries replaced while it ran", async () => {
    const map = await createValueMap(db, { name: "仓库对照", entries: [{ source: "WH01", target: "CK001" }] });
    const slow = heldReader();
    const patchDefault = updateValueMap(slow.client, map.id, { defaultValue: "CK000" });
    await slow.read;
    const imported = [
      { source: "WH01", target: "CK001" },
      { source: "WH02", target: "CK002" },
      { source: "WH03", target: "CK003" },
    ];
    await updateValueMap(db, map.id, { entries: imported });
    slow.release();
    await patchDefault;

    const after = await getValueMap(db, map.id);
    expect(after?.defaultValue).toBe("CK000");
    expect(after?.entries).toEqual(imported);
    expect(after?.contentHash).toBe(valueMapContentHash("CK000", imported));
  });

  it("two merges at once both keep their rows, and the hash is the stored table's", async () => {
    const map = await createValueMap(db, { name: "仓库对照", defaultValue: "CK000", entries: [{ source: "WH01", target: "CK001" }] });
    /** What the import route's merge does: rows of the file overwrite rows of the same source, new ones are added. */
    const merge = (rows: { source: string; target: string }[]) => (current: { entries: { source: string; target: string }[] }) => {
      const incoming = new Map(rows.map((e) => [e.source, e.target]));
      const known = new Set(current.entries.map((e) => e.source));
      return {
        entries: [
          ...current.entries.map((e) => (incoming.has(e.source) ? { source: e.source, target: incoming.get(e.source)! } : e)),
          ...rows.filter((e) => !known.has(e.source)),
        ],
      };
    };
    const slow = heldReader();
    const first = editValueMap(slow.client, map.id, merge([{ source: "WH02", target: "CK002" }]));
    await slow.read;
    await editValueMap(db, map.id, merge([{ source: "WH03", target: "CK003" }, { source: "WH01", target: "CK101" }]));
    slow.release();
    await first;

    const after = await getValueMap(db, map.id);
    const expected = [
      { source: "WH01", target: "CK101" },
      { source: "WH03", target: "CK003" },
      { source: "WH02", target: "CK002" },
    ];
    expect(after?.entries).toEqual(expected);
    expect(after?.entryCount).toBe(3);
    expect(after?.contentHash).toBe(valueMapContentHash("CK000", expected));
  });

  it("an edit of a map deleted while it ran finds nothing", async () => {
    const map = await createValueMap(db, { name: "仓库对照", entries: warehouses });
    const slow = heldReader();
    const patch = updateValueMap(slow.client, map.id, { defaultValue: "CK000" });
    await slow.read;
    expect(await deleteValueMap(db, map.id)).toBe(true);
    slow.release();
    expect(await patch).toBeNull();
  });

  it("a whole-table save from a page opened before an import is refused, and the import stays (session 31)", async () => {
    const opened = await createValueMap(db, { name: "仓库对照", entries: warehouses });
    // An import lands while the page is open…
    const imported = await updateValueMap(db, opened.id, { entries: [...warehouses, { source: "WH09", target: "CK009" }] });
    expect(imported?.updatedAt.getTime()).toBeGreaterThan(opened.updatedAt.getTime());
    // …and the page saves the table it read, with one row edited.
    const stale = [{ source: "WH01", target: "CK-edited" }, ...warehouses.slice(1)];
    await expect(updateValueMap(db, opened.id, { name: "仓库对照", entries: stale }, opened.updatedAt)).rejects.toBeInstanceOf(ValueMapChanged);
    expect((await getValueMap(db, opened.id))?.entries).toHaveLength(warehouses.length + 1);
    // Read again, the same save goes through.
    const saved = await updateValueMap(db, opened.id, { name: "仓库对照", entries: stale }, imported!.updatedAt);
    expect(saved?.entries).toEqual(stale);
  });
});

// Found by session 30's audit: Prisma's `contains` is a LIKE whose `%` and `_` are not escaped, so
// the list searched for “a_b” listed “axb”, and for “50%” listed “500”. containsText escapes them.
describe("the value maps list's search", () => {
  it("takes _, % and \\ as the characters they are", async () => {
    for (const name of ["税率_13%", "税率X13%", "50%", "500"]) await createValueMap(db, { name, entries: [] });
    await createValueMap(db, { name: "路径", description: "D:\\导入\\仓库.csv", entries: [] });
    await createValueMap(db, { name: "路径2", description: "D:导入仓库.csv", entries: [] });
    expect((await listValueMaps(db, "税率_13")).map((m) => m.name)).toEqual(["税率_13%"]);
    expect((await listValueMaps(db, "50%")).map((m) => m.name)).toEqual(["50%"]);
    expect((await listValueMaps(db, "13%")).map((m) => m.name)).toEqual(["税率X13%", "税率_13%"].sort());
    expect((await listValueMaps(db, ":\\导入")).map((m) => m.name)).toEqual(["路径"]);
  });
});
