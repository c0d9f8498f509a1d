// The `runs` queue: job names, payloads and defaults in one place. The database is the truth about
// a run; a job only delivers its id (jobId = runId, so enqueuing twice is harmless).
import { Queue, type ConnectionOptions, type JobsOptions } from "bullmq";
import { z } from "zod";

export const RUN_QUEUE = "runs";

export const JOB = {
  /** Execute (or resume) a run: `{ runId }`. */
  run: "run",
  /** A scheme's cron tick (job scheduler id = scheme id): `{ schemeId }`. */
  schedule: "schedule",
  /** Daily retention of run data. */
  prune: "prune-runs",
  /**
   * Once a minute, cluster-wide (one scheduler): the worker's housekeeping steps (apps/worker
   * maintenance.ts), e.g. expiring records that waited too long, alert rules that watch time.
   */
  maintain: "maintain",
  /** Execute a reconciliation (对账): `{ reconciliationId }` (jobId = its id). */
  reconcile: "reconcile",
  /** A scheme's reconciliation cron tick (scheduler id `reconcile:<scheme id>`): `{ schemeId }`. */
  reconcileTick: "reconcile-schedule",
  /** A scheme's automatic retry of its transient failures (issue #14): `{ schemeId }`, jobId `retry-<schemeId>` (./retries.ts). */
  retry: "retry",
} as const;

/**
 * `dbFailures`: the run's attempts in a row that ended because the database was unavailable, kept by
 * the worker that delays the job after each (apps/worker run-job.ts; absent: none). Counted in the
 * job's data, not by BullMQ's attempts, which count over the job's whole life: a long run that lives
 * through three brief outages must not fail at the third (session 31's audit).
 */
export const runJobSchema = z.object({ runId: z.uuid(), dbFailures: z.number().int().min(0).optional() });
/**
 * A cron tick (run or reconciliation). `tick`: the id of the tick it stands for, when BullMQ could
 * not give it that id (a tick owed after Redis lost its scheduler: ./owed-ticks.ts); its run's
 * idempotency key is `schedule:<tick>`, as the tick's own would have been.
 */
export const scheduleJobSchema = z.object({ schemeId: z.uuid(), tick: z.string().min(1).max(200).optional() });

/** The idempotency key of a tick's run or reconciliation: one per tick, however often it is tried. */
export function tickIdempotencyKey(job: { id?: string | undefined }, data: z.infer<typeof scheduleJobSchema>): string {
  return `schedule:${data.tick ?? job.id ?? ""}`;
}

/**
 * A cron tick's job (scheme runs and reconciliations): retried through a database outage like a run
 * job (5 s, 10 s, 20 s, 40 s: over a minute of Postgres restarting), or the tick that fell due then
 * would be lost until the next cron time. A retried tick queues one run: its idempotency key is the
 * tick's (tickIdempotencyKey).
 */
export const TICK_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: true,
  removeOnFail: { count: 100 },
};

export const reconcileJobSchema = z.object({ reconciliationId: z.uuid() });

export type RunJobData = z.infer<typeof runJobSchema>;

export const PRUNE_SCHEDULER_ID = "qiao-prune-runs";
export const MAINTAIN_SCHEDULER_ID = "qiao-maintain";

export interface QueueConfig {
  REDIS_URL: string;
  REDIS_PREFIX: string;
}

/**
 * Connection options, not an ioredis instance (BullMQ then owns and closes its connections).
 * Workers block on Redis and must retry forever; producers (the web app) fail fast instead.
 */
export function redisConnection(url: string, role: "worker" | "producer"): ConnectionOptions {
  return role === "worker" ? { url, maxRetriesPerRequest: null } : { url, maxRetriesPerRequest: 2, enableOfflineQueue: false };
}

/**
 * Infrastructure failures are retried; run-level failures never reach BullMQ. A database outage
 * does not use these attempts either: the worker delays the run's job itself and gives up after
 * WORKER_DB_FAILURE_LIMIT attempts in a row (apps/worker run-job.ts). What is left here is the rest
 * (Redis failing under the job, an error after the run ended).
 */
export const RUN_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 86_400 },
};

/** The queue the web app (and the worker, for schedules) adds jobs to. */
export function createRunQueue(config: QueueConfig, role: "worker" | "producer" = "producer"): Queue {
  return new Queue(RUN_QUEUE, { connection: redisConnection(config.REDIS_URL, role), prefix: config.REDIS_PREFIX });
}

export async function enqueueRun(queue: Queue, runId: string): Promise<void> {
  await queue.add(JOB.run, { runId } satisfies RunJobData, { ...RUN_JOB_OPTIONS, jobId: runId });
}

/** A reconciliation's job: failures other than the database's are recorded on its row, not retried. */
export async function enqueueReconciliation(queue: Queue, reconciliationId: string): Promise<void> {
  await queue.add(JOB.reconcile, { reconciliationId } satisfies z.infer<typeof reconcileJobSchema>, { ...RUN_JOB_OPTIONS, jobId: reconciliationId });
}

/** Deletes every key under the prefix (queue, schedulers, rate limiter) through a queue's connection. */
export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const queue = createRunQueue({ REDIS_URL: redisUrl, REDIS_PREFIX: prefix });
  try {
    const client = await queue.getBackend().client;
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, { MATCH: `${prefix}:*`, COUNT: 1000 });
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== "0");
  } finally {
    await queue.close();
  }
}
