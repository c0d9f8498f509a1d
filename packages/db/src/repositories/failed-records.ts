// A scheme's unresolved failed records (staging rows with status 'failed'), whatever became of the
// run that failed them: listed for the UI and API, and checked before a retry. Their run (the one
// in `last_run_id`) keeps the RunRecord with the error field and payload: pruneRuns keeps it.
import type { RunStatus, RunTrigger } from "../../generated/prisma/enums";
import type { Db } from "../client";

export interface SchemeFailedRecord {
  id: bigint;
  sourceId: string;
  /** `saved`: a bill saved but not audited (已保存未审核); a retry audits it. */
  status: "failed" | "saved";
  error: string | null;
  errorField: string | null;
  attempts: number;
  failedAt: Date;
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
 * One page of the scheme's failed records in id order, after `afterId` (keyset). Staging has no
 * index on status (status changes must stay HOT updates), so this walks the scheme's rows by
 * (scheme_id, id): fine for a page a person asked for, not for a hot path.
 */
export async function listFailedRecords(db: Db, input: { schemeId: string; afterId: bigint; limit: number }): Promise<SchemeFailedRecord[]> {
  const rows = await db.$queryRaw<Row[]>`
    SELECT s.id, s.source_id AS "sourceId", s.status::text AS status, COALESCE(s.last_error, rr.error) AS error, rr.error_field AS "errorField",
      s.attempts, COALESCE(rr.updated_at, s.updated_at) AS "failedAt",
      r.id AS "runId", r.trigger::text AS "runTrigger", r.status::text AS "runStatus", r.created_at AS "runCreatedAt"
    FROM source_records s
    LEFT JOIN run_records rr ON rr.run_id = s.last_run_id AND rr.source_record_id = s.id
    LEFT JOIN runs r ON r.id = s.last_run_id
    WHERE s.scheme_id = ${input.schemeId}::uuid AND s.status IN ('failed', 'saved') AND s.id > ${input.afterId}
    ORDER BY s.id
    LIMIT ${input.limit}`;
  return rows.map(({ runId, runTrigger, runStatus, runCreatedAt, ...r }) => ({
    ...r,
    run: runId && runTrigger && runStatus && runCreatedAt ? { id: runId, trigger: runTrigger, status: runStatus, createdAt: runCreatedAt } : null,
  }));
}

/** How many of the scheme's records are failed (or saved, not audited) now. */
export async function countFailedRecords(db: Db, schemeId: string): Promise<number> {
  const [row] = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM source_records WHERE scheme_id = ${schemeId}::uuid AND status IN ('failed', 'saved')`;
  return row?.n ?? 0;
}

/** Those of `ids` that are failed records of the scheme now. */
export async function stillFailed(db: Db, schemeId: string, ids: bigint[]): Promise<bigint[]> {
  const rows = await db.$queryRaw<{ id: bigint }[]>`
    SELECT id FROM source_records
    WHERE scheme_id = ${schemeId}::uuid AND status IN ('failed', 'saved') AND id = ANY(${ids.map(String)}::bigint[])
    ORDER BY id`;
  return rows.map((r) => r.id);
}
