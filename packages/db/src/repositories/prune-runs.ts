// Run retention: the daily pruning of finished runs (their logs and records go with them, by
// cascade), keeping what something still needs (docs/scale.md "Run history").
import type { Db } from "../client";
import { SOURCE_READING_IN } from "./run-triggers";

/**
 * Deletes finished runs older than `days`, and quiet runs older than `quietDays` (their logs and
 * records go with them, by cascade), in chunks so a large backlog never holds one long transaction.
 * A quiet run is one no person started (a schedule, a chain, released dependencies) that succeeded
 * and changed nothing: nothing written, failed, unknown, saved or left waiting. A scheme on a
 * one-minute schedule makes 1,440 a day, most of a busy database's growth (docs/scale.md "Run history").
 *
 * Kept however old: a scheme's latest run other than a test (what the schemes list and the overview
 * show as its last run), its latest run that read its source (manual, schedule, chain: what a
 * run-after chain counts its predecessors' successes from, runAfterDue; pruned while a retry or a
 * release came after it, the chain counted from the scheme's version and started again for a
 * success it had run after, session 25's audit), its latest schedule run (a tick Redis lost is given back only
 * when no run came of it since: owed-ticks.ts) and its latest success (the "no success for N hours"
 * alert counts from it); the last run of a record that is still failed or saved but not audited
 * (已保存未审核) (its RunRecord holds the error and payload the failed-records list shows and a
 * retry starts from); the run of a record whose outcome is not settled yet (`sending_run_id`: the
 * lookup after an interrupted write records its verdict in that run); a reconciliation's resync run
 * (reports are never pruned: the report links to it and answers a second 补同步 with it); while a
 * retry is not finished, the run it retries (also one requested while the pruning goes) and the
 * runs its taken records failed in (sent or not).
 * Once the record is written, its run goes at the next pruning.
 */
export async function pruneRuns(db: Db, days: number, quietDays = days, chunk = 500): Promise<{ expired: number; quiet: number }> {
  const before = new Date(Date.now() - days * 86_400_000);
  // Quiet runs never outlive the others (runRetention caps them the same way).
  const quietBefore = new Date(Date.now() - Math.min(days, quietDays) * 86_400_000);
  // The runs records still need, looked up once (one pass over staging: it has no index on
  // last_run_id or status, on purpose, see schema.prisma; three passes before session 23), not once
  // per chunk: 230 ms a chunk at a million staged rows. The set can only shrink while the chunks go:
  // a record's last and sending runs are only ever set to the run writing it now, never to one
  // finished days ago.
  const needed = (
    await db.$queryRaw<{ id: string }[]>`
      SELECT x.id FROM source_records s CROSS JOIN LATERAL (VALUES
        -- The failed records' list shows saved bills too (listFailedRecords), with their run's RunRecord.
        (CASE WHEN s.status IN ('failed', 'saved') THEN s.last_run_id::text END),
        -- The lookup after an interrupted write records its verdict in the run that sent it.
        (s.sending_run_id::text),
        -- A retry not finished yet, ending early, puts its unsent records back with the runs that
        -- failed them: also those it sent whose outcome is not known yet (sending, unknown),
        -- which a lookup that finds them absent makes pending again (session 31's audit).
        (CASE WHEN s.retry_prior IS NOT NULL AND s.status IN ('pending', 'saved', 'sending', 'unknown')
          -- (uncorrelated: computed once)
          AND s.last_run_id = ANY(ARRAY(SELECT id FROM runs WHERE status IN ('queued', 'running') AND trigger = 'retry')) THEN s.retry_prior->>'last_run_id' END)
      ) AS x(id)
      WHERE x.id IS NOT NULL
        AND (s.status IN ('failed', 'saved', 'pending', 'sending', 'unknown') OR s.sending_run_id IS NOT NULL)
      UNION
      -- A report names its resync run (no foreign key) for as long as the report is kept: always.
      SELECT resync_run_id::text FROM reconciliations WHERE resync_run_id IS NOT NULL
      UNION
      -- The latest schedule run of each scheme with a schedule (giveBackOwedTick counts from it):
      -- one probe per scheme here, not per run deleted, which would walk all the runs of a scheme
      -- run mostly by its chain for each of them. A schedule run created meanwhile only keeps this
      -- one a day longer.
      SELECT l.id::text FROM schemes s CROSS JOIN LATERAL (
        SELECT id FROM runs WHERE scheme_id = s.id AND trigger = 'schedule' ORDER BY created_at DESC LIMIT 1) l
      WHERE s.cron IS NOT NULL
      UNION
      -- A retry not finished yet (running, or handed back and queued) resumes with the run it
      -- retries (without it, its next attempt would take the whole scheme's failed records).
      SELECT retry_of_id::text FROM runs WHERE status IN ('queued', 'running') AND retry_of_id IS NOT NULL`
  ).map((r) => r.id);
  const deleted = { expired: 0, quiet: 0 };
  for (const kind of ["quiet", "expired"] as const) {
    for (;;) {
      // A scheme's latest run (tests aside: what the overview and the schemes list read), its
      // latest run that read the source (what run-after reads) and its latest success are each a probe of runs (scheme_id, created_at DESC); a scheme
      // has one active run at a time (tests aside), so the success created last is the one that
      // finished last.
      const n = await db.$executeRaw`
        DELETE FROM runs WHERE id IN (
          SELECT r.id FROM runs r
          WHERE r.status NOT IN ('queued', 'running')
            AND COALESCE(r.finished_at, r.created_at) < ${kind === "quiet" ? quietBefore : before}::timestamp
            AND (${kind === "expired"}::boolean OR (
              r.status = 'succeeded' AND r.trigger IN ('schedule', 'chain', 'dependency')
              AND r.written = 0 AND r.failed = 0 AND r.unknown = 0 AND r.saved = 0 AND r.waiting = 0))
            AND r.id IS DISTINCT FROM (
              SELECT l.id FROM runs l WHERE l.scheme_id = r.scheme_id AND l.trigger <> 'test' ORDER BY l.created_at DESC LIMIT 1)
            AND r.id IS DISTINCT FROM (
              SELECT l.id FROM runs l WHERE l.scheme_id = r.scheme_id AND l.trigger IN ${SOURCE_READING_IN}
              ORDER BY l.created_at DESC LIMIT 1)
            AND r.id IS DISTINCT FROM (
              SELECT l.id FROM runs l WHERE l.scheme_id = r.scheme_id AND l.status = 'succeeded' AND l.trigger <> 'test'
              ORDER BY l.created_at DESC LIMIT 1)
            AND r.id <> ALL(${needed}::uuid[])
            -- A retry of it requested after the needed list was read: deleted, its retry_of_id would go
            -- (ON DELETE SET NULL) while the retry runs (session 31's audit). One that commits while
            -- this very statement runs can still lose it: requestRun stores scope "run" with every
            -- retry of a run, so that retry then fails (run.retryWithoutRun) instead of taking every
            -- failed record of the scheme.
            AND NOT EXISTS (SELECT 1 FROM runs q WHERE q.retry_of_id = r.id AND q.status IN ('queued', 'running'))
          LIMIT ${chunk})`;
      deleted[kind] += n;
      if (n < chunk) break;
    }
  }
  return deleted;
}
