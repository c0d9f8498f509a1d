// The worker's producer API for the web app. Importing this module starts nothing.
export { cancelRun, SchemeBusyError } from "@qiao/db";
export { createRunQueue, deleteRedisPrefix, JOB, RUN_QUEUE, type QueueConfig } from "./queue";
export { requestRun, RunRequestError, type RequestRunInput } from "./request-run";
export { syncSchemeSchedule, syncSchedules, type SchedulableScheme } from "./schedules";
export { startWorker, type RunningWorker, type StartWorkerOptions } from "./worker";
