// Reconciliation (对账) on the queue: the row first, then its job (jobId = reconciliation id) in the
// `runs` queue under its own job name; a scheme's reconciliation cron as a job scheduler
// (`reconcile:<scheme id>`); the resync of a report as a retry run; and the sweep that puts back a
// reconciliation whose job was lost.
import { message } from "@qiao/core";
import {
  activeReconciliations,
  automationOn,
  claimResync,
  createReconciliation,
  failReconciliation,
  type Db,
  type ReconciliationModel,
  type ReconciliationTrigger,
  type RunModel,
} from "@qiao/db";
import type { Queue } from "bullmq";
import { syncCronScheduler, type CronSchedulerSpec, type SeenScheduler } from "./cron-scheduler";
import type { JobsLogger } from "./logger";
import { enqueueReconciliation, enqueueRun, JOB, TICK_JOB_OPTIONS } from "./queue";
import { enqueueSoon } from "./request-run";

/** The report keeps this many keys per category by default (QIAO_RECONCILE_KEY_LIMIT). */
export const DEFAULT_RECONCILE_KEY_LIMIT = 1000;

export interface RequestReconciliationInput {
  schemeId: string;
  trigger: ReconciliationTrigger;
  keyLimit?: number;
  createdById?: string | null;
  idempotencyKey?: string | null;
}

/** Saves a queued reconciliation and enqueues it; ReconciliationBusyError while one is active for the scheme. */
export async function requestReconciliation(db: Db, queue: Queue, input: RequestReconciliationInput, log?: JobsLogger): Promise<ReconciliationModel> {
  const row = await createReconciliation(db, { ...input, keyLimit: input.keyLimit ?? DEFAULT_RECONCILE_KEY_LIMIT });
  if (row.status === "queued") await enqueueSoon(() => enqueueReconciliation(queue, row.id), { reconciliationId: row.id }, log);
  return row;
}

/**
 * Resyncs a report's missing records (see claimResync: exactly once per report) with the scheme's
 * current version, and enqueues the retry run. Returns the run and whether this call created it.
 */
export async function requestResync(
  db: Db,
  queue: Queue,
  input: { reconciliationId: string; schemeVersion: number; createdById?: string | null },
  log?: JobsLogger,
): Promise<{ run: RunModel; created: boolean; count: number }> {
  const result = await claimResync(db, input);
  if (result.run.status === "queued") await enqueueSoon(() => enqueueRun(queue, result.run.id), { runId: result.run.id }, log);
  return result;
}

export function reconcileSchedulerId(schemeId: string): string {
  return `reconcile:${schemeId}`;
}

export interface ReconcileSchedulable {
  id: string;
  reconcileCron: string | null;
  timezone: string;
  /** The run schedule's switch (`enabled`) and cron: see automationOn (@qiao/db). */
  enabled: boolean;
  cron: string | null;
}

/** The scheme's reconciliation scheduler as it should be (automation on, with a reconcile cron), or null: none. */
export function reconcileSchedulerSpec(scheme: ReconcileSchedulable): CronSchedulerSpec | null {
  const cron = scheme.reconcileCron?.trim();
  if (!automationOn(scheme) || !cron) return null;
  return { repeat: { pattern: cron, tz: scheme.timezone }, template: { name: JOB.reconcileTick, data: { schemeId: scheme.id }, opts: TICK_JOB_OPTIONS } };
}

/**
 * Upserts (automation on, with a reconcile cron) or removes the scheme's reconciliation scheduler.
 * Unchanged, it is left alone: an upsert drops a tick that fell due while no worker ran. `seen`: see
 * SeenScheduler.
 */
export async function syncReconcileSchedule(queue: Queue, scheme: ReconcileSchedulable, seen?: SeenScheduler): Promise<"scheduled" | "removed" | "left"> {
  return syncCronScheduler(queue, reconcileSchedulerId(scheme.id), reconcileSchedulerSpec(scheme), seen);
}

// A job in one of these states is on its way; "delayed" is BullMQ's backoff between attempts.
const ON_ITS_WAY = new Set(["waiting", "active", "delayed", "prioritized", "waiting-children"]);

/**
 * Reconciliations still queued or running a minute after creation whose job is gone (never
 * enqueued, Redis flushed) are enqueued again (the next attempt starts over); one whose job failed
 * for good (a worker died mid-read more often than BullMQ allows) is marked failed, so it no longer
 * blocks the scheme's next reconciliation.
 */
export async function recoverReconciliations(db: Db, queue: Queue, log: JobsLogger, now = new Date(), pageSize = 100): Promise<number> {
  let recovered = 0;
  const olderThan = new Date(now.getTime() - 60_000);
  // Every active one is looked at, a page at a time (as reconcileRuns does for runs): a backlog
  // queued behind busy workers must not hide one whose job Redis lost.
  let after: { createdAt: Date; id: string } | undefined;
  for (;;) {
    const page = await activeReconciliations(db, olderThan, { limit: pageSize, after });
    for (const r of page) {
      const job = await queue.getJob(r.id);
      const state = job ? await job.getState() : "missing";
      if (ON_ITS_WAY.has(state)) continue;
      if (state === "failed") {
        await failReconciliation(db, r.id, r.attempt, message("reconcile.interrupted"));
        log.warn({ reconciliationId: r.id }, "a reconciliation's job failed for good: marked failed");
      } else {
        if (job) await job.remove().catch(() => undefined);
        await enqueueReconciliation(queue, r.id);
        log.warn({ reconciliationId: r.id, jobState: state }, "re-enqueued a reconciliation that had no job");
      }
      recovered++;
    }
    const last = page.at(-1);
    if (!last || page.length < pageSize) return recovered;
    after = { createdAt: last.createdAt, id: last.id };
  }
}
