// Staging ("数据湖"): the records a write or retry takes from it. Every function is one SQL
// statement. Pages are staged by ./stage-page.ts; the write protocol's statements are in
// ./write-protocol.ts, the lookup of unknown outcomes in ./outcomes.ts and ./resolve-unknown.ts.
import { Prisma } from "../../generated/prisma/client";
import { hotQuery, type Db } from "../client";
import { fenceCte, rowsJson } from "./sql";

export interface PendingRecord {
  id: bigint;
  sourceId: string;
  data: Record<string, unknown>;
  /** The hash of `data` as staged (see markSending). */
  dataHash: string;
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
  const rows = await hotQuery<{ id: string; sourceId: string; data: Record<string, unknown>; dataHash: string; targetId: string | null; targetNumber: string | null }>(
    db,
    `SELECT s.id::text AS id, s.source_id AS "sourceId", s.data, s.data_hash AS "dataHash", s.target_id AS "targetId", s.target_number AS "targetNumber"
    FROM source_records s
    WHERE s.scheme_id = $1::uuid AND s.status = 'pending' AND s.id > $2::bigint AND ($4::uuid IS NULL OR s.last_run_id = $4::uuid)
    -- By the column, not the output: "ORDER BY id" sorted the text id ('10' < '9'), and the keyset
    -- (id > the last one) then skipped the smaller ids of a scattered set of pending rows.
    ORDER BY s.id
    LIMIT $3::int`,
    [input.schemeId, input.afterId.toString(), input.limit, input.runId ?? null],
  );
  return rows.map((r) => ({ ...r, id: BigInt(r.id) }));
}

export interface FailedRecord {
  id: bigint;
  sourceId: string;
  data: Record<string, unknown>;
}

/**
 * Failed records to retry: those that failed in run `retryOfId` and are still failed, or every
 * failed record of the scheme, optionally only `onlyIds` among them (keyset by id). Bills saved but
 * not audited (`saved`) are retried too: by an audit (./saved-bills.ts), never a save.
 * `excludeRunId` (the retry run itself) keeps a resumed retry from trying again what it tried.
 */
export async function failedRecords(
  db: Db,
  input: {
    schemeId: string;
    retryOfId?: string | null;
    onlyIds?: bigint[];
    excludeRunId: string;
    afterId: bigint;
    limit: number;
    /** An automatic retry (issue #14): only transient failures whose retry was due by then. */
    dueBy?: Date;
    /** Only the dead letters (死信). */
    only?: "dead";
  },
): Promise<FailedRecord[]> {
  const only = input.onlyIds ? Prisma.sql`AND s.id = ANY(${input.onlyIds.map(String)}::bigint[])` : Prisma.empty;
  const due = input.dueBy ? Prisma.sql`AND s.status = 'failed' AND s.error_class = 'transient' AND s.retry_at <= ${input.dueBy}` : Prisma.empty;
  const dead = input.only === "dead" ? Prisma.sql`AND s.dead_at IS NOT NULL` : Prisma.empty;
  const ofRun = input.retryOfId
    ? Prisma.sql`AND EXISTS (SELECT 1 FROM run_records r WHERE r.run_id = ${input.retryOfId}::uuid AND r.source_record_id = s.id AND r.status IN ('failed', 'saved'))`
    : Prisma.empty;
  return db.$queryRaw<FailedRecord[]>`
    SELECT s.id, s.source_id AS "sourceId", s.data
    FROM source_records s
    WHERE s.scheme_id = ${input.schemeId}::uuid AND s.status IN ('failed', 'saved') AND s.id > ${input.afterId}
      AND s.last_run_id IS DISTINCT FROM ${input.excludeRunId}::uuid ${ofRun} ${only} ${due} ${dead}
    ORDER BY s.id
    LIMIT ${input.limit}`;
}

/**
 * Hands failed records over to a retry run: pending again, with the hash of their re-mapped
 * payload and `last_run_id` = the run, so its write phase takes exactly them. A saved bill stays
 * `saved` with its payload hash (what was saved is what an audit makes written); the run audits it.
 * An automatic retry counts a step of the record's retry schedule; one someone asked for starts the
 * schedule over and takes the record out of the dead letters. Fenced by the attempt: one that lost
 * the run while it mapped (an erp_lookup in a stalled worker) takes nothing, so it cannot make
 * pending again records the attempt that took over retried and saw fail (session 26).
 */
export async function assignFailedToRun(
  db: Db,
  input: { schemeId: string; runId: string; attempt: number; records: { id: bigint; hash: string }[]; automatic?: boolean },
): Promise<number> {
  if (input.records.length === 0) return 0;
  return db.$executeRawUnsafe(
    `WITH ${fenceCte("$2", "$3")},
    input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(id bigint, hash text))
    UPDATE source_records s SET
      status = CASE WHEN s.status = 'saved' THEN 'saved'::record_status ELSE 'pending'::record_status END,
      payload_hash = CASE WHEN s.status = 'saved' THEN s.payload_hash ELSE i.hash END,
      mapped_with = CASE WHEN s.status = 'saved' THEN s.mapped_with END,
      last_error = CASE WHEN s.status = 'saved' THEN s.last_error END,
      retry_step = CASE WHEN $5 THEN s.retry_step + 1 ELSE 0 END, retry_at = NULL,
      dead_at = CASE WHEN $5 THEN s.dead_at END,
      last_run_id = $2::uuid, updated_at = $6::timestamp,
      retry_prior = jsonb_build_object(
        'status', s.status, 'payload_hash', s.payload_hash, 'mapped_with', s.mapped_with, 'last_error', s.last_error,
        'last_run_id', s.last_run_id, 'retry_step', s.retry_step, 'retry_at', s.retry_at, 'dead_at', s.dead_at,
        'error_class', s.error_class)
    FROM input i, fence
    WHERE s.id = i.id AND s.scheme_id = $4::uuid AND s.status IN ('failed', 'saved')`,
    rowsJson(input.records),
    input.runId,
    input.attempt,
    input.schemeId,
    input.automatic ?? false,
    new Date(),
  );
}

/** Hands pending records (by source id) over to a test run that writes its first N records; fenced by the attempt. */
export async function assignPendingToRun(
  db: Db,
  input: { schemeId: string; runId: string; attempt: number; sourceIds: string[] },
): Promise<number> {
  if (input.sourceIds.length === 0) return 0;
  return db.$executeRawUnsafe(
    `WITH ${fenceCte("$1", "$2")}
    UPDATE source_records SET last_run_id = $1::uuid
    FROM fence
    WHERE scheme_id = $3::uuid AND source_id = ANY($4::text[]) AND status = 'pending'`,
    input.runId,
    input.attempt,
    input.schemeId,
    input.sourceIds,
  );
}
