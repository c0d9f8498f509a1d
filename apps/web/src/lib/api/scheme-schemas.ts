// Schemes at the REST boundary (re-exported by ./schemas.ts): a scheme with its definition, the
// requests that create, change and validate one, and the file export writes and import reads.
import { hiddenCharacterIssue, schemeDefinitionSchema } from "@qiao/core";
import { z } from "zod";
import { apiIssueSchema, type ApiIssue } from "./error-schemas";
import { runSchema } from "./run-schemas";
import { readCursorSchema } from "./scheme-cursor-schemas";
import { isoTime, uuid } from "./shared-schemas";
import { valueMapTransferSchema } from "./value-map-schemas";

export { schemeDefinitionSchema };

/** A scheme name's length at most (UTF-16 units, as zod counts): every path that names one keeps to it, 复制 too. */
export const SCHEME_NAME_MAX = 200;

/**
 * Why `name` cannot name a scheme, in both languages; undefined when it can. One rule for the API,
 * which refuses such a name, and the editor, which says so on the name's field and sends nothing.
 */
export function schemeNameIssue(name: string): ApiIssue | undefined {
  const length = name.trim().length;
  if (length === 0) return { path: ["name"], message: "名称不能为空", messageEn: "The name cannot be empty" };
  if (length > SCHEME_NAME_MAX) {
    return { path: ["name"], message: `名称最多 ${SCHEME_NAME_MAX} 个字符`, messageEn: `A name has at most ${SCHEME_NAME_MAX} characters` };
  }
  const hidden = hiddenCharacterIssue(name);
  return hidden && { path: ["name"], ...hidden };
}

const schemeName = z
  .string()
  .trim()
  .superRefine((name, ctx) => {
    const issue = schemeNameIssue(name);
    if (issue) ctx.addIssue({ code: "custom", message: issue.message, params: { messageEn: issue.messageEn } });
  })
  // The rule above, for the OpenAPI document (a refinement has no JSON Schema of its own).
  .meta({ minLength: 1, maxLength: SCHEME_NAME_MAX });

const schemeEndSchema = z.object({
  platform: z.string(),
  platformName: z.string(),
  api: z.string(),
  apiName: z.string(),
  connectionId: z.string(),
  connectionName: z.string().nullable(),
});

export const schemeSummarySchema = z.object({
  id: uuid,
  name: z.string(),
  description: z.string(),
  cron: z.string().nullable(),
  timezone: z.string(),
  enabled: z.boolean(),
  currentVersion: z.number().int(),
  source: schemeEndSchema.nullable(),
  target: schemeEndSchema.nullable(),
  lastRun: runSchema.nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type SchemeSummaryDto = z.infer<typeof schemeSummarySchema>;

export const schemeSchema = schemeSummarySchema.extend({ definition: schemeDefinitionSchema, readCursor: readCursorSchema });
export type SchemeDto = z.infer<typeof schemeSchema>;

export const schemeListSchema = z.object({ schemes: z.array(schemeSummarySchema) });
export const schemeEnvelopeSchema = z.object({ scheme: schemeSchema });

export const createSchemeBody = z.object({
  name: schemeName,
  description: z.string().max(2000).default(""),
  definition: schemeDefinitionSchema,
});

/**
 * A definition saves a new version; `enabled` switches the schedule on or off: the current one, or
 * with a definition the one it brings (saved in that version).
 */
export const updateSchemeBody = z
  .object({
    name: schemeName.optional(),
    description: z.string().max(2000).optional(),
    definition: schemeDefinitionSchema.optional(),
    enabled: z.boolean().optional(),
    /**
     * With `definition` only: the version the edit was made on. A scheme saved since is refused (409,
     * an issue at `baseVersion`) rather than replaced unseen; without it, the save is made whatever
     * came before (API clients, and the editor's deliberate second save).
     */
    baseVersion: z.number().int().positive().optional(),
  })
  // Without a definition there is no version to compare: the check a client asked for would be
  // skipped without a word (session 36's audit), so the request is refused instead.
  .refine((body) => body.baseVersion === undefined || body.definition !== undefined, {
    path: ["baseVersion"],
    message: "baseVersion 只能与 definition 一起发送：它是修改所基于的版本，只有保存新版本时才会核对",
    params: { messageEn: "baseVersion is only sent with a definition: it is the version the edit was made on, checked only when a new version is saved" },
  });

export const validateSchemeBody = z.object({ definition: schemeDefinitionSchema.optional() });

export const validationResultSchema = z.object({
  ok: z.boolean(),
  issues: z.array(apiIssueSchema),
  warnings: z.array(apiIssueSchema),
});

export const SCHEME_EXPORT_FORMAT = "qiao.scheme/v1";

/** What export writes and import reads: connections travel by name and platform, never with credentials. */
export const schemeExportSchema = z.object({
  format: z.literal(SCHEME_EXPORT_FORMAT),
  exportedAt: isoTime,
  name: schemeName,
  description: z.string().max(2000).default(""),
  definition: schemeDefinitionSchema,
  connections: z
    .array(z.object({ id: z.string(), platform: z.string(), name: z.string() }))
    .max(50)
    .default([]),
  /** The value maps the definition names (map('名称')), whole: an import creates the missing ones. */
  valueMaps: z.array(valueMapTransferSchema).max(100).default([]),
  /**
   * The schemes the definition's lookup('方案') reads, by name: a note for whoever imports the file
   * (import them first). Import ignores it: the definition's lookups are checked against the
   * schemes that exist here, and one naming a scheme this instance lacks refuses the import.
   */
  lookupSchemes: z.array(z.string()).max(100).default([]),
  /**
   * The schemes it runs after (运行顺序), by name (the definition's runAfter holds ids, which mean
   * nothing in another instance): an import binds each to the scheme of that name here, and refuses
   * a name this instance lacks.
   */
  runAfter: z.array(z.string()).max(10).default([]),
});
export type SchemeExportDto = z.infer<typeof schemeExportSchema>;

/** An imported scheme, and what became of the value maps the file carried. */
export const schemeImportResultSchema = schemeEnvelopeSchema.extend({
  valueMaps: z.object({
    /** Created from the file. */
    created: z.array(z.string()),
    /** A map of that name exists here: kept as it is, the file's copy ignored. */
    kept: z.array(z.string()),
  }),
});
