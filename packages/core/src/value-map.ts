// Value maps (值映射): the shape and rules shared by the API, the CSV import, the database and the
// page. A map is a name, an optional default and entries (source value → target value) whose
// source values are unique; values are kept exactly as written (no trimming: "WH01 " and "WH01"
// are different source values, as they are to the ERP).
import { z } from "zod";

export const VALUE_MAP_LIMITS = {
  name: 100,
  description: 500,
  value: 500,
  /** Entries per map: a 10,000-row table must fit with room to spare. */
  entries: 50_000,
} as const;

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
  .refine((s) => !/['"\\]/.test(s), bilingual("名称不能包含引号或反斜杠（模板 map('名称') 中无法书写）", "A name cannot contain quotes or backslashes (map('name') could not name it)"));

const valueSchema = z
  .string()
  .max(VALUE_MAP_LIMITS.value, bilingual(`值最多 ${VALUE_MAP_LIMITS.value} 个字符`, `A value has at most ${VALUE_MAP_LIMITS.value} characters`));

export const valueMapEntrySchema = z.object({
  source: valueSchema,
  target: valueSchema,
});

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
