// A scheme's unresolved failed records (staging rows with status 'failed'), whatever became of the
// run that failed them: listed for the UI and API, and checked before a retry. Their run (the one
// in `last_run_id`) keeps the RunRecord with the error field and payload: pruneRuns keeps it.
import { Prisma } from "../../generated/prisma/client";
import type { ErrorClass, RunStatus, RunTrigger } from "../../generated/prisma/enums";
import type { Db } from "../client";

/** Which failed records: all of them, or only the dead letters (死信: the retry schedule ran out). */
export type FailedRecordFilter = "all" | "dead";

function filterSql(only: FailedRecordFilter | undefined): Prisma.Sql {
  return only === "dead" ? Prisma.sql`AND s.dead_at IS NOT NULL` : Prisma.empty;
}

export interface SchemeFailedRecord {
  id: bigint;
  sourceId: string;
  /** `saved`: a bill saved but not audited (已保存未审核); a retry audits it. */
  status: "failed" | "saved";
  error: string | null;
  errorField: string | null;
  attempts: number;
  failedAt: Date;
  /** transient (retried automatically) or data (a person must act); null: failed before issue #14, or unclassified. */
  errorClass: ErrorClass | null;
  /** When the next automatic retry is due, if one is. */
  retryAt: Date | null;
  /** Automatic retries this failure has had. */
  retryStep: number;
  /** When it was dead-lettered, if it was. */
  deadAt: Date | null;
  /** The run that failed it last; null only for records failed before runs were kept for them. */
  run: { id: string; trigger: RunTrigger; status: RunStatus; createdAt: Date } | null;
}

interface Row extends Omit<SchemeFailedRecord, "run"> {
  runId: string | null;
  runTrigger: RunTrigger | null;
  runStatus: RunStatus | null;
  runCreatedAt: Date | null;
}

/**
 * Failed and saved rows always carry their reason in `last_error` (the write path sets it with the
 * status, and clears it only when a write succeeds): the condition lets these statements walk
 * `source_records_with_error_idx`, the few rows of the scheme with an error, instead of all of its
 * rows. Staging has no index on status (status changes must stay HOT updates).
 */
const WITH_ERROR = Prisma.sql`s.last_error IS NOT NULL`;

/** The statement of listFailedRecords (exported for its plan test). */
export function failedRecordsPageSql(input: { schemeId: string; afterId: bigint; limit: number; only?: FailedRecordFilter }): Prisma.Sql {
  return Prisma.sql`
    SELECT s.id, s.source_id AS "sourceId", s.status::text AS status, COALESCE(s.last_error, rr.error) AS error, rr.error_field AS "errorField",
      s.attempts, COALESCE(rr.updated_at, s.updated_at) AS "failedAt",
      s.error_class::text AS "errorClass", s.retry_at AS "retryAt", s.retry_step AS "retryStep", s.dead_at AS "deadAt",
      r.id AS "runId", r.trigger::text AS "runTrigger", r.status::text AS "runStatus", r.created_at AS "runCreatedAt"
    FROM source_records s
    LEFT JOIN run_records rr ON rr.run_id = s.last_run_id AND rr.source_record_id = s.id
    LEFT JOIN runs r ON r.id = s.last_run_id
    WHERE s.scheme_id = ${input.schemeId}::uuid AND ${WITH_ERROR} AND s.status IN ('failed', 'saved') AND s.id > ${input.afterId} ${filterSql(input.only)}
    ORDER BY s.id
    LIMIT ${input.limit}`;
}

/** One page of the scheme's failed records in id order, after `afterId` (keyset). */
export async function listFailedRecords(
  db: Db,
  input: { schemeId: string; afterId: bigint; limit: number; only?: FailedRecordFilter },
): Promise<SchemeFailedRecord[]> {
  const rows = await db.$queryRaw<Row[]>(failedRecordsPageSql(input));
  return rows.map(({ runId, runTrigger, runStatus, runCreatedAt, ...r }) => ({
    ...r,
    run: runId && runTrigger && runStatus && runCreatedAt ? { id: runId, trigger: runTrigger, status: runStatus, createdAt: runCreatedAt } : null,
  }));
}

/** The statement of countFailedRecords (exported for its plan test). */
export function failedRecordsCountSql(schemeId: string, only?: FailedRecordFilter): Prisma.Sql {
  return Prisma.sql`
    SELECT count(*)::int AS n FROM source_records s WHERE s.scheme_id = ${schemeId}::uuid AND ${WITH_ERROR} AND s.status IN ('failed', 'saved') ${filterSql(only)}`;
}

/** How many of the scheme's records are failed (or saved, not audited) now; `only` "dead": the dead letters. */
export async function countFailedRecords(db: Db, schemeId: string, only?: FailedRecordFilter): Promise<number> {
  const [row] = await db.$queryRaw<{ n: number }[]>(failedRecordsCountSql(schemeId, only));
  return row?.n ?? 0;
}

/** Those of `ids` that are failed records of the scheme now (only dead letters, with `only` "dead"). */
export async function stillFailed(db: Db, schemeId: string, ids: bigint[], only?: FailedRecordFilter): Promise<bigint[]> {
  const rows = await db.$queryRaw<{ id: bigint }[]>`
    SELECT s.id FROM source_records s
    WHERE s.scheme_id = ${schemeId}::uuid AND ${WITH_ERROR} AND s.status IN ('failed', 'saved') AND s.id = ANY(${ids.map(String)}::bigint[]) ${filterSql(only)}
    ORDER BY s.id`;
  return rows.map((r) => r.id);
}
