// Value maps (值映射): the shape and rules shared by the API, the CSV import, the database and the
// page. A map is a name, an optional default and entries (source value → target value) whose
// source values are unique; values are kept exactly as written (no trimming: "WH01 " and "WH01"
// are different source values, as they are to the ERP).
import { z } from "zod";
import { refuseHiddenCharacters } from "./names";

export const VALUE_MAP_LIMITS = {
  name: 100,
  description: 500,
  value: 500,
  /** Entries per map: a 10,000-row table must fit with room to spare. */
  entries: 50_000,
  /**
   * The table as the page saves it (the compact JSON of the rows, `valueMapTableBytes`), in UTF-8
   * bytes: 50,000 rows of 30 Chinese characters a side take about 10 MB. Every write refuses a
   * larger one, and the value-map routes' bodies are bounded by it (VALUE_MAP_BODY_BYTES), so a
   * map any path stored can always be saved whole, exported and imported again. (Rows × value
   * lengths alone would allow some 300 MB: a control character is 6 bytes of JSON.)
   */
  tableBytes: 16_000_000,
} as const;

/**
 * The byte limit of a value-map request body (create, save, CSV import): the largest table plus
 * the name, description and default at 6 bytes of JSON a character and the keys. A table's CSV
 * export is never larger than its JSON (each value is as long or shorter, and a row's `,` and CRLF
 * are less than `{"source":…}`) but for the 21 bytes of BOM and header, so it imports back too.
 */
export const VALUE_MAP_BODY_BYTES = VALUE_MAP_LIMITS.tableBytes + 16_384;

export interface ValueMapEntry {
  source: string;
  target: string;
}

const bilingual = (message: string, messageEn: string) => ({ message, params: { messageEn } });

export const valueMapNameSchema = z
  .string()
  .trim()
  .min(1, bilingual("请填写值映射的名称", "Give the value map a name"))
  .max(VALUE_MAP_LIMITS.name, bilingual(`名称最多 ${VALUE_MAP_LIMITS.name} 个字符`, `A name has at most ${VALUE_MAP_LIMITS.name} characters`))
  .refine((s) => !/['"\\]/.test(s), bilingual("名称不能包含引号或反斜杠（模板 map('名称') 中无法书写）", "A name cannot contain quotes or backslashes (map('name') could not name it)"))
  .superRefine(refuseHiddenCharacters);

const valueSchema = z
  .string()
  .max(VALUE_MAP_LIMITS.value, bilingual(`值最多 ${VALUE_MAP_LIMITS.value} 个字符`, `A value has at most ${VALUE_MAP_LIMITS.value} characters`));

export const valueMapEntrySchema = z.object({
  source: valueSchema,
  target: valueSchema,
});

/** UTF-8 bytes of the table as the page saves it: `JSON.stringify` of the rows, `{source, target}` each. */
export function valueMapTableBytes(entries: readonly ValueMapEntry[]): number {
  const json = JSON.stringify(entries.map((e) => ({ source: e.source, target: e.target })));
  // UTF-8 length without encoding: JSON.stringify leaves no lone surrogate (it writes \udxxx), so
  // a surrogate is half of a 4-byte pair.
  let bytes = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdfff ? 2 : 3;
  }
  return bytes;
}

/** Source values written more than once, with their 1-based row numbers. */
export function duplicateSources(entries: readonly ValueMapEntry[]): { source: string; rows: number[] }[] {
  const rows = new Map<string, number[]>();
  entries.forEach((e, i) => {
    const list = rows.get(e.source);
    if (list) list.push(i + 1);
    else rows.set(e.source, [i + 1]);
  });
  return [...rows].filter(([, r]) => r.length > 1).map(([source, r]) => ({ source, rows: r }));
}

export const valueMapEntriesSchema = z
  .array(valueMapEntrySchema)
  .max(VALUE_MAP_LIMITS.entries, bilingual(`每个值映射最多 ${VALUE_MAP_LIMITS.entries} 行`, `A value map has at most ${VALUE_MAP_LIMITS.entries} rows`))
  .superRefine((entries, ctx) => {
    for (const dup of duplicateSources(entries).slice(0, 20)) {
      ctx.addIssue({
        code: "custom",
        path: [dup.rows[1]! - 1, "source"],
        ...bilingual(
          `源值 “${dup.source}” 重复：第 ${dup.rows.join("、")} 行`,
          `The source value "${dup.source}" is repeated: rows ${dup.rows.join(", ")}`,
        ),
      });
    }
  });
