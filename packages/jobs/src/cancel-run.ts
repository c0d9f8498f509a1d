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
