// The queue's producer side, imported by the web app, the worker and the bench. Importing it starts nothing.
export { cancelRun } from "./cancel-run";
export { SchemeBusyError } from "@qiao/db";
export {
  createRunQueue,
  deleteRedisPrefix,
  JOB,
  MAINTAIN_SCHEDULER_ID,
  reconcileJobSchema,
  redisConnection,
  RUN_QUEUE,
  runJobSchema,
  scheduleJobSchema,
  tickIdempotencyKey,
  type QueueConfig,
} from "./queue";
export { reconcileRuns } from "./reconciler";
export { RETRY_BUSY_DELAY_MS, retryJobId, retryJobSchema, scheduleRetry, type RetryJobData } from "./retries";
export { requestRun, RunRequestError, type RequestRunInput } from "./request-run";
export { removeSchemeSchedulers } from "./remove-scheme-schedulers";
export { restoreMissingSchedules, scheduleMaintenance, schedulePruning, syncSchemeSchedule, syncSchedules, ticksOnSchemeCron, type SchedulableScheme } from "./schedules";
export { requestDeferredTicks, tickMetBusyScheme } from "./deferred-ticks";
export type { JobsLogger } from "./logger";
export { aliveWorkers, beat, forgetWorker, HEARTBEAT_MS, WORKER_BEAT_TTL_MS, workerBeatSchema, type WorkerBeat } from "./workers";
export { clusterMetrics, forgetProcessMetrics, publishProcessMetrics, QUEUE_STATES, type MetricsText } from "./metrics";
export {
  DEFAULT_RECONCILE_KEY_LIMIT,
  reconcileSchedulerId,
  recoverReconciliations,
  requestReconciliation,
  requestResync,
  syncReconcileSchedule,
  type ReconcileSchedulable,
  type RequestReconciliationInput,
} from "./reconciliations";
export { ReconciliationBusyError, ResyncError } from "@qiao/db";
