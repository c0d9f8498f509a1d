// The worker's follow-up and maintenance steps, in the order they run (see follow-ups.ts). Each
// capability adds its step here and keeps its logic in its own module.
import { alertDeadLettered, alertMaintenance, alertOnRunEnd } from "./alerts";
import { deferredTickFollowUp, deferredTickSweep } from "./deferred-ticks";
import type { FollowUp, MaintenanceStep } from "./follow-ups";
import { expireWaitingStep, releaseDependents, releaseWaitingSweep, runAfterChain, runAfterSweep } from "./dependencies";
import { keepOverviewStats, observeRunDuration, recountRecords } from "./overview-steps";
import { recoverReconciliationsStep } from "./reconcile";
import { restoreRetries, retryFollowUp } from "./retries";

/** After a run finished. */
export const FOLLOW_UPS: readonly FollowUp[] = [
  retryFollowUp(alertDeadLettered),
  alertOnRunEnd,
  releaseDependents,
  // Before the run-after chain: the tick fell due first, and its read also does the chain's.
  deferredTickFollowUp,
  runAfterChain,
  recountRecords,
  observeRunDuration,
];

/** Once a minute, cluster-wide (JOB.maintain). */
export const MAINTENANCE_STEPS: readonly MaintenanceStep[] = [
  restoreRetries,
  recoverReconciliationsStep,
  releaseWaitingSweep,
  expireWaitingStep,
  deferredTickSweep,
  runAfterSweep,
  alertMaintenance,
  keepOverviewStats,
];
