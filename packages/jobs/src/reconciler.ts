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

/**
 * Every stale active run is looked at, `pageSize` at a time: a backlog of runs queued behind a busy
 * worker (their jobs waiting, so left alone) must not hide a lost run created after them, as the
 * 100 oldest alone did.
 */
export async function reconcileRuns(db: Db, queue: Queue, olderThanMs: number, log: JobsLogger, pageSize = 100): Promise<number> {
  let enqueued = 0;
  let after: { createdAt: Date; id: string } | undefined;
  for (;;) {
    const page = await findStaleActiveRuns(db, olderThanMs, { limit: pageSize, after });
    for (const run of page) {
      const job = await queue.getJob(run.id);
      const state = job ? await job.getState() : "missing";
      if (WAITING.has(state)) continue;
      // A finished job with this id would make the new add a no-op.
      if (job) await job.remove().catch(() => undefined);
      await enqueueRun(queue, run.id);
      enqueued++;
      log.warn({ runId: run.id, runStatus: run.status, jobState: state }, "re-enqueued a run that had no job");
    }
    const last = page.at(-1);
    if (!last || page.length < pageSize) return enqueued;
    after = { createdAt: last.createdAt, id: last.id };
  }
}
