// The worker's follow-up and maintenance steps, in the order they run (see follow-ups.ts). Each
// capability adds its step here and keeps its logic in its own module.
import { alertMaintenance, alertOnRunEnd } from "./alerts";
import type { FollowUp, MaintenanceStep } from "./follow-ups";

/** After a run finished. */
export const FOLLOW_UPS: readonly FollowUp[] = [alertOnRunEnd];

/** Once a minute, cluster-wide (JOB.maintain). */
export const MAINTENANCE_STEPS: readonly MaintenanceStep[] = [alertMaintenance];
