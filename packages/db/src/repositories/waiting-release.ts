// When records waiting for a dependency (等待依赖, ./waiting.ts) are released, and when they fail
// instead. Released by a run of their scheme: the dependency's run's follow-up asks schemesWaitingFor
// and schemeWroteDuring; the once-a-minute sweep asks waitsReadyToRelease, which also catches waits
// recorded under an older version of the scheme (its lookups may name another scheme now); the
// wait limit (expireWaiting) leaves alone what is due for release.
import { Prisma } from "../../generated/prisma/client";
import type { Db } from "../client";
import { AUTOMATION_ON } from "./automation";
import { RELEASING_IN } from "./run-triggers";

/** The schemes with records waiting for `dependencyId`'s writes. */
export async function schemesWaitingFor(db: Db, dependencyId: string): Promise<string[]> {
  const rows = await db.waitingRecord.findMany({ where: { waitsForSchemeId: dependencyId }, distinct: ["schemeId"], select: { schemeId: true } });
  return rows.map((r) => r.schemeId);
}

/**
 * Whether records of the run's scheme were written since the run was created: by the run itself, or
 * found written by its lookup of unknown outcomes (待确认). The lookup counts what it finds on the
 * run that sent it (resolveUnknown), which may have ended, cancelled or failed, long before: the
 * run's own `written` says nothing of those. So this reads when writes happened (run_write_stats,
 * whichever run they were counted on), not a run's counters.
 */
export async function schemeWroteDuring(db: Db, runId: string): Promise<boolean> {
  const rows = await db.$queryRaw<{ wrote: boolean }[]>`
    SELECT EXISTS (
      SELECT 1 FROM runs r
      JOIN runs x ON x.scheme_id = r.scheme_id
      JOIN run_write_stats w ON w.run_id = x.id
      -- created_at is a UTC timestamp without zone (Prisma's DateTime).
      WHERE r.id = ${runId}::uuid AND w.written > 0 AND w.at >= r.created_at AT TIME ZONE 'UTC'
    ) AS wrote`;
  return rows[0]?.wrote ?? false;
}

/**
 * How long before a record's check a write of its dependency still releases it. A write's time
 * (run_write_stats.at) is its statement's start, by the database's clock; a lookup that began
 * before that statement committed did not see it, and `checked_at` is by the worker's clock. A write
 * within this margin costs at most one more release run; a missed one leaves the record waiting.
 */
const CHECK_MARGIN = "2 seconds";

/**
 * CTE `edited` (after `pairs`): waiting schemes whose current version no run that releases waits
 * (RELEASING_IN: every run but a retry or a test) has started and finished yet, with that version.
 * Their waits were recorded by an older version, and a waiting_records row keeps the scheme it
 * waited for then (waits_for_scheme_id): a lookup edited to name another scheme (or taken out) left
 * them waiting for one that may never write again, so neither the follow-up of the scheme they need
 * now nor the sweep's `ready` ever released them (session 31's audit). A release run maps them with
 * the version they would be sent with, and records what they wait for now. Any edit counts, not
 * only one of the lookups: a changed key field or mapping may let them go out too, and knowing which
 * scheme a version reads would take parsing every definition each minute. Why by runs and not by when
 * the version was saved: a run of the older version still queued at the save records its waits after
 * the save. Cost: one release run per version saved while records wait (the sweep's idempotency key
 * is the version); each minute, per waiting scheme, its runs read newest first (runs' scheme index)
 * up to the first of its current version, usually the latest.
 */
const EDITED = Prisma.sql`edited AS (
      SELECT s.id AS scheme_id, s.current_version AS version
      FROM (SELECT DISTINCT scheme_id FROM pairs) p JOIN schemes s ON s.id = p.scheme_id
      WHERE NOT EXISTS (
        SELECT 1 FROM runs r
        WHERE r.scheme_id = s.id AND r.scheme_version = s.current_version AND r.trigger IN ${RELEASING_IN}
          AND r.started_at IS NOT NULL AND r.finished_at IS NOT NULL)
    )`;

