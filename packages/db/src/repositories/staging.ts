// Staging ("数据湖") and per-record outcomes: the bulk statements of the engine's write protocol.
// Every function is one SQL statement (CTEs keep a record's staging row and its RunRecord in step
// atomically), fed with a JSON array so a page or batch costs one round trip whatever its size.
import type { WriteMode } from "@qiao/core";
import { Prisma } from "../../generated/prisma/client";
import type { RunStatus } from "../../generated/prisma/enums";
import type { Db } from "../client";

/**
 * JSON for jsonb_to_recordset: a bigint `id` column as a string (JSON has no bigint). Not with a
 * replacer: it would make JSON.stringify call back into JS for every nested value of every record.
 */
function rowsJson(rows: readonly Record<string, unknown>[]): string {
  return JSON.stringify(rows.map((row) => (typeof row.id === "bigint" ? { ...row, id: row.id.toString() } : row)));
}

export interface StagedRecord {
  sourceId: string;
  data: Record<string, unknown>;
  /** Hash of the mapped target payload (see the engine's payloadHash). */
  payloadHash: string;
}

export interface StagePageResult {
  /** New, changed (upsert mode) or still pending: to be written. */
  toWrite: number;
  /** Unchanged since written. */
  unchanged: number;
  /** Changed after being written, but the scheme only creates. */
  stale: number;
  /** Still failed from an earlier run, unchanged (retried by a retry run, or when it changes). */
  failedUnchanged: number;
  /** Rows seen for the first time. */
  inserted: number;
}

/**
 * Upserts one page of source records by (scheme, source id). A row's status follows the hash of
 * its mapped payload: equal to the written hash → written (skipped); changed after being written →
 * stale in create mode, pending in upsert mode; new → pending. Rows whose data and hash did not
 * change are not rewritten at all (a large scheme read every few minutes must not churn the table).
 * Rows being sent keep their status: the recovery of the write protocol owns them.
 */
