import { message, VALUE_MAP_LIMITS } from "@qiao/core";
import { config, getValueMap, prisma, updateValueMap } from "@qiao/db";
import { importValueMapQuery, valueMapImportResultSchema } from "@/lib/api/schemas";
import { json, readQuery, uuidParam, withAuth } from "@/server/api";
import { ApiError, notFound } from "@/server/errors";
import { readBodyBytes } from "@/server/request-body";
import { CsvImportError, entriesFromCsv } from "@/server/value-map-csv";
import { refusingConflicts, valueMapDto } from "@/server/value-maps";

export const dynamic = "force-dynamic";
const WHAT = "值映射";

/**
 * POST /api/value-maps/:id/import?mode=replace|merge — the body is the CSV file itself (columns
 * source,target or 源值,目标值; UTF-8, or GBK as Excel saves it). All or nothing: a missing column,
 * a repeated source value, an unclosed quote or an unreadable encoding is a 400 naming the line,
 * and the map is left as it was. replace (default): the file becomes the table; merge: its rows
 * are added, overwriting rows with the same source value; a merge whose table would pass
 * VALUE_MAP_LIMITS.entries rows is a 400 too. The default value is kept.
 */
export const POST = withAuth<{ id: string }>(async (req, { params }) => {
  const db = prisma();
  const id = uuidParam(params.id, WHAT);
  const { mode } = readQuery(req, importValueMapQuery);
  const current = await getValueMap(db, id);
  if (!current) throw notFound(WHAT);
  const bytes = await readBodyBytes(req, config().QIAO_MAX_IMPORT_BYTES);
  let parsed: ReturnType<typeof entriesFromCsv>;
  try {
    parsed = entriesFromCsv(bytes);
  } catch (error) {
    if (!(error instanceof CsvImportError)) throw error;
    throw new ApiError("validation_failed", message("api.valueMapNotImported", { zh: error.zh, en: error.en }), [
      { path: error.line === undefined ? ["file"] : ["file", "line", error.line], message: error.zh, messageEn: error.en },
    ]);
  }
  let entries = parsed.entries;
  if (mode === "merge") {
    const incoming = new Map(entries.map((e) => [e.source, e.target]));
    const kept = current.entries.map((e) => (incoming.has(e.source) ? { source: e.source, target: incoming.get(e.source)! } : e));
    const known = new Set(current.entries.map((e) => e.source));
    entries = [...kept, ...entries.filter((e) => !known.has(e.source))];
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
  }
  const row = await refusingConflicts(() => updateValueMap(db, id, { entries }));
  if (!row) throw notFound(WHAT);
  return json(valueMapImportResultSchema, { valueMap: valueMapDto(row), imported: parsed.entries.length, encoding: parsed.encoding });
}, { role: "editor", bodyLimit: "import" });
