// What an attempt reports on the run it holds, per page and batch: the counters and phase, the
// fence and lease the write protocol checks before each call, the read's end, and the run's log.
// The run's lifecycle (create, claim, finish, cancel) is in ./runs.ts.
import type { RunPhase, RunStatus } from "../../generated/prisma/enums";
import type { Run } from "../../generated/prisma/client";
import { render, type Message } from "@qiao/core";
import { hotQuery, type Db } from "../client";
import { leaseMsLeft } from "./sql";

export interface RunProgress {
  phase?: RunPhase;
  total?: number | null;
  fetched?: number;
  written?: number;
  skipped?: number;
  failed?: number;
  /** Read and left out by the scheme's filter node. */
  filtered?: number;
}

/**
 * Adds to the counters (and sets phase / total) in one statement; answers whether a cancellation
 * was requested and which attempt owns the run, so the engine learns both at every batch without
 * another query.
 */
export async function reportProgress(
  db: Db,
  runId: string,
  p: RunProgress,
  attempt?: number,
): Promise<{ cancelRequested: boolean; attempt: number; status: RunStatus }> {
  // Straight to the pool: this runs for every page and batch of a run (see ../client.ts).
  const rows = await hotQuery<{ cancelRequested: boolean; attempt: number; status: RunStatus }>(
    db,
    `UPDATE runs SET
      phase = COALESCE($2::run_phase, phase),
      total = CASE WHEN $3::boolean THEN $4::int ELSE total END,
      fetched = fetched + $5::int,
      written = written + $6::int,
      skipped = skipped + $7::int,
      failed = failed + $8::int,
      filtered = filtered + $11::int,
      updated_at = $9::timestamp
    WHERE id = $1::uuid AND ($10::int IS NULL OR attempt = $10::int)
    RETURNING cancel_requested AS "cancelRequested", attempt, status::text AS status`,
    [runId, p.phase ?? null, p.total !== undefined, p.total ?? null, p.fetched ?? 0, p.written ?? 0, p.skipped ?? 0, p.failed ?? 0, new Date().toISOString(), attempt ?? null, p.filtered ?? 0],
  );
  if (rows[0]) return rows[0];
  // Another attempt owns the run now: its counters are not this attempt's to change.
  const now = await runFence(db, runId);
  if (!now) throw new Error(`Run ${runId} does not exist`);
  return now;
}

export interface RunFence {
  attempt: number;
  status: RunStatus;
  cancelRequested: boolean;
  /** How long the current attempt's lease still runs, by the database's clock (0: ran out). */
  leaseMsLeft: number;
}

/** The run's attempt, status, cancellation flag and lease, as the write protocol checks them before a call. */
export async function runFence(db: Db, runId: string): Promise<RunFence | null> {
  const rows = await hotQuery<RunFence>(
    db,
    `SELECT attempt, status::text AS status, cancel_requested AS "cancelRequested",
      -- A run waiting for outcomes keeps its lease (see finishRun), but no attempt holds it.
      CASE WHEN waiting_until IS NULL THEN ${leaseMsLeft("lease_until")} ELSE 0 END AS "leaseMsLeft"
    FROM runs WHERE id = $1::uuid`,
    [runId],
  );
  return rows[0] ?? null;
}

/**
 * Extends the lease of attempt `attempt` to `leaseMs` from now. Returns the run's cancellation flag
 * and how long the lease now runs (ms), or null when the attempt no longer owns the run
 * (superseded, finished, waiting for outcomes, or its lease had already run out: then another
 * attempt may hold the run, and this one must stop). The write protocol calls it right before each call, the attempt's
 * heartbeat between calls.
 */
export async function renewLease(
  db: Db,
  runId: string,
  attempt: number,
  leaseMs: number,
): Promise<{ cancelRequested: boolean; leaseMsLeft: number } | null> {
  const rows = await hotQuery<{ cancelRequested: boolean; leaseMsLeft: number }>(
    db,
    `UPDATE runs SET lease_until = GREATEST(lease_until, now() + $3::int * interval '1 millisecond')
    WHERE id = $1::uuid AND attempt = $2::int AND status = 'running' AND waiting_until IS NULL AND lease_until > now()
    RETURNING cancel_requested AS "cancelRequested", ${leaseMsLeft("lease_until")} AS "leaseMsLeft"`,
    [runId, attempt, Math.round(leaseMs)],
  );
  return rows[0] ?? null;
}

/**
 * The attempt ends with records whose outcome is unknown still to be looked up: the run stays
 * `running` (phase `finishing`, the scheme's active run) and waits until `until`, when its job
 * resumes it (`waiting`). Refused when a cancellation was requested (`cancelled`: the attempt still
 * owns the run and ends it cancelled, as a claim ends a cancelled waiting run), or when the attempt
 * no longer owns the run (`superseded`).
 *
 * Why the cancel is checked here (session 31's audit): `@qiao/jobs` cancelRun promotes a waiting
 * run's job only once it is delayed, and a cancel that landed while the attempt was still active
 * (its last settling, its lookups) found it active. Without this, the run then waited the whole
 * QIAO_UNKNOWN_OUTCOME_WAIT_S, the scheme busy, though 取消 was pressed before the wait began. The
 * statement re-checks `cancel_requested` on the row cancelRun locks and updates, so a cancel either
 * commits first (refused here) or after (it finds the run waiting: its job is promoted by cancelRun
 * or by the worker's look after delaying it).
 */
