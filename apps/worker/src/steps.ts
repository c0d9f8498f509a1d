// The worker's follow-up and maintenance steps, in the order they run (see follow-ups.ts). Each
// capability adds its step here and keeps its logic in its own module.
import type { FollowUp, MaintenanceStep } from "./follow-ups";
import { keepOverviewStats, observeRunDuration, recountRecords } from "./overview-steps";
import { recoverReconciliationsStep } from "./reconcile";

/** After a run finished. */
export const FOLLOW_UPS: readonly FollowUp[] = [recountRecords, observeRunDuration];

/** Once a minute, cluster-wide (JOB.maintain). */
export const MAINTENANCE_STEPS: readonly MaintenanceStep[] = [recoverReconciliationsStep, keepOverviewStats];
