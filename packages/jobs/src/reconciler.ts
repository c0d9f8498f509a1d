// Active runs without a job (lost, never enqueued because Redis was down, not handed back, or
// failed while the run was running) are enqueued again and resume from staging. Safe to run in
// every worker: jobId = runId, and a job waiting or in progress is left alone.
import { findStaleActiveRuns, type Db } from "@qiao/db";
import type { Queue } from "bullmq";
import type { JobsLogger } from "./logger";
import { enqueueRun } from "./queue";

// "delayed" includes a run waiting for its unknown write outcomes to be looked up: the worker moved
// its job there on purpose, so it is not lost.
const WAITING = new Set(["waiting", "active", "delayed", "prioritized", "waiting-children"]);

export async function reconcileRuns(db: Db, queue: Queue, olderThanMs: number, log: JobsLogger): Promise<number> {
  let enqueued = 0;
  for (const run of await findStaleActiveRuns(db, olderThanMs)) {
    const job = await queue.getJob(run.id);
    const state = job ? await job.getState() : "missing";
    if (WAITING.has(state)) continue;
    // A finished job with this id would make the new add a no-op.
    if (job) await job.remove().catch(() => undefined);
    await enqueueRun(queue, run.id);
    enqueued++;
    log.warn({ runId: run.id, runStatus: run.status, jobState: state }, "re-enqueued a run that had no job");
  }
  return enqueued;
}
