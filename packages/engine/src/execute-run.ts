// One attempt at a run: claim it, compile its scheme version, then read → stage → write (manual and
// scheduled runs; records are written while the read goes on), the first page only (test runs) or
// the failed records (retry runs). Calling it again on an interrupted run resumes from staging; on
// a finished run it does nothing.
import { message, render, testRunOptionsSchema, type Message } from "@qiao/core";
import type { TargetClient } from "@qiao/connectors";
import {
  claimRun,
  clearFinishedWaits,
  currentSchemeTarget,
  DEFAULT_LEASE_MS,
  failActiveRun,
  findRun,
  finishRun,
  isDatabaseUnavailable,
  releaseWaiting,
  requeueRun,
  runCounters,
  runFence,
  waitForOutcomes,
  type RunModel as Run,
} from "@qiao/db";
import { DEFAULT_UNKNOWN_OUTCOME_MAX_WAIT_MS, type EngineContext } from "./context";
import { AttemptSuperseded, describeError, RunFailure } from "./failure";
import { RunJournal } from "./journal";
import { AttemptLease } from "./lease";
import { loadRun } from "./load-run";
import { runLookups } from "./lookups";
import { clockTime, type OutcomesPending } from "./outcomes";
import { READ_WINDOW_OVERLAP_MS, readSource } from "./read-phase";
import { auditSavedBills } from "./audit-saved";
import { endRetryEarly, prepareRetry } from "./retry-run";
import { RunScope, type PhaseEnd } from "./scope";
import { PhaseClock } from "./timings";
import { executeTestRun } from "./test-run";
import { settleAndWrite, writePending } from "./write-phase";

export { READ_WINDOW_OVERLAP_MS };

export type RunOutcome =
  /** The run ended (succeeded, partial, failed or cancelled). */
  | { kind: "finished"; run: Run }
  /** Shutting down: the run stopped at a batch boundary and is queued again, to be resumed. */
  | { kind: "handed-back"; runId: string }
  /** Another worker took the run over (this attempt's job had stalled), or its lease ran out; this one stopped. */
  | { kind: "superseded"; runId: string }
  /**
   * Records whose write outcome is unknown are left: the run stays active and must be resumed at
   * `until`, when they are due to be looked up (the worker delays the run's job until then).
   */
  | { kind: "waiting"; runId: string; until: Date }
  /** Nothing to do: the run is already finished, or does not exist. */
  | { kind: "not-runnable"; run: Run | null };

/** Whether the run writes (a test run writes only when asked to write its first records). */
function writes(run: Run): boolean {
  return run.trigger !== "test" || (testRunOptionsSchema.parse(run.options ?? {}).writeCount ?? 0) > 0;
}

async function runPhases(x: RunScope): Promise<PhaseEnd> {
  const { run } = x;
  // Resumed to look up outcomes that were unknown: nothing is read again.
  if (run.phase === "finishing") return "done";
  switch (run.trigger) {
    case "test":
      return executeTestRun(x);
    case "retry": {
      await prepareRetry(x);
      // Bills saved but not audited are audited, never saved again; the failed records are written.
      // A cancel or stop seen while auditing ends the phase there: nothing more is written.
      const audited = await auditSavedBills(x);
      if (audited !== "done") return audited;
      return writePending(x, true);
    }
    case "dependency":
      // Released by a dependency's writes: the waiting records are mapped again, nothing is read.
      if (run.phase === "queued") await releaseWaits(x);
      return writePending(x, false);
    case "manual":
    case "schedule":
    case "chain": {
      if (run.phase === "queued") await releaseWaits(x);
      if (run.phase === "queued" || run.phase === "reading") {
        // Writes as it reads; then what is still pending (left by earlier runs) is written too.
        const read = await readSource(x);
        if (read !== "done") return read;
        return writePending(x, false, false);
      }
      return writePending(x, false);
    }
  }
}

/** The scheme's waiting records become pending, to be mapped again by this run (its first attempt). */
async function releaseWaits(x: RunScope): Promise<void> {
  const released = await releaseWaiting(x.db, { ...x.attemptRef, schemeId: x.run.schemeId });
  if (released > 0) await x.journal.info(message("run.waitingReleased", { released }), { released });
}

