// Whatever an import stores, the page can save again and its export imports back. Found by session
// 30's audit: the import checked only the file against QIAO_MAX_IMPORT_BYTES, while the page saves a
// map by sending the whole table as JSON (PATCH, under the same limit), which is much larger than
// the CSV (about 26 bytes of JSON per row instead of 3), and a merge adds a file to the table: so an
// import could store a map that the page could no longer save (413), and a merge one whose own
// export could not be imported back. The same trap as the row limit fixed in session 23
// (route.test.ts), for bytes. Now the value-map routes' bodies are bounded by VALUE_MAP_BODY_BYTES,
// derived from the map's own limits (VALUE_MAP_LIMITS.tableBytes, checked on every write), not by
// QIAO_MAX_IMPORT_BYTES: it is set low here (4 KB) to show that it no longer decides. Also here:
// two merges at once both keep their rows (the merge is a read-modify-write, editValueMap).
import { VALUE_MAP_LIMITS } from "@qiao/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

const LIMIT = 4096;
let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("vmimportbytes", "editor", { QIAO_MAX_IMPORT_BYTES: String(LIMIT) });
}, 120_000);
afterAll(async () => {
  await bed?.close();
});

/** `rows` rows of short codes, as a CSV file of a little under LIMIT bytes. */
function csv(prefix: string, rows: number): string {
  const lines = ["source,target"];
  for (let i = 0; i < rows; i++) lines.push(`${prefix}-WH-${String(i).padStart(5, "0")},${prefix}-CK-${String(i).padStart(5, "0")}`);
  return `${lines.join("\r\n")}\r\n`;
}

async function importCsv(id: string, body: string | Uint8Array, mode: "replace" | "merge") {
  const { NextRequest } = await import("next/server");
  const { POST } = await import("./route");
  const token = (await bed.db.createApiToken(bed.prisma, { userId: (await bed.prisma.user.findFirstOrThrow()).id, name: "import", role: "editor" })).token;
  return POST(
    new NextRequest(`http://localhost/api/value-maps/${id}/import?mode=${mode}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "text/csv" },
      body: body as BodyInit,
    }),
    { params: Promise.resolve({ id }) },
  );
}

it("a map an import accepted can be saved again by the page (PATCH with the whole table)", { timeout: 60_000 }, async () => {
  const map = await bed.db.createValueMap(bed.prisma, { name: "仓库对照-整表保存", entries: [] });
  const file = csv("A", 120);
  expect(Buffer.byteLength(file)).toBeLessThan(LIMIT);
  const imported = await importCsv(map.id, file, "replace");
  expect(imported.status).toBe(200);

  // The page's save after editing the description: name, description, default and the rows it shows.
  const route = await import("../route");
  const current = await bed.db.getValueMap(bed.prisma, map.id);
  expect(current?.entryCount).toBe(120);
  const saved = await bed.call(route.PATCH, `/api/value-maps/${map.id}`, {
    method: "PATCH",
    params: { id: map.id },
    body: { name: current!.name, description: "改了说明", defaultValue: current!.defaultValue, entries: current!.entries },
  });
  expect(saved.status).toBe(200);
});

it("a map a merge import accepted can be exported and imported back", { timeout: 60_000 }, async () => {
  const map = await bed.db.createValueMap(bed.prisma, { name: "仓库对照-合并", entries: [] });
  expect((await importCsv(map.id, csv("B", 120), "replace")).status).toBe(200);
  expect((await importCsv(map.id, csv("C", 120), "merge")).status).toBe(200);

  const { GET } = await import("../export/route");
  const { NextRequest } = await import("next/server");
  const token = (await bed.db.createApiToken(bed.prisma, { userId: (await bed.prisma.user.findFirstOrThrow()).id, name: "export", role: "editor" })).token;
  const exported = await GET(new NextRequest(`http://localhost/api/value-maps/${map.id}/export`, { headers: { authorization: `Bearer ${token}` } }), {
    params: Promise.resolve({ id: map.id }),
  });
  expect(exported.status).toBe(200);
  const bytes = new Uint8Array(await exported.arrayBuffer());

  const back = await importCsv(map.id, bytes, "replace");
  expect(back.status).toBe(200);
});

it("an import whose table would pass VALUE_MAP_LIMITS.tableBytes is refused naming the bytes, and changes nothing", { timeout: 120_000 }, async () => {
  const map = await bed.db.createValueMap(bed.prisma, { name: "仓库对照-太宽", entries: [{ source: "WH01", target: "CK001" }] });
  // 50,000 rows of 148 + 148 characters: about 14.9 MB of CSV (within the body limit), 16.05 MB as JSON.
  const wide = (i: number, side: string) => `${side}${i}`.padEnd(148, "x");
  const lines = ["source,target"];
  for (let i = 0; i < VALUE_MAP_LIMITS.entries; i++) lines.push(`${wide(i, "S")},${wide(i, "T")}`);
  const file = `${lines.join("\r\n")}\r\n`;
  const res = await importCsv(map.id, file, "replace");
  expect(res.status).toBe(400);
  const { error } = (await res.json()) as { error: { message: string; issues: { path: unknown[]; message: string; messageEn: string }[] } };
  expect(error.message).toMatch(/^未导入：导入后值映射的行共 \d+ 字节（按页面保存时的 JSON 计），超过上限 16000000 字节$/);
  expect(error.issues[0]).toMatchObject({ path: ["file"] });
  expect(error.issues[0]?.messageEn).toMatch(/^Imported, the value map's rows would take \d+ bytes .*more than the limit of 16000000$/);
  expect((await bed.db.getValueMap(bed.prisma, map.id))?.entries).toEqual([{ source: "WH01", target: "CK001" }]);
});

it("two merge imports at once both keep their rows", { timeout: 60_000 }, async () => {
  const map = await bed.db.createValueMap(bed.prisma, { name: "仓库对照-同时合并", entries: [{ source: "WH", target: "CK" }] });
  const files = Array.from({ length: 6 }, (_, k) => csv(`M${k}`, 20));
  const answers = await Promise.all(files.map((f) => importCsv(map.id, f, "merge")));
  expect(answers.map((a) => a.status)).toEqual(files.map(() => 200));
  const after = await bed.db.getValueMap(bed.prisma, map.id);
  expect(after?.entryCount).toBe(1 + 6 * 20);
  expect(new Set(after?.entries.map((e) => e.source.split("-")[0]))).toEqual(new Set(["WH", "M0", "M1", "M2", "M3", "M4", "M5"]));
  expect(after?.contentHash).toBe(bed.db.valueMapContentHash(null, after!.entries));
});
