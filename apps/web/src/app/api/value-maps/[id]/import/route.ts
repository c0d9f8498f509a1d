import { message, VALUE_MAP_LIMITS, type ValueMapEntry } from "@qiao/core";
import { editValueMap, getValueMap, prisma, ValueMapTooLarge } from "@qiao/db";
import { importValueMapQuery, valueMapImportResultSchema } from "@/lib/api/schemas";
import { json, readQuery, uuidParam, withAuth } from "@/server/api";
import { ApiError, notFound } from "@/server/errors";
import { readBodyBytes } from "@/server/request-body";
import { CsvImportError, entriesFromCsv } from "@/server/value-map-csv";
import { refusingConflicts, VALUE_MAP_BODY, valueMapDto } from "@/server/value-maps";

export const dynamic = "force-dynamic";
const WHAT = "值映射";

/**
 * POST /api/value-maps/:id/import?mode=replace|merge — the body is the CSV file itself (columns
 * source,target or 源值,目标值; UTF-8, or GBK as Excel saves it). All or nothing: a missing column,
 * a row that does not line up with the header, a repeated source value, an unclosed quote, text
 * after a closing quote or an unreadable encoding is a 400 naming the line, and the map is left as
 * it was. replace (default): the file becomes the table; merge: its rows are added, overwriting rows
 * with the same source value, onto the table as stored when it is written (two merges at once both
 * keep their rows: editValueMap). A table past VALUE_MAP_LIMITS.entries rows or .tableBytes bytes
 * is a 400 too. The default value is kept. Files up to VALUE_MAP_BODY_BYTES: what any import
 * stores, its export imports back and the page saves whole.
 */
export const POST = withAuth<{ id: string }>(async (req, { params }) => {
  const db = prisma();
  const id = uuidParam(params.id, WHAT);
  const { mode } = readQuery(req, importValueMapQuery);
  if (!(await getValueMap(db, id))) throw notFound(WHAT);
  const bytes = await readBodyBytes(req, VALUE_MAP_BODY.maxBytes);
  let parsed: ReturnType<typeof entriesFromCsv>;
  try {
    parsed = entriesFromCsv(bytes);
  } catch (error) {
    if (!(error instanceof CsvImportError)) throw error;
    throw new ApiError("validation_failed", message("api.valueMapNotImported", { zh: error.zh, en: error.en }), [
      { path: error.line === undefined ? ["file"] : ["file", "line", error.line], message: error.zh, messageEn: error.en },
    ]);
  }
  const entriesFor = (current: { entries: ValueMapEntry[] }) => (mode === "merge" ? merged(current.entries, parsed.entries) : parsed.entries);
  const row = await refusingConflicts(() =>
    editValueMap(db, id, (current) => ({ entries: entriesFor(current) })).catch((error: unknown) => {
      if (!(error instanceof ValueMapTooLarge)) throw error;
      const { bytes: n, limit } = error;
      const zh = `导入后值映射的行共 ${n} 字节（按页面保存时的 JSON 计），超过上限 ${limit} 字节${mode === "merge" ? "。请先删除不用的行，或选择“替换全部行”导入" : ""}`;
      const en = `Imported, the value map's rows would take ${n} bytes (as JSON, the way the page saves them), more than the limit of ${limit}${mode === "merge" ? '. Delete the rows it no longer needs first, or import with "Replace all rows"' : ""}`;
      throw new ApiError("validation_failed", message("api.valueMapNotImported", { zh, en }), [{ path: ["file"], message: zh, messageEn: en }]);
    }),
  );
  if (!row) throw notFound(WHAT);
  return json(valueMapImportResultSchema, { valueMap: valueMapDto(row), imported: parsed.entries.length, encoding: parsed.encoding });
}, { role: "editor", bodyLimit: VALUE_MAP_BODY.maxBytes });

/** The file's rows merged into the table: rows of a source value there overwrite it in place, new ones follow. */
function merged(table: readonly ValueMapEntry[], file: readonly ValueMapEntry[]): ValueMapEntry[] {
  const incoming = new Map(file.map((e) => [e.source, e.target]));
  const known = new Set(table.map((e) => e.source));
  const entries = [...table.map((e) => (incoming.has(e.source) ? { source: e.source, target: incoming.get(e.source)! } : e)), ...file.filter((e) => !known.has(e.source))];
  // The file alone is within the limit (entriesFromCsv); the table it joins may not be.
  if (entries.length > VALUE_MAP_LIMITS.entries) {
    const n = entries.length;
    const limit = VALUE_MAP_LIMITS.entries;
    throw new ApiError("validation_failed", message("api.valueMapMergeTooManyRows", { count: n, limit }), [
      {
        path: ["file"],
        message: `合并后将有 ${n} 行，每个值映射最多 ${limit} 行`,
        messageEn: `Merged, the value map would have ${n} rows; a value map has at most ${limit}. Delete rows it no longer needs, or import with "Replace all rows"`,
      },
    ]);
  }
  return entries;
}