export async function stagePage(
  db: Db,
  input: { schemeId: string; runId: string; mode: WriteMode; records: StagedRecord[] },
): Promise<StagePageResult> {
  const now = new Date();
  const rows = await db.$queryRaw<StagePageResult[]>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${rowsJson(input.records.map((r) => ({ source_id: r.sourceId, data: r.data, payload_hash: r.payloadHash })))}::jsonb)
        AS t(source_id text, data jsonb, payload_hash text)
    ), current AS (
      -- LATERAL … LIMIT 1 (not a join, which the planner may flatten it back into): one probe of the
      -- (scheme, source id) index per record whatever the statistics say; a join was planned as a
      -- scan of all the scheme's rows per page when they were stale.
      SELECT i.*, s.status AS old_status, s.id IS NOT NULL AS known,
        s.id IS NULL OR s.payload_hash IS DISTINCT FROM i.payload_hash OR s.data IS DISTINCT FROM i.data
          OR (s.status = 'stale' AND ${input.mode}::text = 'upsert') AS changed
      FROM input i LEFT JOIN LATERAL (
        SELECT id, status, payload_hash, data FROM source_records
        WHERE scheme_id = ${input.schemeId}::uuid AND source_id = i.source_id
        LIMIT 1
      ) s ON true
    ), upserted AS (
      -- Only new and changed rows reach the upsert: ON CONFLICT locks every row it meets, so an
      -- unchanged page would still write (row locks) and its commit wait for a WAL flush.
      INSERT INTO source_records AS s (scheme_id, source_id, data, payload_hash, status, last_run_id, created_at, updated_at)
      SELECT ${input.schemeId}::uuid, c.source_id, c.data, c.payload_hash, 'pending', ${input.runId}::uuid, ${now}::timestamp, ${now}::timestamp
      FROM current c WHERE c.changed
      ON CONFLICT (scheme_id, source_id) DO UPDATE SET
        data = EXCLUDED.data,
        payload_hash = EXCLUDED.payload_hash,
        status = CASE
          WHEN s.status = 'sending' THEN s.status
          WHEN s.written_hash = EXCLUDED.payload_hash THEN 'written'::record_status
          WHEN s.status = 'failed' AND s.payload_hash = EXCLUDED.payload_hash THEN s.status
          WHEN s.written_hash IS NOT NULL AND ${input.mode}::text = 'create' THEN 'stale'::record_status
          ELSE 'pending'::record_status END,
        last_run_id = EXCLUDED.last_run_id,
        updated_at = EXCLUDED.updated_at
      WHERE s.payload_hash IS DISTINCT FROM EXCLUDED.payload_hash
         OR s.data IS DISTINCT FROM EXCLUDED.data
         OR (s.status = 'stale' AND ${input.mode}::text = 'upsert')
      RETURNING s.source_id, s.status, (xmax = 0) AS inserted
    ), outcome AS (
      SELECT u.status, u.inserted FROM upserted u
      UNION ALL
      -- rows left untouched: their status as the statement found it
      SELECT c.old_status, false FROM current c
      WHERE c.known AND NOT EXISTS (SELECT 1 FROM upserted u WHERE u.source_id = c.source_id)
    )
    SELECT
      count(*) FILTER (WHERE status IN ('pending', 'sending'))::int AS "toWrite",
      count(*) FILTER (WHERE status = 'written')::int AS "unchanged",
      count(*) FILTER (WHERE status = 'stale')::int AS "stale",
      count(*) FILTER (WHERE status = 'failed')::int AS "failedUnchanged",
      count(*) FILTER (WHERE inserted)::int AS "inserted"
    FROM outcome`;
  return rows[0]!;
}

export interface PendingRecord {
  id: bigint;
  sourceId: string;
  data: Record<string, unknown>;
  targetId: string | null;
  targetNumber: string | null;
}

/**
 * The next pending records of a scheme after `afterId` (keyset pagination by id). `runId` limits
 * them to records a retry or test run took over (`last_run_id`).
 */
export async function nextPendingRecords(
  db: Db,
  input: { schemeId: string; afterId: bigint; limit: number; runId?: string },
): Promise<PendingRecord[]> {
  const onlyRun = input.runId ? Prisma.sql`AND last_run_id = ${input.runId}::uuid` : Prisma.empty;
  return db.$queryRaw<PendingRecord[]>`
    SELECT id, source_id AS "sourceId", data, target_id AS "targetId", target_number AS "targetNumber"
    FROM source_records
    WHERE scheme_id = ${input.schemeId}::uuid AND status = 'pending' AND id > ${input.afterId} ${onlyRun}
    ORDER BY id
    LIMIT ${input.limit}`;
}

export interface SendingRecordInput {
  id: bigint;
  sourceId: string;
  /** The payload as handed to the target connector (kept on the RunRecord). */
  payload: Record<string, unknown>;
}

/**
 * Step 1 of the write protocol: marks pending records `sending` in batch `batchId`, with the
 * payload about to be sent and the run sending it on the staging row (what the lookup after an
 * interrupted write needs), before the target is called. No RunRecord yet: it is written once,
 * with the answer (recordWriteResults) or the lookup's verdict (resolveSending).
 * Fenced by the run's attempt and by its cancellation: a worker that was replaced (its job stalled
 * and another worker resumed the run), or a run whose cancellation was requested, marks nothing.
 * Returns the ids actually marked; only those may be sent.
 */
export async function markSending(
  db: Db,
  input: { schemeId: string; runId: string; attempt: number; batchId: string; records: SendingRecordInput[] },
): Promise<Set<bigint>> {
  const now = new Date();
  const payloads = JSON.stringify(Object.fromEntries(input.records.map((r) => [r.id.toString(), r.payload])));
  const rows = await db.$queryRaw<{ id: bigint }[]>`
    WITH payloads AS MATERIALIZED (SELECT ${payloads}::jsonb AS m)
    -- Looked up by primary key: joined to the input, or with "scheme_id =" (indexable), the planner
    -- walked every pending row of the scheme for each batch, quadratic in a large run's size. The
    -- payload is picked from one JSON object by id (an InitPlan evaluated once), not joined.
    UPDATE source_records s SET
      status = 'sending', batch_id = ${input.batchId}, attempts = s.attempts + 1,
      last_run_id = ${input.runId}::uuid, sending_run_id = ${input.runId}::uuid,
      sending_payload = (SELECT m FROM payloads) -> (s.id::text),
      updated_at = ${now}::timestamp
    WHERE s.id = ANY(${input.records.map((r) => r.id.toString())}::bigint[])
      AND s.scheme_id IS NOT DISTINCT FROM ${input.schemeId}::uuid AND s.status = 'pending'
      AND EXISTS (
        SELECT 1 FROM runs r
        WHERE r.id = ${input.runId}::uuid AND r.attempt = ${input.attempt} AND r.status = 'running' AND NOT r.cancel_requested)
    RETURNING s.id`;
  return new Set(rows.map((r) => r.id));
}

export interface WriteResult {
  id: bigint;
  ok: boolean;
  /** Hash of the payload that was sent (becomes the written hash when ok). */
  hash: string;
  targetId?: string | null;
  targetNumber?: string | null;
  error?: string | null;
  errorField?: string | null;
  response?: unknown;
}

/** The run after a batch's counters were added (see reportProgress). */
export interface RunAfterBatch {
  cancelRequested: boolean;
  attempt: number;
  status: RunStatus;
}

/**
 * Step 2 of the write protocol: the target's answer for a batch, in one statement with the run's
 * counters. Only records still `sending` in this batch are updated (if another worker already
 * recovered them, its verdict stands); each gets its RunRecord here, with the payload that was
 * marked. `alsoFailed` (the batch's mapping failures, already recorded) is added to the run's
 * failed counter. Returns the counts and the run's attempt, status and cancellation flag.
 */
export async function recordWriteResults(
  db: Db,
  input: { runId: string; batchId: string; results: WriteResult[]; alsoFailed?: number },
): Promise<{ written: number; failed: number; run: RunAfterBatch }> {
  const now = new Date();
  const json = rowsJson(
    input.results.map((r) => ({
      id: r.id,
      ok: r.ok,
      hash: r.hash,
      target_id: r.targetId ?? null,
      target_number: r.targetNumber ?? null,
      error: r.error ?? null,
      error_field: r.errorField ?? null,
      response: r.response ?? null,
    })),
  );
  const rows = await db.$queryRaw<{ written: number; failed: number; cancelRequested: boolean; attempt: number; status: RunStatus }[]>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${json}::jsonb)
        AS t(id bigint, ok boolean, hash text, target_id text, target_number text, error text, error_field text, response jsonb)
    ), sent AS (
      -- The statement's snapshot: the rows as marked, before the update below clears the payload.
      SELECT id, sending_payload FROM source_records
      WHERE id = ANY(${input.results.map((r) => r.id.toString())}::bigint[])
    ), updated AS (
      UPDATE source_records s SET
        status = CASE WHEN i.ok THEN 'written'::record_status ELSE 'failed'::record_status END,
        payload_hash = i.hash,
        written_hash = CASE WHEN i.ok THEN i.hash ELSE s.written_hash END,
        target_id = COALESCE(i.target_id, s.target_id),
        target_number = COALESCE(i.target_number, s.target_number),
        last_error = CASE WHEN i.ok THEN NULL ELSE i.error END,
        batch_id = NULL, sending_payload = NULL, sending_run_id = NULL, updated_at = ${now}::timestamp
      FROM input i
      -- IS NOT DISTINCT FROM (not =) keeps the planner on the primary key, one probe per input row:
      -- through the batch_id index (estimated at one row) it rescanned the input for every row.
      WHERE s.id = i.id AND s.status = 'sending' AND s.batch_id IS NOT DISTINCT FROM ${input.batchId}
      RETURNING s.id, s.source_id, i.ok
    ), recorded AS (
      INSERT INTO run_records (run_id, source_record_id, source_id, status, error, error_field, payload, response, target_id, target_number, batch_id, created_at, updated_at)
      SELECT ${input.runId}::uuid, i.id, u.source_id,
        CASE WHEN i.ok THEN 'written'::record_status ELSE 'failed'::record_status END,
        i.error, i.error_field, COALESCE(p.sending_payload, '{}'::jsonb), i.response, i.target_id, i.target_number,
        ${input.batchId}, ${now}::timestamp, ${now}::timestamp
      FROM input i JOIN updated u ON u.id = i.id LEFT JOIN sent p ON p.id = i.id
      -- The same record attempted again in this run (released, or looked up absent, then resent).
      ON CONFLICT (run_id, source_record_id) DO UPDATE SET
        status = EXCLUDED.status, error = EXCLUDED.error, error_field = EXCLUDED.error_field, payload = EXCLUDED.payload,
        response = EXCLUDED.response, target_id = EXCLUDED.target_id, target_number = EXCLUDED.target_number,
        batch_id = EXCLUDED.batch_id, updated_at = EXCLUDED.updated_at
    ), counts AS (
      SELECT count(*) FILTER (WHERE ok)::int AS written, count(*) FILTER (WHERE NOT ok)::int AS failed FROM updated
    ), counted AS (
      UPDATE runs SET
        written = written + (SELECT written FROM counts),
        failed = failed + (SELECT failed FROM counts) + ${input.alsoFailed ?? 0}::int,
        updated_at = ${now}::timestamp
      WHERE id = ${input.runId}::uuid
      RETURNING cancel_requested, attempt, status
    )
    SELECT c.written, c.failed, r.cancel_requested AS "cancelRequested", r.attempt, r.status
    FROM counts c LEFT JOIN counted r ON true`;
  const row = rows[0]!;
  if (row.attempt === null) throw new Error(`Run ${input.runId} does not exist`);
  return { written: row.written, failed: row.failed, run: { cancelRequested: row.cancelRequested, attempt: row.attempt, status: row.status } };
}