/**
 * Runs (or resumes) one attempt. Run-level failures end the run `failed`; when the database itself
 * is unavailable (connection killed, server restarting) it throws instead, leaving the run
 * `running` for the host to retry (the worker delays the run's job and counts such attempts in a
 * row, apps/worker run-job.ts).
 */
export async function executeRun(ctx: EngineContext, runId: string): Promise<RunOutcome> {
  const startedAt = Date.now();
  const leaseMs = ctx.leaseMs ?? DEFAULT_LEASE_MS;
  // The window's end (CURRENT_TIME, then the scheme's cursor) is the database's clock, not this
  // worker's: the cursor is shared by every worker, and leases already use the database's clock.
  const claim = await claimRun(ctx.db, runId, null, ctx.readWindowOverlapMs ?? READ_WINDOW_OVERLAP_MS, leaseMs);
  if (!claim.claimed) {
    if (claim.run?.status === "cancelled") return { kind: "finished", run: claim.run };
    return { kind: "not-runnable", run: claim.run };
  }
  const run = claim.run;
  const log = ctx.logger.child({ runId, schemeId: run.schemeId, trigger: run.trigger, attempt: run.attempt });
  const clock = new PhaseClock();
  const journal = new RunJournal(ctx.db, runId, log, run.attempt);
  const lease = new AttemptLease(ctx.db, runId, run.attempt, leaseMs, log, ctx.lost);
  lease.start();
  const opened: Opened = {};
  try {
    return await attempt(ctx, run, { log, clock, journal, lease, startedAt, opened });
  } finally {
    lease.stop();
    // Once the attempt's end is recorded (a slow Logout never delays it): the target's session is
    // ended (金蝶 Logout; the next attempt logs in again).
    await opened.target?.close?.();
  }
}

/** The clients an attempt opened, for executeRun to close once the attempt is over. */
interface Opened {
  target?: TargetClient;
}

