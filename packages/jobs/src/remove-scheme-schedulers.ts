// A deleted scheme's job schedulers: its run schedule's (id = the scheme id, see schedules.ts) and its
// reconciliation's. Removed by id, whatever the scheme's columns say: syncing a scheme "without a
// schedule" to remove them read as automation on for the reconciliation (automationOn: no cron) and
// kept `reconcile:<id>` ticking for a scheme that was gone (session 30's audit).
import type { Queue } from "bullmq";
import { reconcileSchedulerId } from "./reconciliations";

export async function removeSchemeSchedulers(queue: Queue, schemeId: string): Promise<void> {
  await queue.removeJobScheduler(schemeId);
  await queue.removeJobScheduler(reconcileSchedulerId(schemeId));
}
