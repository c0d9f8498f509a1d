// Staging ("数据湖") and per-record outcomes: the bulk statements of the engine's write protocol.
// Every function is one SQL statement (CTEs keep a record's staging row and its RunRecord in step
// atomically), fed with a JSON array so a page or batch costs one round trip whatever its size.
import { hash } from "node:crypto";
import type { WriteMode } from "@qiao/core";
import { Prisma } from "../../generated/prisma/client";
import type { RunStatus } from "../../generated/prisma/enums";
import { hotQuery, type Db } from "../client";

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
  /** Records sent with their data: new, or changed in data or payload (the rest were unchanged). */
  changed: number;
  /** With `progress`: the run after its counters were added (see reportProgress). */
  run?: RunAfterBatch;
  /**
   * The page's rows that are `pending` now (new, changed, or left pending), with their ids: the
   * engine writes them from the payloads it just mapped instead of reading them back. Rows being
   * sent are counted in `toWrite` but not listed: the write protocol's recovery owns them.
   */
  pending: { id: bigint; sourceId: string }[];
}

type StageCounts = Omit<StagePageResult, "pending" | "changed">;

interface StageRow extends StageCounts {
  pendingIds: string[] | null;
  pendingSourceIds: string[] | null;
  cancelRequested: boolean | null;
  attempt: number | null;
  status: RunStatus | null;
}

function stageResult(rows: StageRow[], changed: number): StagePageResult {
  const row = rows[0]!;
  const ids = row.pendingIds ?? [];
  const sourceIds = row.pendingSourceIds ?? [];
  return {
    toWrite: row.toWrite,
    unchanged: row.unchanged,
    stale: row.stale,
    failedUnchanged: row.failedUnchanged,
    inserted: row.inserted,
    changed,
    pending: ids.map((id, i) => ({ id: BigInt(id), sourceId: sourceIds[i]! })),
    ...(row.attempt !== null && { run: { cancelRequested: row.cancelRequested ?? false, attempt: row.attempt, status: row.status! } }),
  };
}

/**
 * The page's counts and pending rows, from `outcome` (source_id, id, status, inserted); with
 * progress (parameter $progress = true) added to the run's counters in the same statement, as
 * reportProgress would: total, fetched + $fetched, skipped + $skipped + the page's skipped rows.
 */
function stageSummary(p: { runId: string; progress: string; total: string; fetched: string; skipped: string; now: string; also?: string }): string {
  return `, summary AS (
      SELECT
        count(*) FILTER (WHERE status IN ('pending', 'sending'))::int AS "toWrite",
        count(*) FILTER (WHERE status = 'written')::int AS "unchanged",
        count(*) FILTER (WHERE status = 'stale')::int AS "stale",
        count(*) FILTER (WHERE status = 'failed')::int AS "failedUnchanged",
        count(*) FILTER (WHERE inserted)::int AS "inserted",
        array_agg(id::text ORDER BY id) FILTER (WHERE status = 'pending') AS "pendingIds",
        array_agg(source_id ORDER BY id) FILTER (WHERE status = 'pending') AS "pendingSourceIds"
      FROM outcome
    ), counted AS (
      UPDATE runs SET
        phase = 'reading',
        total = ${p.total}::int,
        fetched = fetched + ${p.fetched}::int,
        skipped = skipped + ${p.skipped}::int + (SELECT "unchanged" + "stale" + "failedUnchanged" FROM summary),
        updated_at = ${p.now}::timestamp
      WHERE id = ${p.runId}::uuid AND ${p.progress}::boolean
      RETURNING cancel_requested, attempt, status
    )
    SELECT m.*, r.cancel_requested AS "cancelRequested", r.attempt, r.status::text AS status${p.also ? `, ${p.also}` : ""}
    FROM summary m LEFT JOIN counted r ON true`;
}

/**
 * Upserts one page of source records by (scheme, source id). A row's status follows the hash of
 * its mapped payload: equal to the written hash → written (skipped); changed after being written →
 * stale in create mode, pending in upsert mode; new → pending. Rows whose data and hash did not
 * change are not rewritten at all (a large scheme read every few minutes must not churn the table).
 * Rows being sent keep their status: the recovery of the write protocol owns them.
 *
 * A record's data is compared by the md5 of its JSON text (`data_hash`), never as jsonb. With
 * `probe`, the page's ids and data hashes go first: a record whose data is unchanged and whose
 * payload was mapped with the same `mappingKey` keeps its payload hash without being mapped again,
 * and only new or changed records are mapped and sent with their data. What a rerun of an unchanged
 * source costs is one index probe per record and a few bytes. Without `probe`, everything is mapped
 * and goes in one statement (cheaper when most of the page is new; the engine picks by the page
 * before).
 */
