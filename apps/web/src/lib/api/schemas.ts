// The REST API's boundary: one zod schema per request body, query and response. Route handlers
// parse with them, the typed client (./client.ts) checks answers with them, and the OpenAPI
// document (./openapi.ts) is generated from them. Times travel as ISO-8601 strings (UTC).
import { connectorMetaSchema, schemeDefinitionSchema } from "@qiao/core";
import { z } from "zod";
import { idempotencyKeySchema } from "./idempotency";
import { readCursorSchema } from "./scheme-cursor-schemas";
import { valueMapTransferSchema } from "./value-map-schemas";

const isoTime = z.iso.datetime();
const uuid = z.uuid();
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
  .refine((v) => !DIGITS.test(v) || BigInt(v) <= MAX_BIGINT, "id 超出范围");

// ---------------------------------------------------------------------------------------
// Errors

export const API_ERROR_CODES = [
  "bad_request",
  "validation_failed",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "scheme_busy",
  "payload_too_large",
  "too_many_requests",
  "upstream_failed",
  "internal",
] as const;

export const apiIssueSchema = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
  messageEn: z.string().optional(),
  /** Offsets into the template the issue is about (editor highlighting). */
  start: z.number().int().optional(),
  end: z.number().int().optional(),
  nodeId: z.string().optional(),
  field: z.string().optional(),
  severity: z.enum(["error", "warning"]).optional(),
});
export type ApiIssue = z.infer<typeof apiIssueSchema>;

/** An issue's text in the reader's language (zh-CN always present, English when the server had it). */
export const issueText = (issue: ApiIssue, en: boolean): string => (en ? (issue.messageEn ?? issue.message) : issue.message);

export const apiErrorSchema = z.object({
  error: z.object({
    code: z.enum(API_ERROR_CODES),
    message: z.string(),
    issues: z.array(apiIssueSchema).optional(),
  }),
});

// ---------------------------------------------------------------------------------------
// Connectors (their metadata as @qiao/core declares it)

export const connectorListSchema = z.object({ connectors: z.array(connectorMetaSchema) });

// ---------------------------------------------------------------------------------------
// Connections

const connectionName = z.string().trim().min(1, "请填写名称").max(100, "名称最多 100 个字符");
const baseUrl = z
  .string()
  .trim()
  .url("请填写完整的接口地址，例如 https://erp.example.com/k3cloud/")
  .refine((u) => /^https?:\/\//i.test(u), "接口地址应以 http:// 或 https:// 开头");
const credentials = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

export const connectionSchema = z.object({
  id: uuid,
  platform: z.string(),
  name: z.string(),
  baseUrl: z.string(),
  /** Non-secret credential fields. */
  settings: z.record(z.string(), z.unknown()),
  /** Secret credential fields: whether a value is stored. The value itself never leaves the server. */
  secrets: z.record(z.string(), z.boolean()),
  /** The stored secrets cannot be decrypted (key removed, row altered): they must be typed again. */
  secretsUnreadable: z.boolean(),
  /** Schemes whose definition uses this connection. */
  usedBy: z.array(z.object({ id: uuid, name: z.string() })),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type ConnectionDto = z.infer<typeof connectionSchema>;

export const connectionListSchema = z.object({ connections: z.array(connectionSchema) });

export const createConnectionBody = z.object({
  platform: z.string().min(1).max(64),
  name: connectionName,
  baseUrl,
  credentials,
});

/** Secret fields left blank keep their stored value, unless baseUrl changes: then every stored secret must be typed again. */
export const updateConnectionBody = z.object({
  name: connectionName.optional(),
  baseUrl: baseUrl.optional(),
  credentials: credentials.optional(),
});

/** Test a saved connection; values given here are laid over the stored ones (blank secret = stored, unless baseUrl changes). */
export const testConnectionBody = z.object({
  baseUrl: baseUrl.optional(),
  credentials: credentials.optional(),
});

/** Test credentials that are not saved yet. */
export const testNewConnectionBody = createConnectionBody.omit({ name: true });

export const connectionTestResultSchema = z.object({
  ok: z.boolean(),
  message: z.string(),
  /** ConnectorError kind when the test failed (auth, network, timeout …). */
  kind: z.string().optional(),
  durationMs: z.number().int(),
});

// ---------------------------------------------------------------------------------------
// Runs

export const RUN_STATUSES = ["queued", "running", "succeeded", "partial", "failed", "cancelled"] as const;
import { RUN_TRIGGERS } from "@qiao/core";
export { RUN_TRIGGERS };
export const RUN_PHASES = ["queued", "reading", "writing", "finishing", "done"] as const;
export const RECORD_STATUSES = ["pending", "sending", "unknown", "written", "saved", "failed", "stale", "waiting"] as const;

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
  cursor: z.string().max(100).optional(),
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

export const startRunBody = z.object({
  /** Also accepted as the Idempotency-Key header. */
  idempotencyKey: idempotencyKeySchema.optional(),
});

export const testSchemeBody = z.object({
  /** Source records to sample (one page at most). */
  sampleSize: z.int().min(1).max(50).default(10),
  /** How many of them to really write (0 = dry run). */
  writeCount: z.int().min(0).max(10).default(0),
  /** How long the request waits for the test run to finish before answering with it unfinished. */
  waitMs: z.int().min(0).max(30_000).default(25_000),
});

export const retryRunBody = z.object({
  /** RunRecord ids to retry; absent = every failed record of the run. */
  recordIds: z.array(bigId).min(1).max(1000).optional(),
});

export const runEnvelopeSchema = z.object({ run: runSchema });
export const runDetailEnvelopeSchema = z.object({ run: runDetailSchema });

// ---------------------------------------------------------------------------------------
// Schemes

export { schemeDefinitionSchema };

const schemeName = z.string().trim().min(1, "请填写方案名称").max(200, "名称最多 200 个字符");

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

/** A definition saves a new version; `enabled` alone switches the schedule on or off. */
export const updateSchemeBody = z.object({
  name: schemeName.optional(),
  description: z.string().max(2000).optional(),
  definition: schemeDefinitionSchema.optional(),
  enabled: z.boolean().optional(),
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

export const okSchema = z.object({ ok: z.literal(true) });

export * from "./account-schemas";
export * from "./failed-record-schemas";
export * from "./value-map-schemas";
export * from "./reconciliation-schemas";
export * from "./alert-schemas";
export * from "./scheme-cursor-schemas";
