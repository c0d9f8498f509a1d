// A run's job: one attempt of the run through the engine, then what the attempt's end asks of the
// job (finish with the run's follow-ups, wait in the delayed set, go back to waiting). Also how the
// job lives through database outages: the engine throws when the database is unavailable, leaving
// the run `running`, and the job tries the attempt again later.
import { message, type Message } from "@qiao/core";
import { findRun, isDatabaseUnavailable, type Db } from "@qiao/db";
import { executeRun, type EngineContext, type RunOutcome } from "@qiao/engine";
import { runJobSchema } from "@qiao/jobs";
import { DelayedError, UnrecoverableError, WaitingError, type Job } from "bullmq";
import type { z } from "zod";
import type { Deliveries, Delivery } from "./deliveries";
import { runFollowUpsOnce, type WorkerDeps } from "./follow-ups";
import { parse } from "./job-payload";
import type { Logger } from "./logger";
import { FOLLOW_UPS } from "./steps";

/** The first wait after an attempt the database failed, doubled after each one in a row. */
export const DB_RETRY_FIRST_MS = 5_000;
/** The longest wait between two attempts the database failed. */
export const DB_RETRY_MAX_MS = 60_000;

/** How long the job waits after `failures` attempts in a row ended because the database was unavailable. */
export function dbRetryDelayMs(failures: number): number {
  return Math.min(DB_RETRY_MAX_MS, DB_RETRY_FIRST_MS * 2 ** Math.max(0, failures - 1));
}

/**
 * The worker gives a run up: the database was unavailable to `failures` attempts in a row.
 * Unrecoverable for BullMQ (the job fails now, whatever attempts it has left), so the worker's
 * `failed` handler ends the run failed, saying why (see failureOf).
 */
export class DatabaseOutage extends UnrecoverableError {
  constructor(
    readonly failures: number,
    readonly text: string,
  ) {
    super(text);
  }
}

/** What a run that failed for good in its job is failed with (worker.ts's `failed` handler). */
export function failureOf(error: Error): Message {
  return error instanceof DatabaseOutage
    ? message("run.databaseUnavailable", { failures: error.failures, text: error.text })
    : message("run.workerFailed", { text: error.message });
}

export interface RunJobHost {
  deps: WorkerDeps;
  /** The engine's context for one attempt (`progressed`: see EngineContext.progressed). */
  engineContext(logger: Logger, lost: AbortSignal, progressed?: () => void): EngineContext;
  /** The deliveries in progress here: each one's lock-loss abort, and the heartbeat's `runs`. */
  deliveries: Deliveries;
  /** WORKER_DB_FAILURE_LIMIT. */
  dbFailureLimit: number;
}

export async function processRun(job: Job, token: string | undefined, jobLog: Logger, host: RunJobHost) {
  const data = parse(runJobSchema, job.data);
  // Its own entry, even when BullMQ handed the job to this worker again while an earlier delivery
  // still runs (see ./deliveries.ts).
  const delivery = host.deliveries.begin(job.id ?? data.runId, data.runId);
  try {
    return await deliverRun(job, token, jobLog, host, data, delivery);
  } finally {
    await delivery.finish();
  }
}

async function deliverRun(job: Job, token: string | undefined, jobLog: Logger, host: RunJobHost, data: z.infer<typeof runJobSchema>, delivery: Delivery) {
  const { runId } = data;
  const { db } = host.deps;
  // Whether this attempt got through to the database after its claim: a failure after that is a new
  // outage, not the one the job's count is about.
  let progressed = false;
  let outcome: RunOutcome;
  try {
    const ctx = host.engineContext(jobLog, delivery.lost, () => {
      progressed = true;
    });
    outcome = await executeRun(ctx, runId);
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    return retryAfterOutage(job, token, jobLog, host, { runId, failures: (progressed ? 0 : (data.dbFailures ?? 0)) + 1, error });
  } finally {
    delivery.attemptOver();
  }
  // The attempt got through: the job's next outage counts from one (a job that goes on only).
  if ((data.dbFailures ?? 0) > 0 && (outcome.kind === "waiting" || outcome.kind === "handed-back")) await job.updateData({ runId });
  switch (outcome.kind) {
    case "waiting":
      // A delayed job, not a timer: the run resumes when its unknown outcomes are due for lookup.
      jobLog.info({ runId, until: outcome.until.toISOString() }, "run waits for unknown write outcomes to be looked up");
      await job.moveToDelayed(outcome.until.getTime(), token);
      await resumeIfCancelled(db, job, runId, jobLog);
      throw new DelayedError();
    case "handed-back":
      // Back to waiting without using up an attempt: the next free worker resumes the run.
      await job.moveToWait(token);
      throw new WaitingError();
    case "finished":
      jobLog.info({ runId, status: outcome.run.status }, `run ${outcome.run.status}`);
      // Once per run: a cancelled run is "finished" at every delivery of its job.
      await runFollowUpsOnce({ ...host.deps, log: jobLog }, outcome.run, FOLLOW_UPS);
      return { status: outcome.run.status };
    case "superseded":
      return { superseded: true };
    case "not-runnable":
      jobLog.info({ runId, status: outcome.run?.status ?? null }, "nothing to do: the run is finished or unknown");
      return { status: outcome.run?.status ?? null };
  }
}

/**
 * The attempt ended because the database was unavailable: the job waits (a delay, which uses none
 * of BullMQ's attempts) and tries again, counting the attempts in a row in its data, until
 * WORKER_DB_FAILURE_LIMIT of them failed: then the run is given up (DatabaseOutage). BullMQ's
 * attempts count over the job's whole life, and a long run that met three brief outages hours
 * apart, each recovered from, failed at the third (session 31's audit).
 */
async function retryAfterOutage(
  job: Job,
  token: string | undefined,
  jobLog: Logger,
  host: RunJobHost,
  { runId, failures, error }: { runId: string; failures: number; error: unknown },
): Promise<never> {
  const text = error instanceof Error ? error.message : String(error);
  if (failures >= host.dbFailureLimit) {
    jobLog.error({ err: error, runId, failures }, "database unavailable to the run's attempts in a row: the run is given up");
    throw new DatabaseOutage(failures, text);
  }
  const retryAt = Date.now() + dbRetryDelayMs(failures);
  jobLog.warn({ err: error, runId, failures, retryAt: new Date(retryAt).toISOString() }, "database unavailable: the attempt stops, the job tries again later");
  await job.updateData({ runId, dbFailures: failures });
  await job.moveToDelayed(retryAt, token);
  throw new DelayedError();
}

/**
 * A cancel that came after the run began its wait (waitForOutcomes) but before its job was delayed
 * found the job active, and `@qiao/jobs` cancelRun promotes only a delayed job: the run would have
 * stayed active for the whole wait (session 31's audit). So, once delayed, the run is read again,
 * and a cancelled one's job is promoted here: the claim ends the run cancelled. A cancel after this
 * read finds the job delayed and promotes it itself.
 */
async function resumeIfCancelled(db: Db, job: Job, runId: string, jobLog: Logger): Promise<void> {
  try {
    const run = await findRun(db, runId);
    if (run?.status === "running" && run.cancelRequested) await job.promote();
  } catch (error) {
    // Promoted by the cancel meanwhile, or the database or Redis unreachable: at worst the run ends when its wait does.
    jobLog.warn({ runId, err: error }, "could not check the waiting run for a cancel; it ends when its wait does");
  }
}
