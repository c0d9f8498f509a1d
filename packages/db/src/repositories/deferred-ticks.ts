// Cron ticks deferred while their scheme was busy with a run that does not read the source (session
// 30's audit): the row that says a tick's run is still owed, until the scheme is free.
import type { Db } from "../client";
import { SOURCE_READING_IN } from "./run-triggers";

/** Notes that the tick (its run's idempotency key) is owed once the scheme is free; a tick owed before is replaced. */
export async function deferTick(db: Db, input: { schemeId: string; idempotencyKey: string; busyRunId: string | null }): Promise<void> {
  await db.$executeRaw`
    INSERT INTO deferred_ticks (scheme_id, idempotency_key, busy_run_id)
    VALUES (${input.schemeId}::uuid, ${input.idempotencyKey}, ${input.busyRunId}::uuid)
    ON CONFLICT (scheme_id) DO UPDATE
      SET idempotency_key = EXCLUDED.idempotency_key, busy_run_id = EXCLUDED.busy_run_id, deferred_at = CURRENT_TIMESTAMP`;
}

export interface DeferredTickState {
  schemeId: string;
  idempotencyKey: string;
  currentVersion: number;
  /** The scheme's run schedule is still switched on (with a cron): else the tick is no longer wanted. */
  scheduleOn: boolean;
  /** A run that reads the source, other than the tick's own, was created since the tick was deferred: it did the tick's work. */
  covered: boolean;
  /** When the tick met the busy scheme (the latest such tick's time). */
  deferredAt: Date;
  /** The run it met, when it was found (null: it ended between the refusal and the look). */
  busyRunId: string | null;
}

/** The deferred ticks (of `schemeId`, else all), with what decides whether each is still owed. */
export async function deferredTicks(db: Db, schemeId?: string): Promise<DeferredTickState[]> {
  return db.$queryRaw<DeferredTickState[]>`
    SELECT d.scheme_id::text AS "schemeId", d.idempotency_key AS "idempotencyKey", s.current_version AS "currentVersion",
      (s.enabled AND s.cron IS NOT NULL) AS "scheduleOn",
      EXISTS (
        SELECT 1 FROM runs r
        WHERE r.scheme_id = d.scheme_id AND r.trigger IN ${SOURCE_READING_IN}
          AND r.created_at AT TIME ZONE 'UTC' > d.deferred_at
          -- Not the tick's own run (createRun's scoped key): the caller that requested it forgets
          -- the tick and logs the deferral in it; one that finds it again gets it back by the key.
          AND r.idempotency_key IS DISTINCT FROM 'system:' || d.scheme_id::text || ':' || d.idempotency_key
      ) AS covered,
      d.deferred_at AS "deferredAt", d.busy_run_id::text AS "busyRunId"
    FROM deferred_ticks d JOIN schemes s ON s.id = d.scheme_id
    WHERE ${schemeId ?? null}::uuid IS NULL OR d.scheme_id = ${schemeId ?? null}::uuid
    ORDER BY d.deferred_at`;
}

/**
 * Forgets the deferred tick, unless a later one replaced it meanwhile. True when this call removed
 * it (of two callers requesting the same tick's run, one: that one logs the deferral in the run).
 */
export async function forgetDeferredTick(db: Db, schemeId: string, idempotencyKey: string): Promise<boolean> {
  const { count } = await db.deferredTick.deleteMany({ where: { schemeId, idempotencyKey } });
  return count > 0;
}