export async function stagePage(
  db: Db,
  input: {
    schemeId: string;
    runId: string;
    mode: WriteMode;
    records: StagedRecord[];
    /**
     * The hash of record i's mapped payload (see the engine's payloadHash). Asked only for the
     * records staging sends: with `probe`, a record whose data and mapping are unchanged is not
     * mapped at all.
     */
    payloadHash: (index: number) => string;
    /**
     * What the payloads are mapped with: the mapping and the values of the variables it uses
     * (the engine's mappingKey). Kept on each row as `mapped_with`.
     */
    mappingKey: string;
    probe?: boolean;
    /** Adds the page to the run's counters in the same statement (the source's total, the records read). */
    /**
     * Adds to the run's counters in the same statement: the source's total, `fetched` records read
     * and `skipped` skipped (besides this page's skipped rows, which the statement counts).
     */
    progress?: { total: number | null; fetched: number; skipped: number };
  },
): Promise<StagePageResult> {
  const texts = input.records.map((r) => JSON.stringify(r.data));
  const hashes = texts.map((t) => hash("md5", t, "hex"));
  const { progress } = input;
  const now = new Date().toISOString();
  let send = input.records.map((_, i) => i);
  let probed: (StageRow & { changed: string[] | null }) | undefined;
  let fetched = progress?.fetched ?? 0;
  let skipped = progress?.skipped ?? 0;
  if (input.probe) {
    const rows = await hotQuery<StageRow & { changed: string[] | null }>(
      db,
      `WITH current AS (
        SELECT i.source_id, s.id, s.status,
          s.id IS NULL OR s.data_hash IS DISTINCT FROM i.data_hash OR s.mapped_with IS DISTINCT FROM $4
            OR (s.status = 'stale' AND $5::text = 'upsert') AS changed
        FROM unnest($2::text[], $3::text[]) AS i(source_id, data_hash)
        LEFT JOIN LATERAL (
          SELECT id, status, data_hash, mapped_with FROM source_records
          WHERE scheme_id = $1::uuid AND source_id = i.source_id
          LIMIT 1
        ) s ON true
      ), outcome AS (
        SELECT source_id, id, status, false AS inserted FROM current WHERE NOT changed
      )
      ${stageSummary({
        runId: "$6",
        progress: "$7",
        total: "$8",
        fetched: "$9",
        skipped: "$11",
        now: "$10",
        also: "(SELECT array_agg(source_id) FROM current WHERE changed) AS changed",
      })}`,
      [
        input.schemeId,
        input.records.map((r) => r.sourceId),
        hashes,
        input.mappingKey,
        input.mode,
        input.runId,
        progress !== undefined,
        progress?.total ?? null,
        progress?.fetched ?? 0,
        now,
        progress?.skipped ?? 0,
      ],
    );
    probed = rows[0]!;
    const changed = new Set(probed.changed ?? []);
    send = send.filter((i) => changed.has(input.records[i]!.sourceId));
    if (send.length === 0) return stageResult([probed], 0);
    // The page was counted as read by the probe: the upsert adds only its own skipped rows.
    fetched = 0;
    skipped = 0;
  }
  // The records' JSON texts are spliced in as they are (not stringified a second time).
  const json = `[${send
    .map((i) => `{"source_id":${JSON.stringify(input.records[i]!.sourceId)},"payload_hash":"${input.payloadHash(i)}","data_hash":"${hashes[i]}","data":${texts[i]}}`)
    .join(",")}]`;
  const rows = await hotQuery<StageRow>(
    db,
    `WITH input AS (
      SELECT t.source_id, t.payload_hash, t.data_hash, t.data::text AS data_text
      FROM json_to_recordset($1::json) AS t(source_id text, payload_hash text, data_hash text, data json)
    ), upserted AS (
      -- The page's records are new or changed (staging probed them first), or mostly new (a first
      -- run): they go straight to the upsert, whose WHERE leaves unchanged rows as they are.
      INSERT INTO source_records AS s (scheme_id, source_id, data, data_hash, payload_hash, mapped_with, status, last_run_id, created_at, updated_at)
      SELECT $2::uuid, i.source_id, i.data_text::json, i.data_hash, i.payload_hash, $9, 'pending', $3::uuid, $5::timestamp, $5::timestamp
      FROM input i
      ON CONFLICT (scheme_id, source_id) DO UPDATE SET
        data = EXCLUDED.data,
        data_hash = EXCLUDED.data_hash,
        payload_hash = EXCLUDED.payload_hash,
        mapped_with = EXCLUDED.mapped_with,
        status = CASE
          WHEN s.status = 'sending' THEN s.status
          WHEN s.written_hash = EXCLUDED.payload_hash THEN 'written'::record_status
          WHEN s.status = 'failed' AND s.payload_hash = EXCLUDED.payload_hash THEN s.status
          WHEN s.written_hash IS NOT NULL AND $4::text = 'create' THEN 'stale'::record_status
          ELSE 'pending'::record_status END,
        last_run_id = EXCLUDED.last_run_id,
        updated_at = EXCLUDED.updated_at
      WHERE s.payload_hash IS DISTINCT FROM EXCLUDED.payload_hash
         OR s.data_hash IS DISTINCT FROM EXCLUDED.data_hash
         OR s.mapped_with IS DISTINCT FROM EXCLUDED.mapped_with
         OR (s.status = 'stale' AND $4::text = 'upsert')
      RETURNING s.id, s.source_id, s.status, (xmax = 0) AS inserted
    ), untouched AS (
      -- Rows that were there and did not change: their status as the statement found it. Only the
      -- records the upsert did not return are looked up (none on a page of new records); LATERAL …
      -- LIMIT 1 keeps it one probe of the (scheme, source id) index each.
      SELECT s.id, i.source_id, s.status, false AS inserted
      FROM input i CROSS JOIN LATERAL (
        SELECT id, status FROM source_records
        WHERE scheme_id = $2::uuid AND source_id = i.source_id
        LIMIT 1
      ) s
      WHERE NOT EXISTS (SELECT 1 FROM upserted u WHERE u.source_id = i.source_id)
    ), outcome AS (
      SELECT id, source_id, status, inserted FROM upserted
      UNION ALL
      SELECT id, source_id, status, inserted FROM untouched
    )
    ${stageSummary({ runId: "$3", progress: "$6", total: "$7", fetched: "$8", skipped: "$10", now: "$5" })}`,
    [json, input.schemeId, input.runId, input.mode, now, progress !== undefined, progress?.total ?? null, fetched, input.mappingKey, skipped],
  );
  const result = stageResult(rows, send.length);
  if (!probed) return result;
  // The probe's unchanged rows and the upsert's rows, together.
  const unchanged = stageResult([probed], 0);
  return {
    toWrite: unchanged.toWrite + result.toWrite,
    unchanged: unchanged.unchanged + result.unchanged,
    stale: unchanged.stale + result.stale,
    failedUnchanged: unchanged.failedUnchanged + result.failedUnchanged,
    inserted: result.inserted,
    changed: send.length,
    pending: [...unchanged.pending, ...result.pending],
    ...(result.run && { run: result.run }),
  };
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
  const rows = await hotQuery<{ id: string; sourceId: string; data: Record<string, unknown>; targetId: string | null; targetNumber: string | null }>(
    db,
    `SELECT id::text, source_id AS "sourceId", data, target_id AS "targetId", target_number AS "targetNumber"
    FROM source_records
    WHERE scheme_id = $1::uuid AND status = 'pending' AND id > $2::bigint AND ($4::uuid IS NULL OR last_run_id = $4::uuid)
    ORDER BY id
    LIMIT $3::int`,
    [input.schemeId, input.afterId.toString(), input.limit, input.runId ?? null],
  );
  return rows.map((r) => ({ ...r, id: BigInt(r.id) }));
}

