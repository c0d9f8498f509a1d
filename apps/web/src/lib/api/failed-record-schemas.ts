// A scheme's unresolved failed records at the REST boundary (re-exported by ./schemas.ts).
import { RUN_TRIGGERS } from "@qiao/core";
import { z } from "zod";
import { RECORD_STATUSES } from "./run-schemas";
import { recordId } from "./shared-schemas";

const isoTime = z.iso.datetime();


export const schemeFailedRecordSchema = z.object({
  /** The staged record's id: what POST /api/schemes/:id/retry takes. */
  id: recordId,
  sourceId: z.string(),
  /** failed, or a bill saved but not audited (saved: a retry audits it, never saves it again). */
  status: z.enum(["failed", "saved"]),
  error: z.string().nullable(),
  errorField: z.string().nullable(),
  /** Write attempts so far. */
  attempts: z.number().int(),
  failedAt: isoTime,
  /** transient: retried automatically on the scheme's schedule; data: a person (or a change of the record, mapping or value map) must act; null: unclassified (treated as data). */
  errorClass: z.enum(["transient", "data"]).nullable(),
  /** When the next automatic retry is due (null: none is). */
  retryAt: isoTime.nullable(),
  /** Automatic retries this failure has had. */
  retryStep: z.number().int(),
  /** When it was dead-lettered (死信: the schedule ran out); null: it is not. */
  deadAt: isoTime.nullable(),
  /** The run that failed it last (null: failed before runs were kept for their failed records). */
  run: z
    .object({ id: z.uuid(), trigger: z.enum(RUN_TRIGGERS), status: z.string(), createdAt: isoTime })
    .nullable(),
});
export type SchemeFailedRecordDto = z.infer<typeof schemeFailedRecordSchema>;

export const schemeFailedRecordListSchema = z.object({
  records: z.array(schemeFailedRecordSchema),
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: recordId.nullable(),
  /** Every failed record of the scheme, not only this page. */
  total: z.number().int(),
});

export const schemeFailedRecordsQuery = z.object({
  cursor: recordId.optional(),
  /** dead: only the dead letters (死信). */
  only: z.enum(["all", "dead"]).default("all"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const retrySchemeBody = z.object({
  /** Failed records (ids from the list) to retry; absent = every failed record of the scheme. */
  ids: z.array(recordId).min(1, "请至少选择一条记录").max(10_000).optional(),
  /** Only dead letters (死信): with `ids`, those of them still dead-lettered; without, every dead letter. */
  deadLetters: z.boolean().optional(),
});

export const recordAttemptSchema = z.object({
  runId: z.uuid(),
  trigger: z.enum(RUN_TRIGGERS),
  /**
   * The RunRecord's status: what that run's attempt came to (pending: unknown, then looked up absent
   * and queued again; waiting: waited for a dependency; filtered: left out by a condition edited
   * since; stale: an update of unknown outcome found in create mode). Any record status: before
   * session 32 only five were allowed, and a record that had waited or been filtered in a run made
   * the page's client refuse its whole history.
   */
  status: z.enum(RECORD_STATUSES),
  error: z.string().nullable(),
  errorField: z.string().nullable(),
  errorClass: z.enum(["transient", "data"]).nullable(),
  at: isoTime,
});

export const recordAttemptListSchema = z.object({
  /** Newest first: one per run that attempted the record (as long as run retention keeps the run). */
  attempts: z.array(recordAttemptSchema),
});
