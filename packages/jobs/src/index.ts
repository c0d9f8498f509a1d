// The queue's producer side, imported by the web app, the worker and the bench. Importing it starts nothing.
export { cancelRun } from "./cancel-run";
export { SchemeBusyError } from "@qiao/db";
export {
  createRunQueue,
  deleteRedisPrefix,
  JOB,
  redisConnection,
  RUN_QUEUE,
  runJobSchema,
  scheduleJobSchema,
  type QueueConfig,
} from "./queue";
export { reconcileRuns } from "./reconciler";
export { requestRun, RunRequestError, type RequestRunInput } from "./request-run";
export { restoreMissingSchedules, schedulePruning, syncSchemeSchedule, syncSchedules, type SchedulableScheme } from "./schedules";
export type { JobsLogger } from "./logger";