export interface SendingRecordInput {
  id: bigint;
  sourceId: string;
  /** The payload as handed to the target connector (kept on the RunRecord). */
  payload: Record<string, unknown>;
  /** Its hash: the row's payload hash from now on (see recordWriteResults). */
  hash: string;
}

/**
 * Step 1 of the write protocol: marks pending records `sending` in batch `batchId`, with the
 * payload about to be sent (and its hash) and the run sending it on the staging row (what the
 * lookup after an interrupted write needs), before the target is called. No RunRecord yet: it is
 * written once, with the answer (recordWriteResults) or the lookup's verdict (resolveSending).
 * Fenced by the run's attempt and by its cancellation: a worker that was replaced (its job stalled
 * and another worker resumed the run), or a run whose cancellation was requested, marks nothing.
 * Returns the ids actually marked; only those may be sent.
 */
export async function markSending(
  db: Db,
  input: { schemeId: string; runId: string; attempt: number; batchId: string; records: SendingRecordInput[]; mappingKey: string },
): Promise<Set<bigint>> {
  const sent = JSON.stringify(Object.fromEntries(input.records.map((r) => [r.id.toString(), { h: r.hash, p: r.payload }])));
  const rows = await hotQuery<{ id: string }>(
    db,
    `WITH sent AS MATERIALIZED (SELECT $1::jsonb AS m)
    -- Looked up by primary key: joined to the input, or with "scheme_id =" (indexable), the planner
    -- walked every pending row of the scheme for each batch, quadratic in a large run's size. The
    -- payload and its hash are picked from one JSON object by id (an InitPlan evaluated once), not joined.
    UPDATE source_records s SET
      status = 'sending', batch_id = $2, attempts = s.attempts + 1,
      payload_hash = (SELECT m FROM sent) -> (s.id::text) ->> 'h', mapped_with = $8,
      last_run_id = $3::uuid, sending_run_id = $3::uuid,
      sending_payload = (SELECT m FROM sent) -> (s.id::text) -> 'p',
      updated_at = $6::timestamp
    WHERE s.id = ANY($7::bigint[])
      AND s.scheme_id IS NOT DISTINCT FROM $4::uuid AND s.status = 'pending'
      AND EXISTS (
        SELECT 1 FROM runs r
        WHERE r.id = $3::uuid AND r.attempt = $5::int AND r.status = 'running' AND NOT r.cancel_requested)
    RETURNING s.id::text`,
    [sent, input.batchId, input.runId, input.schemeId, input.attempt, new Date().toISOString(), input.records.map((r) => r.id.toString()), input.mappingKey],
    // Durable before the call: this commit is what stops a record from being sent twice.
    true,
  );
  return new Set(rows.map((r) => BigInt(r.id)));
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
 * marked. A record staged again with a changed payload while its batch was in flight (the same
 * source id on two pages of one read) is not `written` with the older payload: it becomes
 * pending again (stale in create mode once written). `alsoFailed` (the batch's mapping failures,
 * already recorded) is added to the run's failed counter. Returns the counts and the run's
 * attempt, status and cancellation flag.
 */
export async function recordWriteResults(
  db: Db,
  input: { runId: string; batchId: string; mode: WriteMode; results: WriteResult[]; alsoFailed?: number },
): Promise<{ written: number; failed: number; run: RunAfterBatch }> {
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
  const rows = await hotQuery<{ written: number; failed: number; cancelRequested: boolean; attempt: number | null; status: RunStatus }>(
    db,
    `WITH input AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb)
        AS t(id bigint, ok boolean, hash text, target_id text, target_number text, error text, error_field text, response jsonb)
    ), sent AS (
      -- The statement's snapshot: the rows as marked, before the update below clears the payload.
      SELECT id, sending_payload FROM source_records
      WHERE id = ANY($2::bigint[])
    ), updated AS (
      UPDATE source_records s SET
        status = CASE
          WHEN s.payload_hash IS DISTINCT FROM i.hash THEN
            CASE WHEN i.ok AND $6::text = 'create' THEN 'stale'::record_status ELSE 'pending'::record_status END
          WHEN i.ok THEN 'written'::record_status
          ELSE 'failed'::record_status END,
        written_hash = CASE WHEN i.ok THEN i.hash ELSE s.written_hash END,
        target_id = COALESCE(i.target_id, s.target_id),
        target_number = COALESCE(i.target_number, s.target_number),
        last_error = CASE WHEN i.ok THEN NULL ELSE i.error END,
        batch_id = NULL, sending_payload = NULL, sending_run_id = NULL, updated_at = $5::timestamp
      FROM input i
      -- IS NOT DISTINCT FROM (not =) keeps the planner on the primary key, one probe per input row:
      -- through the batch_id index (estimated at one row) it rescanned the input for every row.
      WHERE s.id = i.id AND s.status = 'sending' AND s.batch_id IS NOT DISTINCT FROM $3
      RETURNING s.id, s.source_id, i.ok
    ), recorded AS (
      INSERT INTO run_records (run_id, source_record_id, source_id, status, error, error_field, payload, response, target_id, target_number, batch_id, created_at, updated_at)
      SELECT $4::uuid, i.id, u.source_id,
        CASE WHEN i.ok THEN 'written'::record_status ELSE 'failed'::record_status END,
        i.error, i.error_field, COALESCE(p.sending_payload, '{}'::jsonb), i.response, i.target_id, i.target_number,
        $3, $5::timestamp, $5::timestamp
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
        failed = failed + (SELECT failed FROM counts) + $7::int,
        updated_at = $5::timestamp
      WHERE id = $4::uuid
      RETURNING cancel_requested, attempt, status
    )
    SELECT c.written, c.failed, r.cancel_requested AS "cancelRequested", r.attempt, r.status::text AS status
    FROM counts c LEFT JOIN counted r ON true`,
    [json, input.results.map((r) => r.id.toString()), input.batchId, input.runId, new Date().toISOString(), input.mode, input.alsoFailed ?? 0],
  );
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
        status = 'failed', payload_hash = i.hash, mapped_with = NULL, last_error = i.error, batch_id = NULL,
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
      status = 'pending', payload_hash = i.hash, mapped_with = NULL, last_error = NULL, last_run_id = ${input.runId}::uuid, updated_at = ${now}::timestamp
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