/**
 * CTEs `pairs` and `ready`: per waiting scheme and dependency, whether the dependency has written
 * something since the scheme's records were last looked at (`checked_at`: when the run that recorded
 * the wait fetched the lookup). When a write happened is read from run_write_stats of any run of the
 * dependency, not from a run's `written` or status: a lookup of unknown outcomes counts what it
 * finds on the run that sent it, which may have ended (even cancelled) before the check. `ready`
 * has the first such write (`wrote_at`) and the dependency's first run that finished after it (the
 * one during which it happened, or the lookup's run): a release run is linked to that run, and its
 * id makes the same idempotency key as that run's follow-up. A write by a run still going waits for
 * that run's end (and its follow-up). And CTE `edited` (EDITED).
 */
const READY_TO_RELEASE = Prisma.sql`pairs AS (
      SELECT scheme_id, waits_for_scheme_id, min(checked_at) AS checked_at
      FROM waiting_records GROUP BY scheme_id, waits_for_scheme_id
    ), ready AS (
      SELECT p.scheme_id, wrote.at AS wrote_at, d.id AS run_id, d.finished_at
      FROM pairs p
      CROSS JOIN LATERAL (
        SELECT min(w.at) AS at FROM runs x JOIN run_write_stats w ON w.run_id = x.id
        WHERE x.scheme_id = p.waits_for_scheme_id AND w.written > 0 AND w.at > p.checked_at - ${CHECK_MARGIN}::interval
      ) wrote
      JOIN LATERAL (
        -- finished_at is a UTC timestamp without zone (Prisma's DateTime).
        SELECT r.id, r.finished_at FROM runs r
        WHERE r.scheme_id = p.waits_for_scheme_id AND r.finished_at AT TIME ZONE 'UTC' >= wrote.at
        ORDER BY r.finished_at LIMIT 1
      ) d ON true
    ), ${EDITED}`;

/**
 * A release the sweep requests: linked to the dependency's run after whose write it is due (`runId`,
 * its id in the idempotency key, as that run's follow-up), or due because the scheme was edited since
 * its records' waits were recorded (`runId` null, `version`: the version no release has mapped them with).
 */
export type DueRelease = { schemeId: string; runId: string } | { schemeId: string; runId: null; version: number };

/**
 * Schemes with records whose dependency has written something since they were last looked at, with
 * the dependency's run to link the release to (see READY_TO_RELEASE), and schemes whose waits were
 * recorded by an older version of them (EDITED): a scheme may be both, then twice (the second request
 * finds it busy, or the first's key used already). Catches releases a follow-up missed: the scheme was
 * busy, or the worker died, or its automation was switched off (its records wait until it is on again).
 */
export async function waitsReadyToRelease(db: Db): Promise<DueRelease[]> {
  const rows = await db.$queryRaw<{ schemeId: string; runId: string | null; version: number }[]>`
    WITH ${READY_TO_RELEASE}, due AS (
      SELECT DISTINCT ON (y.scheme_id) y.scheme_id, y.run_id, NULL::int AS version, 0 AS n
      FROM ready y ORDER BY y.scheme_id, y.finished_at DESC
    )
    SELECT x.scheme_id::text AS "schemeId", x.run_id::text AS "runId", x.version
    FROM (SELECT * FROM due UNION ALL SELECT scheme_id, NULL::uuid, version, 1 FROM edited) x
    JOIN schemes s ON s.id = x.scheme_id
    WHERE ${AUTOMATION_ON}
    ORDER BY x.n, x.scheme_id`;
  return rows.map((r): DueRelease => (r.runId !== null ? { schemeId: r.schemeId, runId: r.runId } : { schemeId: r.schemeId, runId: null, version: r.version }));
}

