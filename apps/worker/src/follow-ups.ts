// What happens because a run ended, and what happens once a minute: the steps other capabilities
// hang on the worker (releasing records that waited for this scheme, run-after chains, automatic
// retries, alerts …). Each step is isolated: one that throws is logged and never fails the run, the
// tick, or the steps after it. A step must be safe to repeat and to miss: a worker killed between
// a run's end and its follow-ups loses them, so whatever must not be lost is also swept up by a
// maintenance step (or by the scheme's next run).
import { clockFrom } from "@qiao/core";
import { claimFollowUps, type Config, type Db, type RunModel } from "@qiao/db";
import type { Queue } from "bullmq";
import type { Logger } from "./logger";
import type { WorkerMetrics } from "./metrics";

export interface WorkerDeps {
  db: Db;
  queue: Queue;
  cfg: Config;
  log: Logger;
  /** This process's Prometheus registry (run durations, ERP calls). */
  metrics: WorkerMetrics;
}

export interface FollowUp {
  name: string;
  /** Called once per finished run (succeeded, partial, failed or cancelled): see runFollowUpsOnce. */
  run(deps: WorkerDeps, run: RunModel): Promise<void>;
}

export interface MaintenanceStep {
  name: string;
  run(deps: WorkerDeps, now: Date): Promise<void>;
}

export async function runFollowUps(deps: WorkerDeps, run: RunModel, steps: readonly FollowUp[]): Promise<void> {
  for (const step of steps) {
    try {
      await step.run(deps, run);
    } catch (error) {
      deps.log.error({ runId: run.id, schemeId: run.schemeId, step: step.name, err: error }, "a follow-up of the run failed");
    }
  }
}

/**
 * A finished run's follow-ups, by the first worker that claims them only (claimFollowUps): a second
 * delivery of its job (a cancelled run's claim answers "finished" each time) does not announce its
 * dead letters or its failure again (session 32). A claim that fails (the database gone) skips them,
 * as each step would have failed.
 */
export async function runFollowUpsOnce(deps: WorkerDeps, run: RunModel, steps: readonly FollowUp[]): Promise<void> {
  let claimed: boolean;
  try {
    claimed = await claimFollowUps(deps.db, run.id);
  } catch (error) {
    deps.log.error({ runId: run.id, schemeId: run.schemeId, err: error }, "could not claim the run's follow-ups; they are skipped");
    return;
  }
  if (!claimed) {
    deps.log.info({ runId: run.id, schemeId: run.schemeId }, "the run's follow-ups ran already (its job was delivered again)");
    return;
  }
  await runFollowUps(deps, run, steps);
}

/**
 * Runs the tick's steps in order. Each gets the tick's `now` moved on by the time the steps before
 * it took: a step that claims something under a lease (an alert's digest) counts the lease from when
 * it runs, not from when a slow tick began (session 27: a lease already over when claimed let the
 * next tick, on another worker, send the same digest again).
 */
export async function runMaintenance(deps: WorkerDeps, steps: readonly MaintenanceStep[], now = new Date()): Promise<{ failed: string[] }> {
  const failed: string[] = [];
  const at = clockFrom(now);
  for (const step of steps) {
    try {
      await step.run(deps, at());
    } catch (error) {
      failed.push(step.name);
      deps.log.error({ step: step.name, err: error }, "a maintenance step failed");
    }
  }
  return { failed };
}
