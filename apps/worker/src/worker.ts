// The worker process's parts: a BullMQ Worker on `runs` executing runs through the engine, schedule
// ticks, daily pruning, the reconciler, and a graceful close that hands runs back at a batch boundary.
import { config as loadConfig, prisma, pruneRuns, runRetention, SchemeBusyError, type Config, type Db } from "@qiao/db";
import { failAbandonedRun, RecordBudget, type EngineContext } from "@qiao/engine";
import {
  beat,
  createRunQueue,
  forgetProcessMetrics,
  forgetWorker,
  HEARTBEAT_MS,
  JOB,
  publishProcessMetrics,
  reconcileRuns,
  redisConnection,
  requestRun,
  restoreMissingSchedules,
  RUN_QUEUE,
  scheduleJobSchema,
  tickIdempotencyKey,
  scheduleMaintenance,
  schedulePruning,
  syncSchedules,
  syncSchemeSchedule,
  tickMetBusyScheme,
  ticksOnSchemeCron,
} from "@qiao/jobs";
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { UnrecoverableError, Worker, type Job, type Queue } from "bullmq";
import { parse } from "./job-payload";
import { FOLLOW_UPS, MAINTENANCE_STEPS } from "./steps";
import { runFollowUpsOnce, runMaintenance, type WorkerDeps } from "./follow-ups";
import { processRetry } from "./retries";
import { failureOf, processRun, type RunJobHost } from "./run-job";
import { createLogger, type Logger } from "./logger";
import { createWorkerMetrics } from "./metrics";
import { processReconcile, processReconcileTick } from "./reconcile";
import { createSharedSlots } from "./call-slots";
import { Deliveries } from "./deliveries";
import { createSharedLimiters } from "./rate-limiter";
import { workerSettings, type WorkerSettings } from "./settings";

const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

export interface StartWorkerOptions {
  /** Default: the process-wide client for DATABASE_URL (closed by `close()`). */
  db?: Db;
  config?: Config;
  settings?: WorkerSettings;
  logger?: Logger;
}

export interface RunningWorker {
  queue: Queue;
  /** This process's id in heartbeats (`aliveWorkers`). */
  id: string;
  /**
   * Graceful stop: takes no new jobs, lets each run finish its current batch, hands the runs back
   * (status `queued`, job back to waiting) and closes every connection.
   */
  close(): Promise<void>;
  /** Hard stop: aborts connector calls in flight (their records stay `sending`, looked up on resume). */
  abort(): void;
}

