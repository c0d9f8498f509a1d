// Runs at the REST boundary (re-exported by ./schemas.ts): a run with its progress and timings,
// its records and log lines, and the requests that start, test and retry one.
import { RUN_TRIGGERS } from "@qiao/core";
import { z } from "zod";
import { idempotencyKeySchema } from "./idempotency";
import { isoTime, uuid } from "./shared-schemas";

/** The largest id a Postgres bigint holds. */
const MAX_BIGINT = 9223372036854775807n;
const DIGITS = /^\d{1,19}$/;
/**
 * BigInt ids (run records, log lines) travel as decimal strings, within Postgres' bigint. The range
 * check runs after a failed format check too (zod goes on collecting issues): it must not parse then.
 */
const bigId = z
  .string()
  .regex(DIGITS, "应为数字 id")
  .refine((v) => !DIGITS.test(v) || BigInt(v) <= MAX_BIGINT, { message: "id 超出范围", params: { messageEn: "The id is out of range" } });

export const RUN_STATUSES = ["queued", "running", "succeeded", "partial", "failed", "cancelled"] as const;
export { RUN_TRIGGERS };
export const RUN_PHASES = ["queued", "reading", "writing", "finishing", "done"] as const;
export const RECORD_STATUSES = ["pending", "sending", "unknown", "written", "saved", "failed", "stale", "waiting", "filtered"] as const;

export const runSchema = z.object({
  id: uuid,
  schemeId: uuid,
  schemeName: z.string(),
  schemeVersion: z.number().int(),
  trigger: z.enum(RUN_TRIGGERS),
  status: z.enum(RUN_STATUSES),
  phase: z.enum(RUN_PHASES),
  total: z.number().int().nullable(),
  fetched: z.number().int(),
  written: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  /** Records whose write outcome is unknown (待确认), to be looked up in the target. */
  unknown: z.number().int(),
  /** Bills saved but not audited (已保存未审核): a retry audits them, never saves them again. */
  saved: z.number().int(),
  /** While the run waits to look those up: when the lookup is due (the run ends after it). */
  waitingUntil: isoTime.nullable(),
  error: z.string().nullable(),
  retryOfId: uuid.nullable(),
  /** Records left waiting for a dependency (等待依赖): sent by themselves once it is written. */
  waiting: z.number().int(),
  /** Records read that the scheme's filter node left out (不符合条件): never written. */
  filtered: z.number().int(),
  /** Records sent whose unknown outcome a lookup left changed, not updated (已变更未更新: an update found in create mode). */
  stale: z.number().int(),
  /** The run that started this one: a run-after predecessor, or the dependency run that released it. */
  triggeredById: uuid.nullable(),
  cancelRequested: z.boolean(),
  attempt: z.number().int(),
  options: z.record(z.string(), z.unknown()),
  createdAt: isoTime,
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
  /** finishedAt − startedAt (or now − startedAt while running). */
  durationMs: z.number().int().nullable(),
});
export type RunDto = z.infer<typeof runSchema>;

export const throughputPointSchema = z.object({
  /** Start of the bucket. */
  at: isoTime,
  /** Records per second written / failed in this bucket. */
  written: z.number(),
  failed: z.number(),
});

/**
 * Where a finished run's last attempt spent its time against the target (the engine's PhaseClock,
 * logged with the run's last line): null while it runs, and for a run that made no target call.
 */
export const runTimingsSchema = z.object({
  /** The attempt, start to end. */
  totalMs: z.number().int().nonnegative(),
  /** Waiting for the source's pages (read-ahead overlaps the writes, so this is not a share of the total). */
  readMs: z.number().int().nonnegative(),
  /** From the first target call's start to the last call's end. */
  targetSpanMs: z.number().int().positive(),
  /** Within the span: a call under way, or waiting for one of the connection's call slots or for its rate limit. */
  targetBusyMs: z.number().int().nonnegative(),
  /** Within the span: no call under way (the target waited for the run). */
  targetIdleMs: z.number().int().nonnegative(),
  /** The target connection's "concurrent calls" during the run, and the most it may be set to. */
  concurrency: z.number().int().positive().nullable(),
  /**
   * When the setting changed during the attempt: the values its batches went with, in order. The
   * setting at the end (`concurrency`) differs from the last of them if it changed after the last batch.
   */
  concurrencySteps: z.array(z.number().int().positive()).nullable(),
  maxConcurrency: z.number().int().positive(),
  targetConnectionId: z.uuid().nullable(),
});
export type RunTimingsDto = z.infer<typeof runTimingsSchema>;