export async function waitForOutcomes(db: Db, runId: string, attempt: number, until: Date): Promise<"waiting" | "cancelled" | "superseded"> {
  // `waiting_since`: the first wait's time, kept across attempts (the engine's
  // QIAO_UNKNOWN_OUTCOME_MAX_WAIT_S counts from it); set even if the wait below is refused, which
  // ends the run anyway.
  await db.run.updateMany({ where: { id: runId, status: "running", attempt, waitingSince: null }, data: { waitingSince: new Date() } });
  const { count } = await db.run.updateMany({
    where: { id: runId, status: "running", attempt, cancelRequested: false },
    // The lease stays (see finishRun): the next claim carries it over.
    data: { phase: "finishing", waitingUntil: until },
  });
  if (count === 1) return "waiting";
  const now = await db.run.findUnique({ where: { id: runId }, select: { status: true, attempt: true, cancelRequested: true } });
  return now?.status === "running" && now.attempt === attempt && now.cancelRequested ? "cancelled" : "superseded";
}

/** Counters back to zero for a read that starts over (a resumed attempt re-reads from page 1). */
export async function resetReadCounters(db: Db, runId: string, attempt: number): Promise<boolean> {
  const { count } = await db.run.updateMany({ where: { id: runId, attempt, status: "running" }, data: { phase: "reading", total: null, fetched: 0, skipped: 0, filtered: 0 } });
  return count > 0;
}

/**
 * Moves the scheme's cursor to the end of a completed read window and the run to `writing`. With
 * `windowEnd` null the cursor stays (the read may have missed records: the next run reads the window
 * again) and only the run moves on. Fenced by the attempt, as staging is (stagePage's `owner`): an
 * attempt taken over changes neither and answers false. One statement, so the cursor moves only
 * with the run.
 */
export async function completeRead(db: Db, runId: string, attempt: number, schemeId: string, windowEnd: Date | null): Promise<boolean> {
  // Not for a run of a version older than the one that last cleared the cursor (its source read
  // other records: insertSchemeVersion): the new version's next run must read from the beginning.
  const rows = await db.$queryRaw<{ moved: number }[]>`
    WITH run AS (
      UPDATE runs SET phase = 'writing', updated_at = ${new Date()}::timestamp
      WHERE id = ${runId}::uuid AND attempt = ${attempt}::int AND status = 'running'
      RETURNING scheme_version
    ), cursor AS (
      UPDATE schemes SET cursor = GREATEST(COALESCE(cursor, ${windowEnd}::timestamp), ${windowEnd}::timestamp), updated_at = ${new Date()}::timestamp
      WHERE id = ${schemeId}::uuid AND ${windowEnd}::timestamp IS NOT NULL AND EXISTS (SELECT 1 FROM run)
        AND (cursor_from_version IS NULL OR cursor_from_version <= (SELECT scheme_version FROM run))
    )
    SELECT count(*)::int AS moved FROM run`;
  return rows[0]!.moved > 0;
}

/** The run's counters as they are now (a finishing attempt decides the run's status from them). */
export async function runCounters(
  db: Db,
  runId: string,
): Promise<Pick<Run, "fetched" | "written" | "skipped" | "failed" | "saved" | "waiting" | "filtered" | "unknown" | "stale">> {
  return db.run.findUniqueOrThrow({
    where: { id: runId },
    select: { fetched: true, written: true, skipped: true, failed: true, saved: true, waiting: true, filtered: true, unknown: true, stale: true },
  });
}

export interface RunLogLine {
  level: "debug" | "info" | "warn" | "error";
  message: Message;
  data?: Record<string, unknown>;
}

/**
 * Appends lines to a run's log. With `attempt`, only while that attempt is the run's latest (session
 * 33): an attempt taken over (its worker stalled past its lease, its job lock lost) that ends later
 * must not write its end ("运行失败", "运行完成") into the log of a run another attempt finished; its
 * lines are dropped, as its finishRun changes nothing. The run's own end is fenced the same way.
 */
export async function appendRunLog(db: Db, runId: string, lines: RunLogLine | RunLogLine[], attempt?: number): Promise<void> {
  const list = Array.isArray(lines) ? lines : [lines];
  if (list.length === 0) return;
  // The zh-CN text goes to `message` for SQL readers; readers render `data.message` in their language.
  const json = JSON.stringify(list.map((l) => ({ level: l.level, message: render(l.message), data: { ...l.data, message: l.message } })));
  // Straight to the pool, in order (ids follow the array): createMany costs several times as much per call.
  const insert = `INSERT INTO run_logs (run_id, level, message, data)
    SELECT $1::uuid, l.line->>'level', l.line->>'message', NULLIF(l.line->'data', 'null'::jsonb)
    FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS l(line, n)`;
  if (attempt === undefined) {
    await hotQuery(db, `${insert}\n    ORDER BY l.n`, [runId, json]);
  } else {
    await hotQuery(db, `${insert}\n    WHERE EXISTS (SELECT 1 FROM runs WHERE id = $1::uuid AND attempt = $3::int)\n    ORDER BY l.n`, [runId, json, attempt]);
  }
}
