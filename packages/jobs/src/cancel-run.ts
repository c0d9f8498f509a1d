// Cancelling a run: the database first (the truth: a queued run is cancelled at once, a running one
// stops at its next batch), then the job of a run that never started leaves the queue, so it does
// not hold a worker slot only to find its run cancelled. A job a worker holds is left to it, and so
// is the job of a run that had an attempt or whose cancel failed records (its follow-ups must run).
import { cancelRun as cancelRunRow, type Db, type RunModel as Run } from "@qiao/db";
import type { Queue } from "bullmq";
import type { JobsLogger } from "./logger";

const NOT_STARTED = new Set(["waiting", "prioritized", "delayed"]);

export async function cancelRun(db: Db, queue: Queue, runId: string, log?: JobsLogger): Promise<Run | null> {
  const run = await cancelRunRow(db, runId);
  if (run?.status === "running" && run.cancelRequested) {
    await resumeDelayed(queue, runId, log);
    return run;
  }
  if (run?.status !== "cancelled") return run;
  // A run that had an attempt (handed back by a stopping worker), or whose cancel failed records
  // (an automatic retry cancelled while queued: the due records it would have taken, at the
  // schedule's next step), keeps its job: the worker that takes it finds it cancelled and runs its
  // follow-ups, which announce what ending it did (records failed again, some maybe dead letters)
  // and schedule the next retry.
  if (run.attempt > 0 || run.failed > 0) return run;
  try {
    const job = await queue.getJob(runId);
    if (job && NOT_STARTED.has(await job.getState())) await job.remove();
  } catch (error) {
    // Taken by a worker meanwhile, or Redis unreachable: the worker finds the run cancelled and skips it.
    log?.warn({ runId, err: error }, "could not remove the cancelled run's job; a worker will skip it");
  }
  return run;
}

/**
 * A running run whose job is delayed (it waits for unknown outcomes to be looked up, up to
 * QIAO_UNKNOWN_OUTCOME_WAIT_S, or for BullMQ's backoff after a failed attempt) is resumed at once, so
 * a cancel takes effect now rather than when the wait ends: the worker finds it cancelled and ends it
 * (its unknown records stay unknown, looked up by the scheme's next writing run). A job held by a
 * worker stops at its next batch on its own.
 */
async function resumeDelayed(queue: Queue, runId: string, log?: JobsLogger): Promise<void> {
  try {
    const job = await queue.getJob(runId);
    if (job && (await job.getState()) === "delayed") await job.promote();
  } catch (error) {
    // Taken by a worker meanwhile (it sees the cancel), or Redis unreachable: the run ends when its wait does.
    log?.warn({ runId, err: error }, "could not resume the cancelled run's delayed job; it ends when its wait does");
  }
}