/**
 * Waiting records past their scheme's wait limit fail, with the reason (what they waited for, and
 * how long), as data failures: a person must act, no automatic retry is due and no dead letter is
 * made (session 32). The limit is the scheme's `waitLimitHours` (definition), else `defaultHours`. Not yet
 * those of a scheme whose release is due (a dependency wrote since they were looked at) until a run
 * of the scheme begun after that write has ended: their dependency may have written what they wait
 * for, and "still not written" would be false; nor those of a scheme edited since their waits were
 * recorded (EDITED), until a run of its current version has mapped them: they may not wait for that
 * dependency any more. The sweep that requests the release runs just before.
 */
export async function expireWaiting(db: Db, defaultHours: number, now = new Date()): Promise<{ schemeId: string; failed: number }[]> {
  return db.$queryRaw<{ schemeId: string; failed: number }[]>`
    WITH ${READY_TO_RELEASE}, releasing AS (
      SELECT DISTINCT y.scheme_id FROM ready y
      WHERE NOT EXISTS (
        SELECT 1 FROM runs r
        WHERE r.scheme_id = y.scheme_id AND r.trigger <> 'test' AND r.finished_at IS NOT NULL AND r.created_at AT TIME ZONE 'UTC' > y.wrote_at)
      -- Edited since the waits were recorded: they are judged by the current version first.
      UNION SELECT scheme_id FROM edited
    ), limits AS (
      SELECT id, COALESCE(NULLIF(definition->>'waitLimitHours', '')::int, ${defaultHours}::int) AS hours FROM schemes
    ), due AS (
      -- The dependency named as it is called now: a rename since the wait was recorded rewrote the
      -- waiting scheme's lookups, not waits_for (session 31's audit). waits_for only for one deleted since.
      SELECT DISTINCT ON (w.source_record_id) w.source_record_id, w.scheme_id, COALESCE(dep.name, w.waits_for) AS waits_for, w.key, w.left_out, l.hours
      FROM waiting_records w JOIN limits l ON l.id = w.scheme_id
      JOIN source_records r ON r.id = w.source_record_id
      LEFT JOIN schemes dep ON dep.id = w.waits_for_scheme_id
      WHERE w.since < ${now}::timestamptz - make_interval(hours => l.hours)
        AND w.scheme_id NOT IN (SELECT scheme_id FROM releasing)
      -- Of waits as old (a record's waits are recorded together), the one its run's reason named (its
      -- first lookup's scheme, by the name written then), then any, but always the same one: the
      -- order of ties was the plan's (it changed with the join above).
      ORDER BY w.source_record_id, w.left_out DESC, w.since, strpos(r.last_error, '“' || w.waits_for || '”') = 0, w.waits_for_scheme_id
    ), failed AS (
      UPDATE source_records s SET
        status = 'failed', updated_at = ${now}::timestamp,
        -- A person must act (the dependency, its filter or the lookup): a data failure, never due for
        -- an automatic retry nor a dead letter, whatever an earlier failure left (session 32).
        error_class = 'data', retry_step = 0, retry_at = NULL, dead_at = NULL, retry_prior = NULL,
        last_error = CASE WHEN d.left_out
          THEN '等待依赖超过 ' || d.hours || ' 小时：方案 “' || d.waits_for || '” 的过滤条件排除了 “' || d.key || '”，不会写入；请修改该方案的过滤条件，或修改查找 / Waited for a dependency for more than ' || d.hours || ' h: the filter of the scheme "' || d.waits_for || '" leaves out "' || d.key || '", so it is never written; change that scheme''s filter, or the lookup'
          ELSE '等待依赖超过 ' || d.hours || ' 小时：方案 “' || d.waits_for || '” 仍未写入 “' || d.key || '”，请检查该方案的运行，或修改查找 / Waited for a dependency for more than ' || d.hours || ' h: the scheme "' || d.waits_for || '" has still not written "' || d.key || '"; check that scheme''s runs, or change the lookup' END
      FROM due d WHERE s.id = d.source_record_id AND s.status = 'waiting'
      RETURNING s.id, s.scheme_id
    ), cleared AS (
      DELETE FROM waiting_records w USING failed f WHERE w.source_record_id = f.id
    )
    SELECT scheme_id::text AS "schemeId", count(*)::int AS failed FROM failed GROUP BY scheme_id`;
}
