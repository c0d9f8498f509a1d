// The retry policy's reads (issue #14): when a scheme's next automatic retry is due, which schemes
// have one waiting (to restore delayed jobs Redis lost), how many records a run dead-lettered, and a
// record's history of attempts. The writes are part of the write protocol (./write-protocol.ts:
// recordWriteResults sets `retry_at` / `dead_at`; ./staging.ts: assignFailedToRun counts a step).
import type { ErrorClass, RecordStatus, RunTrigger } from "../../generated/prisma/enums";
import type { Db } from "../client";
import { AUTOMATION_ON } from "./automation";

/**
 * The earliest automatic retry due for the scheme's failed records, or null when none is waiting:
 * what an automatic retry takes (failedRecords' dueBy: transient failures with a retry_at), so a
 * retry is never announced for records it would not take.
 */
export async function nextRetryDue(db: Db, schemeId: string): Promise<Date | null> {
  const [row] = await db.$queryRaw<{ at: Date | null }[]>`
    SELECT min(retry_at) AS at FROM source_records
    WHERE scheme_id = ${schemeId}::uuid AND retry_at IS NOT NULL AND status = 'failed' AND error_class = 'transient'`;
  return row?.at ?? null;
}

/**
 * Every scheme with an automatic retry waiting, and its earliest (read through the partial index on
 * retry_at); not a scheme whose automation is switched off: its retries wait, and the restore step
 * schedules them once it is switched on again.
 */
export async function schemesWithRetries(db: Db): Promise<{ schemeId: string; retryAt: Date }[]> {
  return db.$queryRaw<{ schemeId: string; retryAt: Date }[]>`
    SELECT r.scheme_id::text AS "schemeId", min(r.retry_at) AS "retryAt" FROM source_records r
    JOIN schemes s ON s.id = r.scheme_id
    WHERE r.retry_at IS NOT NULL AND r.status = 'failed' AND r.error_class = 'transient' AND ${AUTOMATION_ON}
    GROUP BY r.scheme_id`;
}

/** How many of the records this run attempted it dead-lettered (their last attempt was in it, and it was the schedule's last). */
export async function countDeadLetteredByRun(db: Db, runId: string): Promise<number> {
  const [row] = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM run_records rr JOIN source_records s ON s.id = rr.source_record_id
    WHERE rr.run_id = ${runId}::uuid AND rr.status = 'failed' AND s.last_run_id = ${runId}::uuid AND s.dead_at IS NOT NULL`;
  return row?.n ?? 0;
}

export interface RecordAttempt {
  runId: string;
  trigger: RunTrigger;
  /** What that run's attempt came to: any RunRecord status (waiting, filtered and stale too). */
  status: RecordStatus;
  error: string | null;
  errorField: string | null;
  errorClass: ErrorClass | null;
  at: Date;
}

/**
 * A staged record's attempts, newest first: one RunRecord per run that sent it (or failed its
 * mapping), as long as the run is kept (run retention). Found through the scheme's runs and the
 * (run_id, source_record_id) key: RunRecords have no index by record.
 */
export async function listRecordAttempts(db: Db, input: { schemeId: string; recordId: bigint; limit: number }): Promise<RecordAttempt[]> {
  // A written outcome may be an entry of a batch row (run_written_batches), which has no index by
  // record: the scheme's runs' batch rows are looked through once (a join, not a LATERAL per run:
  // per run, the planner may scan the whole table each time when few runs hold most rows). About
  // 15 ms for a run of a million records (docs/scale.md).
  return db.$queryRaw<RecordAttempt[]>`
    SELECT * FROM (
      SELECT r.id::text AS "runId", r.trigger::text AS trigger, rr.status::text AS status, rr.error, rr.error_field AS "errorField",
        rr.error_class::text AS "errorClass", rr.updated_at AS at
      FROM runs r JOIN run_records rr ON rr.run_id = r.id AND rr.source_record_id = ${input.recordId}
      WHERE r.scheme_id = ${input.schemeId}::uuid
      UNION ALL
      SELECT r.id::text, r.trigger::text, 'written', NULL, NULL, NULL, b.created_at
      FROM runs r JOIN run_written_batches b ON b.run_id = r.id
      WHERE r.scheme_id = ${input.schemeId}::uuid AND ${input.recordId}::bigint = ANY(b.source_record_ids)
        AND b.ids[array_position(b.source_record_ids, ${input.recordId}::bigint)] IS NOT NULL
    ) a
    ORDER BY at DESC
    LIMIT ${input.limit}`;
}