export interface MappingFailure {
  id: bigint;
  sourceId: string;
  hash: string;
  payload: Record<string, unknown>;
  error: string;
  errorField: string | null;
}

/** Pending records whose mapping failed: failed with a RunRecord, the target is not called. */
export async function recordMappingFailures(db: Db, input: { runId: string; failures: MappingFailure[] }): Promise<number> {
  if (input.failures.length === 0) return 0;
  const now = new Date();
  const json = rowsJson(
    input.failures.map((f) => ({ id: f.id, source_id: f.sourceId, hash: f.hash, payload: f.payload, error: f.error, error_field: f.errorField })),
  );
  const rows = await db.$queryRaw<{ failed: number }[]>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${json}::jsonb)
        AS t(id bigint, source_id text, hash text, payload jsonb, error text, error_field text)
    ), updated AS (
      UPDATE source_records s SET
        status = 'failed', payload_hash = i.hash, last_error = i.error, batch_id = NULL,
        last_run_id = ${input.runId}::uuid, updated_at = ${now}::timestamp
      FROM input i WHERE s.id = i.id AND s.status = 'pending'
      RETURNING s.id
    ), recorded AS (
      INSERT INTO run_records (run_id, source_record_id, source_id, status, error, error_field, payload, created_at, updated_at)
      SELECT ${input.runId}::uuid, i.id, i.source_id, 'failed', i.error, i.error_field, i.payload, ${now}::timestamp, ${now}::timestamp
      FROM input i JOIN updated u ON u.id = i.id
      ON CONFLICT (run_id, source_record_id) DO UPDATE SET
        status = 'failed', error = EXCLUDED.error, error_field = EXCLUDED.error_field, payload = EXCLUDED.payload,
        response = NULL, batch_id = NULL, target_id = NULL, target_number = NULL, updated_at = EXCLUDED.updated_at
    )
    SELECT count(*)::int AS failed FROM updated`;
  return rows[0]!.failed;
}

export interface SendingRecord {
  id: bigint;
  sourceId: string;
  batchId: string | null;
  /** The payload that was being sent (recorded when marked), null if none was recorded. */
  payload: Record<string, unknown> | null;
}

/** Records of a scheme left `sending` by an interrupted write (keyset by id), with the payload marked. */
export async function sendingRecords(db: Db, input: { schemeId: string; afterId: bigint; limit: number }): Promise<SendingRecord[]> {
  return db.$queryRaw<SendingRecord[]>`
    SELECT s.id, s.source_id AS "sourceId", s.batch_id AS "batchId", s.sending_payload AS payload
    FROM source_records s
    WHERE s.scheme_id = ${input.schemeId}::uuid AND s.status = 'sending' AND s.id > ${input.afterId}
    ORDER BY s.id
    LIMIT ${input.limit}`;
}

export interface SendingVerdict {
  id: bigint;
  batchId: string | null;
  /**
   * found: the target has the record's number (written); absent: it does not (pending again);
   * unverifiable: no number to look up (failed: resending could create a duplicate).
   */
  outcome: "found" | "absent" | "unverifiable";
  /** Hash of the payload that was being sent. */
  sentHash: string | null;
  targetId?: string | null;
  targetNumber?: string | null;
}

/**
 * The recovery step of the write protocol for records left `sending`: found in the target →
 * written (stale in create mode if their data changed meanwhile, pending in upsert mode);
 * absent → pending again; unverifiable → failed. Their RunRecords get the verdict; the messages
 * explain to a person why a RunRecord says failed.
 */
export async function resolveSending(
  db: Db,
  input: { mode: WriteMode; verdicts: SendingVerdict[]; messages: { absent: string; unverifiable: string } },
): Promise<{ written: number; requeued: number; failed: number }> {
  if (input.verdicts.length === 0) return { written: 0, requeued: 0, failed: 0 };
  const now = new Date();
  const json = rowsJson(
    input.verdicts.map((v) => ({
      id: v.id,
      batch_id: v.batchId,
      outcome: v.outcome,
      sent_hash: v.sentHash,
      target_id: v.targetId ?? null,
      target_number: v.targetNumber ?? null,
    })),
  );
  const rows = await db.$queryRaw<{ written: number; requeued: number; failed: number }[]>`
    WITH input AS (
      SELECT *, CASE outcome WHEN 'absent' THEN ${input.messages.absent} WHEN 'unverifiable' THEN ${input.messages.unverifiable} END AS message
      FROM jsonb_to_recordset(${json}::jsonb)
        AS t(id bigint, batch_id text, outcome text, sent_hash text, target_id text, target_number text)
    ), sent AS (
      -- The statement's snapshot: the rows as marked, before the update below clears the payload.
      SELECT id, source_id, sending_payload, sending_run_id FROM source_records
      WHERE id = ANY(${input.verdicts.map((v) => v.id.toString())}::bigint[])
    ), updated AS (
      UPDATE source_records s SET
        status = CASE
          WHEN i.outcome = 'absent' THEN 'pending'::record_status
          WHEN i.outcome = 'unverifiable' THEN 'failed'::record_status
          WHEN s.payload_hash = i.sent_hash THEN 'written'::record_status
          WHEN ${input.mode}::text = 'create' THEN 'stale'::record_status
          ELSE 'pending'::record_status END,
        written_hash = CASE WHEN i.outcome = 'found' THEN i.sent_hash ELSE s.written_hash END,
        target_id = CASE WHEN i.outcome = 'found' THEN i.target_id ELSE s.target_id END,
        target_number = CASE WHEN i.outcome = 'found' THEN i.target_number ELSE s.target_number END,
        last_error = CASE WHEN i.outcome = 'unverifiable' THEN i.message END,
        batch_id = NULL, sending_payload = NULL, sending_run_id = NULL, updated_at = ${now}::timestamp
      FROM input i
      -- Only the batch the verdict was made for (a row marked again since is another batch's).
      WHERE s.id = i.id AND s.status = 'sending' AND s.batch_id IS NOT DISTINCT FROM i.batch_id
      RETURNING s.id, i.outcome
    ), recorded AS (
      -- The RunRecord of the run that sent it, with the payload it sent and the verdict.
      INSERT INTO run_records (run_id, source_record_id, source_id, status, error, payload, response, target_id, target_number, batch_id, created_at, updated_at)
      SELECT p.sending_run_id, i.id, p.source_id,
        CASE WHEN i.outcome = 'found' THEN 'written'::record_status ELSE 'failed'::record_status END,
        i.message, p.sending_payload,
        jsonb_build_object('recovered', true, 'outcome', i.outcome, 'targetId', i.target_id),
        i.target_id, i.target_number, i.batch_id, ${now}::timestamp, ${now}::timestamp
      FROM input i JOIN updated u ON u.id = i.id JOIN sent p ON p.id = i.id
      WHERE p.sending_payload IS NOT NULL AND EXISTS (SELECT 1 FROM runs r WHERE r.id = p.sending_run_id)
      ON CONFLICT (run_id, source_record_id) DO UPDATE SET
        status = EXCLUDED.status, error = EXCLUDED.error, error_field = NULL, payload = EXCLUDED.payload,
        response = EXCLUDED.response, target_id = EXCLUDED.target_id, target_number = EXCLUDED.target_number,
        batch_id = EXCLUDED.batch_id, updated_at = EXCLUDED.updated_at
    )
    SELECT
      count(*) FILTER (WHERE outcome = 'found')::int AS written,
      count(*) FILTER (WHERE outcome = 'absent')::int AS requeued,
      count(*) FILTER (WHERE outcome = 'unverifiable')::int AS failed
    FROM updated`;
  return rows[0]!;
}

/**
 * Records a batch call put back to pending because the target certainly did not process it
 * (refused credentials, throttled, malformed request).
 */
export async function releaseSending(db: Db, input: { schemeId: string; batchId: string; runId: string }): Promise<number> {
  // Found through (scheme_id, status, id): only the batch in flight is `sending` (there is no
  // batch_id index). No RunRecord to drop: one is written only with an answer or a verdict.
  return db.$executeRaw`
    UPDATE source_records SET status = 'pending', batch_id = NULL, sending_payload = NULL, sending_run_id = NULL, updated_at = ${new Date()}::timestamp
    WHERE scheme_id = ${input.schemeId}::uuid AND status = 'sending' AND batch_id = ${input.batchId}
      AND sending_run_id IS NOT DISTINCT FROM ${input.runId}::uuid`;
}

export interface FailedRecord {
  id: bigint;
  sourceId: string;
  data: Record<string, unknown>;
}

/**
 * Failed records to retry: those that failed in run `retryOfId` and are still failed, or every
 * failed record of the scheme, optionally only `onlyIds` among them (keyset by id).
 * `excludeRunId` (the retry run itself) keeps a resumed retry from trying again what it tried.
 */
export async function failedRecords(
  db: Db,
  input: { schemeId: string; retryOfId?: string | null; onlyIds?: bigint[]; excludeRunId: string; afterId: bigint; limit: number },
): Promise<FailedRecord[]> {
  const only = input.onlyIds ? Prisma.sql`AND s.id = ANY(${input.onlyIds.map(String)}::bigint[])` : Prisma.empty;
  const ofRun = input.retryOfId
    ? Prisma.sql`AND EXISTS (SELECT 1 FROM run_records r WHERE r.run_id = ${input.retryOfId}::uuid AND r.source_record_id = s.id AND r.status = 'failed')`
    : Prisma.empty;
  return db.$queryRaw<FailedRecord[]>`
    SELECT s.id, s.source_id AS "sourceId", s.data
    FROM source_records s
    WHERE s.scheme_id = ${input.schemeId}::uuid AND s.status = 'failed' AND s.id > ${input.afterId}
      AND s.last_run_id IS DISTINCT FROM ${input.excludeRunId}::uuid ${ofRun} ${only}
    ORDER BY s.id
    LIMIT ${input.limit}`;
}

/**
 * Hands failed records over to a retry run: pending again, with the hash of their re-mapped
 * payload and `last_run_id` = the run, so its write phase takes exactly them.
 */
export async function assignFailedToRun(
  db: Db,
  input: { schemeId: string; runId: string; records: { id: bigint; hash: string }[] },
): Promise<number> {
  if (input.records.length === 0) return 0;
  const now = new Date();
  return db.$executeRaw`
    WITH input AS (SELECT * FROM jsonb_to_recordset(${rowsJson(input.records)}::jsonb) AS t(id bigint, hash text))
    UPDATE source_records s SET
      status = 'pending', payload_hash = i.hash, last_error = NULL, last_run_id = ${input.runId}::uuid, updated_at = ${now}::timestamp
    FROM input i
    WHERE s.id = i.id AND s.scheme_id = ${input.schemeId}::uuid AND s.status = 'failed'`;
}

/** Hands pending records (by source id) over to a test run that writes its first N records. */
export async function assignPendingToRun(
  db: Db,
  input: { schemeId: string; runId: string; sourceIds: string[] },
): Promise<number> {
  if (input.sourceIds.length === 0) return 0;
  return db.$executeRaw`
    UPDATE source_records SET last_run_id = ${input.runId}::uuid
    WHERE scheme_id = ${input.schemeId}::uuid AND source_id = ANY(${input.sourceIds}::text[]) AND status = 'pending'`;
}