async function attempt(
  ctx: EngineContext,
  run: Run,
  { log, clock, journal, lease, startedAt, opened }: { log: EngineContext["logger"]; clock: PhaseClock; journal: RunJournal; lease: AttemptLease; startedAt: number; opened: Opened },
): Promise<RunOutcome> {
  const runId = run.id;
  if (run.phase === "finishing") {
    await journal.info(message("run.resumedToLookUp", { attempt: run.attempt }));
  } else if (run.attempt > 1) {
    await journal.info(message("run.resumed", { attempt: run.attempt }), {
      phase: run.phase,
    });
  } else {
    await journal.info(message("run.started", { version: run.schemeVersion }), {
      trigger: run.trigger,
      windowStart: run.windowStart,
      windowEnd: run.windowEnd,
    });
  }

  let end: PhaseEnd;
  let scope: RunScope | undefined;
  let pending: OutcomesPending = { count: 0, nextCheck: null };
  try {
    const loaded = await loadRun(ctx, run, log);
    opened.target = loaded.target;
    // A run requested before its scheme's target was switched writes nowhere (session 18): what it
    // wrote to the old target would count as written to the new one (insertSchemeVersion). A test run
    // too: it may write its first records (writeCount).
    const current = await currentSchemeTarget(ctx.db, run.schemeId);
    if (current && (current.connectionId !== loaded.plan.target.connectionId || current.formId !== loaded.plan.target.formId)) {
      throw new RunFailure(message("run.targetSwitched", { version: run.schemeVersion }));
    }
    // Nor does a run of a version in another write mode than the scheme's now (session 32). Of a
    // create version after a switch to upsert: that save made the stale records pending, to be
    // updated, and this run would create them. Of an upsert version after a switch to create: this
    // run would queue written records again (a changed one is pending in upsert mode), for the next
    // create-mode run to create a second time.
    if (current && current.mode !== loaded.plan.target.mode) {
      throw new RunFailure(message("run.modeSwitched", { version: run.schemeVersion, upsert: current.mode === "upsert" }));
    }
    scope = new RunScope(ctx, run, loaded.plan, loaded.source, loaded.target, journal, clock, lease, loaded.maps);
    scope.lookups = await runLookups(ctx, loaded);
    end = await runPhases(scope);
    if (end === "done" && writes(run)) {
      const settled = await settleAndWrite(scope, run.trigger === "retry" || run.trigger === "test");
      end = settled.end;
      pending = settled.pending ?? pending;
      // What no longer waits forgets what it waited for (what still waits keeps its `since`). Also
      // for a plan without lookups (session 31's audit): records that waited under a version that
      // looked something up are sent by this one, and rows left behind would make every write of
      // the dependency start a release run of this scheme. One index probe when nothing waits.
      await clearFinishedWaits(ctx.db, run.schemeId);
    }
  } catch (error) {
    if (error instanceof AttemptSuperseded) {
      log.warn({ lost: lease.lost ?? "superseded" }, "this attempt no longer owns the run (another worker took it over, or its lease or job lock was lost); stopping");
      await journal.flush().catch(() => undefined);
      return { kind: "superseded", runId };
    }
    if (isDatabaseUnavailable(error)) {
      // Nothing can be recorded now: the run stays `running` and the host retries the attempt,
      // which resumes from staging (records left `sending` are looked up before anything is resent).
      log.warn({ err: error }, "database unavailable: this attempt stops, the host retries it");
      throw error;
    }
    if (ctx.shouldStop?.()) {
      end = "stopped";
    } else {
      const described = describeError(error);
      log.error({ err: error }, `run failed: ${render(described, "en")}`);
      await journal.ending("error", message("run.failed", { error: described }));
      await endRetryEarly(ctx, run, journal, { failure: described, backoffMs: scope?.plan.retryBackoffMs });
      await journal.flush();
      const finished = await finishRun(ctx.db, runId, run.attempt, { status: "failed", error: described });
      return finished ? { kind: "finished", run: finished } : { kind: "superseded", runId };
    }
  } finally {
    // The phases are over (their calls answered and recorded): whatever records they still count
    // (a page dropped by a stop, a batch of a failed phase) go back to the process's budget.
    scope?.held.close();
  }

  if (end === "stopped") {
    await requeueRun(ctx.db, runId, run.attempt);
    await journal.ending("info", message("run.handedBack"));
    await journal.flush();
    return { kind: "handed-back", runId };
  }
  const endCancelled = async (line: Message): Promise<RunOutcome> => {
    await journal.ending("warn", line);
    await endRetryEarly(ctx, run, journal, { failure: null, backoffMs: scope?.plan.retryBackoffMs });
    await journal.flush();
    const finished = await finishRun(ctx.db, runId, run.attempt, { status: "cancelled" });
    return finished ? { kind: "finished", run: finished } : { kind: "superseded", runId };
  };
  if (end === "cancelled") return endCancelled(message("run.cancelled"));

  // A run that has waited for its unknown outcomes longer than allowed (its lookups failing all
  // along: the target down, its password changed) ends instead of keeping the scheme busy for ever
  // (session 33). Its records stay unknown, never resent: the scheme's next writing run looks them
  // up first. Partial or failed as its counters say, with why.
  let gaveUp: Message | null = null;
  let counters: Awaited<ReturnType<typeof runCounters>> | undefined;
  const maxWaitMs = ctx.unknownOutcomeMaxWaitMs ?? DEFAULT_UNKNOWN_OUTCOME_MAX_WAIT_MS;
  // A cancel that came during the last settling wins (session 34), as it does over a wait
  // (waitForOutcomes): the run ends cancelled, its records unknown all the same.
  const cancelledInstead = () => endCancelled(message("run.cancelledBeforeWait", { count: pending.count }));
  if (scope && pending.count > 0 && run.waitingSince && Date.now() - run.waitingSince.getTime() >= maxWaitMs) {
    // Looked at here so the log does not say the run gave up; the finish below checks it again.
    if ((await runFence(ctx.db, runId))?.cancelRequested) return cancelledInstead();
    counters = await runCounters(ctx.db, runId);
    // The scheme's unknown records (what the run waited for) and, apart, those it sent itself.
    gaveUp = message("run.outcomesGaveUp", {
      count: pending.count,
      own: counters.unknown,
      since: clockTime(run.waitingSince, scope.plan.timezone),
      minutes: Math.round(maxWaitMs / 60_000),
    });
    await journal.ending("warn", gaveUp, { unknown: pending.count, own: counters.unknown, waitingSince: run.waitingSince.toISOString() });
  } else if (scope && pending.count > 0) {
    const until = new Date(Math.max(pending.nextCheck?.getTime() ?? 0, Date.now() + 1_000));
    const at = clockTime(until, scope.plan.timezone);
    await journal.ending("info", message("run.outcomesPending", { count: pending.count, at }), {
      unknown: pending.count, waitingUntil: until.toISOString() },
    );
    await journal.flush();
    const waits = await waitForOutcomes(ctx.db, runId, run.attempt, until);
    if (waits === "waiting") return { kind: "waiting", runId, until };
    // A cancel that came during the last settling (the job still active, so cancelRun promoted
    // nothing): the run ends now, as a claim ends a cancelled waiting run, instead of after the whole
    // wait (session 31's audit). Its unknown records stay unknown, for the scheme's next writing run.
    if (waits === "cancelled") return endCancelled(message("run.cancelledBeforeWait", { count: pending.count }));
    return { kind: "superseded", runId };
  }

  counters ??= await runCounters(ctx.db, runId);
  // Bills saved but not audited are not done either: partial, as with failures beside writes.
  // Records that wait for a dependency are not failures: they go out by themselves later.
  // Records a lookup left stale (runs.stale: an update sent before a switch back to create mode, its
  // effect unknown) are not failures either (session 35): like a record staging finds changed in
  // create mode (counted in skipped, the run succeeds), nothing a retry can do, nothing to alert on;
  // the log line and the run page name them.
  const status =
    counters.failed + counters.saved === 0 && !gaveUp ? "succeeded" : counters.written + counters.saved + counters.waiting > 0 ? "partial" : "failed";
  const error = gaveUp ?? (status === "failed" ? message("run.allFailed", { failed: counters.failed }) : null);
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  await journal.ending(
    status === "succeeded" ? "info" : "warn",
    message("run.finished", {
      seconds,
      fetched: counters.fetched,
      written: counters.written,
      skipped: counters.skipped,
      failed: counters.failed,
      filtered: counters.filtered,
      ...(counters.stale > 0 && { stale: counters.stale }),
    }),
    {
      status,
      fetched: counters.fetched,
      written: counters.written,
      skipped: counters.skipped,
      failed: counters.failed,
      ...(counters.filtered > 0 && { filtered: counters.filtered }),
      ...(counters.stale > 0 && { stale: counters.stale }),
      // This attempt's milliseconds per phase (see ./timings.ts).
      timingsMs: { total: Date.now() - startedAt, ...clock.totals() },
      // The target connection and its "concurrent calls": the run page's timings say whether more
      // would have helped (apps/web, run-timings).
      // `steps`: the values its batches went with, when the setting changed during the attempt.
      ...(scope && {
        target: {
          connectionId: scope.plan.target.connectionId,
          concurrency: scope.target.concurrency,
          ...(scope.concurrencySteps.length > 1 && { steps: scope.concurrencySteps }),
        },
      }),
    },
  );
  await journal.flush();
  const finished = await finishRun(ctx.db, runId, run.attempt, { status, error, unlessCancelled: gaveUp !== null });
  if (finished) return { kind: "finished", run: finished };
  // Refused for a cancel that landed since the look above: cancelled all the same.
  const now = gaveUp ? await runFence(ctx.db, runId) : null;
  if (now?.status === "running" && now.attempt === run.attempt && now.cancelRequested) return cancelledInstead();
  return { kind: "superseded", runId };
}

/**
 * The host gave up on a run (its job failed for good: the database unavailable to
 * WORKER_DB_FAILURE_LIMIT attempts in a row, an unrecoverable error): failed, if still active, with what a run that fails in an attempt
 * does too, its log line and a retry's unsent records put back or failed (see endRetryEarly).
 * Returns the run as it ended, for the host's follow-ups, or null if it had already ended.
 */
export async function failAbandonedRun(ctx: EngineContext, runId: string, error: Message): Promise<Run | null> {
  const failed = await failActiveRun(ctx.db, runId, error);
  if (!failed) return null;
  const journal = new RunJournal(ctx.db, runId, ctx.logger.child({ runId, schemeId: failed.schemeId }));
  await journal.error(message("run.failed", { error }));
  await endRetryEarly(ctx, failed, journal, { failure: error });
  await journal.flush();
  return findRun(ctx.db, runId);
}
