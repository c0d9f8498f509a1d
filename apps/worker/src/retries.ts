// The retry policy on the worker (issue #14): after every run, the scheme's retry job is scheduled
// for its earliest due retry and the records the run dead-lettered are announced; the retry job
// requests a `retry` run of the due transient failures (one run per scheme: a busy scheme is tried
// again shortly); once a minute, retry jobs Redis lost are restored from Postgres.
import { countDeadLetteredByRun, nextRetryDue, schemeAutomationOn, schemesWithRetries, SchemeBusyError } from "@qiao/db";
import { RETRY_BUSY_DELAY_MS, requestRun, retryJobSchema, scheduleRetry, type RetryJobData } from "@qiao/jobs";
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { FollowUp, MaintenanceStep, WorkerDeps } from "./follow-ups";

/** Records a run dead-lettered (死信), for whoever must hear of it (the alerts, issue #14 item 2). */
export interface RecordsDeadLettered {
  schemeId: string;
  runId: string;
  count: number;
}

/** The seam for alerts: called once per finished run that dead-lettered records. */
export type DeadLetterHook = (deps: WorkerDeps, event: RecordsDeadLettered) => Promise<void>;

/** Until the alerts are glued in: a warning in the worker's log. */
export const logDeadLettered: DeadLetterHook = async (deps, event) => {
  deps.log.warn(event, "records dead-lettered: their automatic retries ran out");
};

/** After a run: schedules the scheme's next automatic retry, and announces its dead letters. */
export function retryFollowUp(onDeadLettered: DeadLetterHook = logDeadLettered): FollowUp {
  return {
    name: "retry-policy",
    async run(deps, run) {
      // Only a record that failed in this run gets a retry time or becomes a dead letter; a run
      // that failed none (most scheduled runs) changed neither, and its two statements were a
      // fifteenth of a no-op run's (the maintenance step restores a retry job Redis lost).
      if (run.failed === 0) return;
      const due = await nextRetryDue(deps.db, run.schemeId);
      if (due && (await schemeAutomationOn(deps.db, run.schemeId))) {
        const scheduled = await scheduleRetry(deps.queue, run.schemeId, due);
        deps.log.info({ schemeId: run.schemeId, runId: run.id, due: due.toISOString(), scheduled }, "automatic retry scheduled");
      }
      const count = await countDeadLetteredByRun(deps.db, run.id);
      if (count > 0) await onDeadLettered(deps, { schemeId: run.schemeId, runId: run.id, count });
    },
  };
}

/** Once a minute: every scheme with a retry waiting in Postgres has its delayed job (Redis may have lost it). */
export const restoreRetries: MaintenanceStep = {
  name: "restore-retries",
  async run(deps) {
    let restored = 0;
    for (const { schemeId, retryAt } of await schemesWithRetries(deps.db)) {
      if ((await scheduleRetry(deps.queue, schemeId, retryAt)) !== "kept") restored++;
    }
    if (restored > 0) deps.log.warn({ restored }, "restored automatic retry jobs missing from Redis");
  },
};

/**
 * The retry job: a `retry` run (scope scheme, automatic) when something is due; delayed to the next
 * due time when nothing is yet; delayed RETRY_BUSY_DELAY_MS while the scheme has an active run.
 */
export async function processRetry(deps: WorkerDeps, job: Job, token: string | undefined): Promise<{ runId?: string; skipped?: string }> {
  const parsed = retryJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid job payload: ${parsed.error.message}`);
  const { schemeId } = parsed.data;
  // A scheme switched off (启用 off: 金蝶 closed for the month, or the scheme writes something wrong)
  // gets no automatic run: its records keep their retry time, and the restore step schedules the
  // job again once the scheme is switched on.
  if (!(await schemeAutomationOn(deps.db, schemeId))) return { skipped: "paused" };
  const due = await nextRetryDue(deps.db, schemeId);
  if (!due) return { skipped: "nothing-due" };
  if (due.getTime() > Date.now() + 1_000) {
    await delayRetryJob(job, due.getTime(), token);
    throw new DelayedError();
  }
  try {
    const run = await requestRun(deps.db, deps.queue, { schemeId, trigger: "retry", options: { scope: "scheme", automatic: true } }, deps.log);
    deps.log.info({ schemeId, runId: run.id }, "automatic retry run queued");
    return { runId: run.id };
  } catch (error) {
    if (!(error instanceof SchemeBusyError)) throw error;
    // One run per scheme: this one waits for the active run (whose follow-up schedules it too).
    deps.log.info({ schemeId, activeRunId: error.activeRun?.id }, "automatic retry postponed: the scheme has an active run");
    await delayRetryJob(job, Date.now() + RETRY_BUSY_DELAY_MS, token);
    throw new DelayedError();
  }
}

/**
 * Delays the job to `at` with `dueAt` in its data, which is how scheduleRetry knows when it fires.
 * The data first: while the job is active nothing reads it, and a move that then fails (the lock
 * lost) leaves the job to BullMQ, whose next attempt writes it again.
 */
async function delayRetryJob(job: Job, at: number, token: string | undefined): Promise<void> {
  await job.updateData({ ...(job.data as RetryJobData), dueAt: Math.max(at, Date.now()) } satisfies RetryJobData);
  await job.moveToDelayed(at, token);
}
