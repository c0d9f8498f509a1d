// Reconciliation (对账) at the REST boundary (re-exported by ./schemas.ts).
import { z } from "zod";
import { idempotencyKeySchema } from "./idempotency";
import { isoTime, recordId } from "./shared-schemas";

export const reconciliationCategorySchema = z.enum(["missing", "extra", "different"]);

export const reconciliationSchema = z.object({
  id: z.uuid(),
  schemeId: z.uuid(),
  trigger: z.enum(["manual", "schedule"]),
  status: z.enum(["queued", "running", "succeeded", "failed"]),
  /** Source records read (by id) and target numbers listed. */
  sourceCount: z.number().int(),
  targetCount: z.number().int(),
  matched: z.number().int(),
  /** Source records whose number is not in the target … */
  missing: z.number().int(),
  /** … of which staging says were written (deleted in the target since): what a resync writes again. */
  missingWritten: z.number().int(),
  /** Target records no source record maps to. */
  extra: z.number().int(),
  /** In both, with another name. */
  different: z.number().int(),
  /** Source records without an id or a mapped number. */
  unmatchable: z.number().int(),
  /** Passes over the source: read again while it moved under the read (as a run's window is). */
  sourcePasses: z.number().int(),
  /** The last pass still saw the source move: a record may have been skipped and listed as extra. */
  sourceMoved: z.boolean(),
  /** The report keeps this many keys per category (the counts are complete). */
  keyLimit: z.number().int(),
  error: z.string().nullable(),
  resyncRunId: z.uuid().nullable(),
  resyncCount: z.number().int().nullable(),
  createdAt: isoTime,
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
});
export type ReconciliationDto = z.infer<typeof reconciliationSchema>;

export const reconciliationItemSchema = z.object({
  id: z.string(),
  category: reconciliationCategorySchema,
  number: z.string(),
  sourceId: z.string().nullable(),
  /** The record's staging status (written, pending, failed …); null: never staged. */
  stagedStatus: z.string().nullable(),
  sourceName: z.string().nullable(),
  targetName: z.string().nullable(),
  targetId: z.string().nullable(),
});

export const reconciliationEnvelopeSchema = z.object({ reconciliation: reconciliationSchema });

export const reconciliationListSchema = z.object({
  reconciliations: z.array(reconciliationSchema),
  /** Pass as `before` for older ones; null on the last page. */
  nextBefore: isoTime.nullable(),
});

export const reconciliationListQuery = z.object({
  before: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

export const reconciliationItemsQuery = z.object({
  category: reconciliationCategorySchema.default("missing"),
  cursor: recordId.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const reconciliationItemListSchema = z.object({
  items: z.array(reconciliationItemSchema),
  nextCursor: z.string().nullable(),
});

export const startReconciliationBody = z.object({
  /** Also accepted as the Idempotency-Key header: a repeated request returns the first reconciliation. */
  idempotencyKey: idempotencyKeySchema.optional(),
});

export const resyncResultSchema = z.object({
  run: z.object({ id: z.uuid(), status: z.string() }),
  /** Staging rows marked to be written again (by the first request). */
  count: z.number().int(),
  /** False when the report had been resynced already: the same run is returned, nothing is marked again. */
  created: z.boolean(),
});

export const reconcileSettingsSchema = z.object({
  /**
   * Cron (5 fields or a macro, no seconds field: validateReconcileCron, checked when saved; the
   * scheme's timezone) of a scheduled reconciliation; null: on demand only. One stored with seconds
   * before session 36 is still answered and run as it is.
   */
  cron: z.string().trim().max(200).nullable(),
  /** 金蝶 FilterString limiting the target records compared (e.g. FNumber like 'SHOP%'); null: the whole form. */
  filter: z.string().trim().max(2000).nullable(),
});