export async function startWorker(opts: StartWorkerOptions = {}): Promise<RunningWorker> {
  const cfg = opts.config ?? loadConfig();
  const settings = opts.settings ?? workerSettings();
  const log = opts.logger ?? createLogger(cfg.LOG_LEVEL);
  const db = opts.db ?? prisma();
  const queue = createRunQueue(cfg, "worker");
  const limiters = createSharedLimiters({ redisUrl: cfg.REDIS_URL, prefix: cfg.REDIS_PREFIX, defaultQps: settings.WORKER_CONNECTION_QPS });
  const slots = createSharedSlots({ redisUrl: cfg.REDIS_URL, prefix: cfg.REDIS_PREFIX, leaseMs: settings.WORKER_CALL_SLOT_LEASE_MS, logger: log });
  const aborter = new AbortController();
  // Every call in flight, of every run, listens to it (the connectors use one signal as it is rather
  // than through AbortSignal.any): many listeners are expected, not a leak.
  setMaxListeners(0, aborter.signal);
  let stopping = false;
  /** The deliveries in progress: aborted when BullMQ could not renew their job's lock (see lockRenewalFailed); their runs are the heartbeat's. */
  const deliveries = new Deliveries();
  // One budget for the process: every run's pages and batches count in it.
  const records = new RecordBudget(cfg.WORKER_RECORD_BUDGET);
  const metrics = createWorkerMetrics(records);
  const deps: WorkerDeps = { db, queue, cfg, log, metrics };

  const engineContext = (logger: Logger, lost: AbortSignal, progressed?: () => void): EngineContext => ({
    db,
    logger,
    limiterFor: (connection) => limiters.forConnection(connection),
    slotsFor: () => slots,
    observerFor: (connection) => metrics.observerFor(connection),
    shouldStop: () => stopping,
    signal: aborter.signal,
    lost,
    connectorDefaults: { timeoutMs: settings.WORKER_CONNECTOR_TIMEOUT_MS },
    leaseMs: settings.WORKER_LOCK_DURATION_MS,
    unknownOutcomeWaitMs: cfg.QIAO_UNKNOWN_OUTCOME_WAIT_S * 1000,
    unknownOutcomeMaxWaitMs: cfg.QIAO_UNKNOWN_OUTCOME_MAX_WAIT_S * 1000,
    erpLookupTtlMs: cfg.QIAO_ERP_LOOKUP_TTL_S * 1000,
    records,
    ...(progressed && { progressed }),
  });
  const runHost: RunJobHost = { deps, engineContext, deliveries, dbFailureLimit: settings.WORKER_DB_FAILURE_LIMIT };

  /**
   * A scheme's cron tick: its run, unless the scheme is gone or switched off (its scheduler is
   * removed), or the scheduler that fired it no longer ticks on the scheme's cron or timezone (a save
   * that raced a sync left another cron there: the scheduler is put back to the scheme's, and the
   * tick of the outdated cron does not run; the scheme runs at its own next time). A tick given back
   * after a save changed the cron (cron-scheduler.ts, owed-ticks.ts) runs: by then the scheduler is
   * the scheme's. A busy scheme skips or defers the tick (tickMetBusyScheme).
   */
  async function processTick(job: Job, jobLog: Logger) {
    const data = parse(scheduleJobSchema, job.data);
    const { schemeId } = data;
    // Redis before the database: a save in between has synced the scheduler from what is read next.
    const scheduler = (await queue.getJobScheduler(schemeId)) ?? null;
    const scheme = await db.scheme.findUnique({ where: { id: schemeId }, select: { id: true, cron: true, timezone: true, enabled: true, currentVersion: true } });
    if (!scheme?.enabled || !scheme.cron) {
      await syncSchemeSchedule(queue, scheme ?? { id: schemeId, cron: null, timezone: "UTC", enabled: false }, scheduler);
      jobLog.info({ schemeId }, "schedule tick for a scheme that is gone or disabled: scheduler removed");
      return { skipped: "no-schedule" };
    }
    if (scheduler && !ticksOnSchemeCron(scheduler, scheme)) {
      await syncSchemeSchedule(queue, scheme, scheduler);
      jobLog.warn(
        { schemeId, pattern: scheduler.pattern, tz: scheduler.tz, cron: scheme.cron, timezone: scheme.timezone },
        "schedule tick of a cron that is no longer the scheme's: not run, the scheduler is put back to the scheme's cron",
      );
      return { skipped: "outdated-cron" };
    }
    const idempotencyKey = tickIdempotencyKey(job, data);
    try {
      const run = await requestRun(db, queue, { schemeId, trigger: "schedule", idempotencyKey, scheme }, jobLog);
      jobLog.info({ schemeId, runId: run.id }, "scheduled run queued");
      return { runId: run.id };
    } catch (error) {
      if (!(error instanceof SchemeBusyError)) throw error;
      const outcome = await tickMetBusyScheme(db, queue, { schemeId, idempotencyKey, busy: error }, jobLog);
      return { skipped: "busy", outcome, activeRunId: error.activeRun?.id ?? null };
    }
  }

  const worker = new Worker(
    RUN_QUEUE,
    async (job, token) => {
      const jobLog = log.child({ jobId: job.id, job: job.name });
      switch (job.name) {
        case JOB.run:
          return processRun(job, token, jobLog, runHost);
        case JOB.schedule:
          return processTick(job, jobLog);
        case JOB.reconcile: {
          const delivery = deliveries.begin(job.id ?? "");
          try {
            return await processReconcile(job, token, engineContext(jobLog, delivery.lost), jobLog);
          } finally {
            await delivery.finish();
          }
        }
        case JOB.reconcileTick:
          return processReconcileTick(job, { ...deps, log: jobLog }, cfg.QIAO_RECONCILE_KEY_LIMIT);
        case JOB.retry:
          return processRetry({ ...deps, log: jobLog }, job, token);
        case JOB.maintain:
          return runMaintenance({ ...deps, log: jobLog }, MAINTENANCE_STEPS);
        case JOB.prune: {
          const retention = runRetention(cfg);
          const deleted = await pruneRuns(db, retention.days, retention.quietDays);
          jobLog.info({ ...deleted, ...retention }, "pruned runs past retention");
          return deleted;
        }
        default:
          throw new UnrecoverableError(`unknown job name "${job.name}"`);
      }
    },
    {
      connection: redisConnection(cfg.REDIS_URL, "worker"),
      prefix: cfg.REDIS_PREFIX,
      concurrency: cfg.WORKER_CONCURRENCY,
      lockDuration: settings.WORKER_LOCK_DURATION_MS,
      stalledInterval: settings.WORKER_STALLED_INTERVAL_MS,
      maxStalledCount: 2,
      autorun: false,
    },
  );
  worker.on("error", (error) => log.error({ err: error }, "worker error"));
  // The lock lapsed (Redis failover, a stall longer than the lock): another worker may take the job
  // over, so the attempt stops before its next write (the engine's lease fences it in Postgres too).
  worker.on("lockRenewalFailed", (jobIds) => {
    deliveries.lockLost(jobIds);
    log.warn({ jobIds }, "could not renew job locks: their attempts stop before their next write");
  });
  // Without a listener BullMQ prints connection errors to stderr, outside the structured log.
  queue.on("error", (error) => log.error({ err: error }, "queue error"));
  worker.on("stalled", (jobId) => log.warn({ jobId }, "job stalled (its worker stopped renewing the lock); it will be resumed"));
  worker.on("failed", (job, error) => {
    if (!job) return;
    const runId = job.name === JOB.run ? (job.data as { runId?: string }).runId : undefined;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError;
    log.error({ jobId: job.id, job: job.name, runId, attemptsMade: job.attemptsMade, final, err: error }, "job failed");
    if (runId && final) {
      // Failed as a run that fails in an attempt is, with its follow-ups (alerts, retries, dependents).
      const jobLog = log.child({ runId });
      void failAbandonedRun(engineContext(jobLog, new AbortController().signal), runId, failureOf(error))
        .then((run) => (run ? runFollowUpsOnce({ ...deps, log: jobLog }, run, FOLLOW_UPS) : undefined))
        .catch((e: unknown) => log.error({ runId, err: e }, "could not mark the run failed"));
    }
  });

  await syncSchedules(db, queue);
  await schedulePruning(queue);
  await scheduleMaintenance(queue);

  // The heartbeat: this process and the runs it executes, for the overview, metrics and alerts.
  const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const startedAt = new Date().toISOString();
  // Its metrics go to Redis with it, for /api/metrics, and expire with it.
  const sendBeat = () =>
    Promise.all([
      beat(queue, { id, host: hostname(), pid: process.pid, version: VERSION, startedAt, beatAt: new Date().toISOString(), runs: deliveries.runs() }),
      publishProcessMetrics(queue, id, metrics.registry),
    ]).catch((error: unknown) => log.warn({ err: error }, "could not record the heartbeat"));
  // The beat in flight, awaited before a stop forgets the worker (else it could land after).
  let beating: Promise<unknown> = sendBeat();
  await beating;
  const heartbeat = setInterval(() => {
    beating = sendBeat();
  }, HEARTBEAT_MS);

  let reconciling = false;
  const reconciler = setInterval(() => {
    if (reconciling || stopping) return;
    reconciling = true;
    reconcileRuns(db, queue, settings.WORKER_RECONCILE_AFTER_MS, log)
      .then(async () => {
        const restored = await restoreMissingSchedules(db, queue, log);
        if (restored > 0) log.warn({ restored }, "restored schedulers missing from Redis (it restarted empty or was flushed)");
      })
      .catch((error: unknown) => log.error({ err: error }, "reconciler failed"))
      .finally(() => {
        reconciling = false;
      });
  }, settings.WORKER_RECONCILE_INTERVAL_MS);

  void worker.run();
  await worker.waitUntilReady();
  log.info({ queue: RUN_QUEUE, prefix: cfg.REDIS_PREFIX, concurrency: cfg.WORKER_CONCURRENCY }, "worker ready, waiting for jobs");

  let closing: Promise<void> | undefined;
  return {
    queue,
    id,
    close() {
      closing ??= (async () => {
        stopping = true;
        clearInterval(reconciler);
        // The heartbeat goes on while the runs in flight finish their batches and are handed back
        // (a graceful stop may outlast the beat's 30 s lifetime): the worker and its runs stay on
        // 概览, and no no_worker alert fires for a worker still working (session 33's audit).
        await worker.close();
        clearInterval(heartbeat);
        await beating;
        await forgetWorker(queue, id).catch(() => undefined);
        await forgetProcessMetrics(queue, id).catch(() => undefined);
        await queue.close();
        await limiters.close();
        await slots.close();
        if (!opts.db) await db.$disconnect();
        log.info({}, "worker stopped");
      })();
      return closing;
    },
    abort() {
      aborter.abort();
    },
  };
}
