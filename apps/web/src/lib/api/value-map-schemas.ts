// Value maps (值映射) at the REST boundary (re-exported by ./schemas.ts). The rules (name, value
// lengths, unique source values) come from @qiao/core, so the page, the API and the CSV import
// agree on them.
import { valueMapEntriesSchema, valueMapEntrySchema, valueMapNameSchema, VALUE_MAP_LIMITS } from "@qiao/core";
import { z } from "zod";
import { isoTime } from "./shared-schemas";

const defaultValue = z.string().max(VALUE_MAP_LIMITS.value).nullable();
const description = z.string().max(VALUE_MAP_LIMITS.description);

export const valueMapSummarySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  /** Used for a source value the map does not list; null: such a value fails the record. */
  defaultValue: z.string().nullable(),
  entryCount: z.number().int(),
  updatedAt: isoTime,
});
export type ValueMapSummaryDto = z.infer<typeof valueMapSummarySchema>;

export const valueMapSchema = valueMapSummarySchema.extend({
  entries: z.array(valueMapEntrySchema),
  createdAt: isoTime,
});
export type ValueMapDto = z.infer<typeof valueMapSchema>;

export const valueMapListSchema = z.object({ valueMaps: z.array(valueMapSummarySchema) });

export const valueMapListQuery = z.object({
  /** Part of a name or description, any case. */
  q: z.string().max(100).optional(),
});

export const createValueMapBody = z.object({
  name: valueMapNameSchema,
  description: description.default(""),
  defaultValue: defaultValue.default(null),
  entries: valueMapEntriesSchema.default([]),
});

/** Each key given is changed; entries are replaced whole (the page saves the table it shows). */
export const updateValueMapBody = z.object({
  name: valueMapNameSchema.optional(),
  description: description.optional(),
  defaultValue: defaultValue.optional(),
  entries: valueMapEntriesSchema.optional(),
  /**
   * The map's `updatedAt` as the caller read it: the save is refused (409) when the map changed since
   * (an import, another person's save), instead of replacing what came in between. The page sends it.
   * The shared isoTime: a time in year 0 is a 400 here, not a 409 "changed since" (session 35's audit).
   */
  updatedAt: isoTime.optional(),
});

export const importValueMapQuery = z.object({
  /** replace (default): the file becomes the table; merge: its rows are added or overwrite rows of the same source value. */
  mode: z.enum(["replace", "merge"]).default("replace"),
});

export const valueMapImportResultSchema = z.object({
  valueMap: valueMapSchema,
  /** Rows in the file (the header and empty lines not counted). */
  imported: z.number().int(),
  /** gb18030: the file was not UTF-8 and was read as GBK (Excel's CSV on Chinese Windows). */
  encoding: z.enum(["utf-8", "gb18030"]),
});

/** A value map as a scheme export carries it (by name; ids are per instance). */
export const valueMapTransferSchema = z.object({
  name: valueMapNameSchema,
  description: description.default(""),
  defaultValue: defaultValue.default(null),
  entries: valueMapEntriesSchema,
});
