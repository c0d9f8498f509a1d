// What an alert reads besides its rule and window: the scheme's name, a run's first failed
// records, and when each scheme last succeeded (the "not succeeded for X hours" rule).
import type { Db } from "../client";
import { AUTOMATION_ON } from "./automation";

export async function schemeName(db: Db, schemeId: string): Promise<string | undefined> {
  return (await db.scheme.findUnique({ where: { id: schemeId }, select: { name: true } }))?.name;
}

/** The errors of a run's first `limit` failed records, with their source ids, in the order they were written. */
export async function firstFailedRecordErrors(db: Db, runId: string, limit: number): Promise<{ sourceId: string; error: string }[]> {
  const rows = await db.runRecord.findMany({
    where: { runId, status: "failed" },
    select: { sourceId: true, error: true },
    orderBy: { id: "asc" },
    take: limit,
  });
  return rows.map((r) => ({ sourceId: r.sourceId, error: r.error ?? "" }));
}

/**
 * The errors of the first `limit` records the run dead-lettered (their last automatic retry failed
 * in it), with their source ids: what a 死信 alert shows, as a failed run's alert shows its first
 * failed records.
 */
export async function firstDeadLetteredErrors(db: Db, runId: string, limit: number): Promise<{ sourceId: string; error: string }[]> {
  return db.$queryRaw<{ sourceId: string; error: string }[]>`
    SELECT rr.source_id AS "sourceId", COALESCE(rr.error, '') AS error
    FROM run_records rr JOIN source_records s ON s.id = rr.source_record_id
    WHERE rr.run_id = ${runId}::uuid AND rr.status = 'failed' AND s.last_run_id = ${runId}::uuid AND s.dead_at IS NOT NULL
    ORDER BY rr.id LIMIT ${limit}`;
}

export interface SchemeLastSuccess {
  id: string;
  name: string;
  createdAt: Date;
  /** When its last succeeded run (other than a test run) finished; null: never. */
  lastSuccessAt: Date | null;
  /** When its automation (its run schedule) was last switched back on; null: on since its creation. */
  automationOnSince: Date | null;
}

/**
 * Schemes expected to succeed now and then (one, or all), with the end of their last succeeded run:
 * a run schedule switched on, or no run schedule and either a run-after order or a rule naming the
 * scheme (`schemeId`). `enabled` is the run schedule's switch, false without a schedule: alone it
 * left out a scheme that runs only after another, whose chain may break unheard. A scheme run only
 * by hand is checked only by a rule that names it; a paused run schedule pauses the check.
 */
export async function schemesLastSuccess(db: Db, schemeId?: string): Promise<SchemeLastSuccess[]> {
  return db.$queryRaw<SchemeLastSuccess[]>`
    SELECT s.id, s.name, s.created_at AS "createdAt", s.automation_on_since AS "automationOnSince",
      (SELECT max(r.finished_at) FROM runs r WHERE r.scheme_id = s.id AND r.status = 'succeeded' AND r.trigger <> 'test') AS "lastSuccessAt"
    FROM schemes s
    WHERE (${schemeId ?? null}::uuid IS NULL OR s.id = ${schemeId ?? null}::uuid)
      AND ${AUTOMATION_ON} AND (s.enabled OR ${schemeId ?? null}::uuid IS NOT NULL
        OR (jsonb_typeof(s.definition->'runAfter') = 'array' AND jsonb_array_length(s.definition->'runAfter') > 0))
    ORDER BY s.created_at`;
}