export const runDetailSchema = runSchema.extend({
  /** Test runs: the sampled records and the payloads the target would receive (see test-result). */
  result: z.unknown().nullable(),
  /** Bucket width of `throughput`, seconds. */
  bucketSeconds: z.number().int(),
  throughput: z.array(throughputPointSchema),
  timings: runTimingsSchema.nullable(),
});
export type RunDetailDto = z.infer<typeof runDetailSchema>;

export const runListSchema = z.object({ runs: z.array(runSchema), nextCursor: z.string().nullable() });

export const runListQuery = z.object({
  /**
   * The previous page's `nextCursor` (a run id). A refinement, as recordId: its issue keeps the English
   * text. Not a uuid: a 400 naming `cursor`, as an unknown run id is, not a 404 (session 35's audit).
   */
  cursor: z
    .string()
    .refine((v) => uuid.safeParse(v).success, { message: "应为运行记录 id（上一页的 nextCursor）", params: { messageEn: "Must be a run id (the previous page's nextCursor)" } })
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const runRecordSchema = z.object({
  id: bigId,
  sourceId: z.string(),
  status: z.enum(RECORD_STATUSES),
  error: z.string().nullable(),
  errorField: z.string().nullable(),
  /** The source record as staged. */
  source: z.unknown(),
  /** The payload sent to the target (its wire form). */
  payload: z.unknown(),
  /** The target's answer for this record. */
  response: z.unknown().nullable(),
  targetId: z.string().nullable(),
  targetNumber: z.string().nullable(),
  updatedAt: isoTime,
});
export type RunRecordDto = z.infer<typeof runRecordSchema>;

export const runRecordListSchema = z.object({
  records: z.array(runRecordSchema),
  nextCursor: z.string().nullable(),
  /** Records of this run per status (for the filter tabs). */
  counts: z.record(z.string(), z.number().int()),
});

export const runRecordsQuery = z.object({
  status: z.enum(RECORD_STATUSES).optional(),
  cursor: bigId.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const runLogSchema = z.object({
  id: bigId,
  at: isoTime,
  level: z.string(),
  message: z.string(),
  data: z.unknown().nullable(),
});
export type RunLogDto = z.infer<typeof runLogSchema>;

export const runLogListSchema = z.object({ logs: z.array(runLogSchema) });

export const runLogsQuery = z.object({
  after: bigId.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

/**
 * The version the editor shows, whose mapping a test or run is to use: a scheme saved since is
 * refused (409, an issue at `baseVersion`). Absent: the version current when the run is created.
 */
const baseVersion = z.number().int().positive().optional();

export const startRunBody = z.object({
  /** Also accepted as the Idempotency-Key header. */
  idempotencyKey: idempotencyKeySchema.optional(),
  baseVersion,
});

export const testSchemeBody = z.object({
  /** Source records to sample (one page at most). */
  sampleSize: z.int().min(1).max(50).default(10),
  /** How many of them to really write (0 = dry run). */
  writeCount: z.int().min(0).max(10).default(0),
  /** How long the request waits for the test run to finish before answering with it unfinished. */
  waitMs: z.int().min(0).max(30_000).default(25_000),
  baseVersion,
});

export const retryRunBody = z.object({
  /** RunRecord ids to retry; absent = every failed record of the run. */
  recordIds: z.array(bigId).min(1).max(1000).optional(),
});

export const runEnvelopeSchema = z.object({ run: runSchema });
export const runDetailEnvelopeSchema = z.object({ run: runDetailSchema });
