// The worker's side of reconciliation (对账): executing one (JOB.reconcile), a scheme's
// reconciliation cron tick (JOB.reconcileTick), and the maintenance step that recovers
// reconciliations whose job was lost. The logic is in @qiao/engine and @qiao/jobs.
import { automationOn, ReconciliationBusyError } from "@qiao/db";
import { executeReconciliation, type EngineContext } from "@qiao/engine";
import { recoverReconciliations, reconcileJobSchema, requestReconciliation, scheduleJobSchema, syncReconcileSchedule, tickIdempotencyKey } from "@qiao/jobs";
import { WaitingError, type Job } from "bullmq";
import type { MaintenanceStep, WorkerDeps } from "./follow-ups";
import { parse } from "./job-payload";
import type { Logger } from "./logger";

export async function processReconcile(job: Job, token: string | undefined, ctx: EngineContext, log: Logger) {
  const { reconciliationId } = parse(reconcileJobSchema, job.data);
  const outcome = await executeReconciliation(ctx, reconciliationId);
  if (outcome.kind === "handed-back") {
    // Shutting down: back to waiting without using up an attempt; the next worker starts it over.
    await job.moveToWait(token);
    throw new WaitingError();
  }
  if (outcome.kind === "finished") {
    const r = outcome.reconciliation;
    log.info({ reconciliationId, status: r.status, missing: r.missing, extra: r.extra, different: r.different }, `reconciliation ${r.status}`);
    return { status: r.status };
  }
  return { [outcome.kind]: true };
}

export async function processReconcileTick(job: Job, deps: WorkerDeps, keyLimit: number) {
  const log = deps.log;
  const data = parse(scheduleJobSchema, job.data);
  const { schemeId } = data;
  const scheme = await deps.db.scheme.findUnique({ where: { id: schemeId }, select: { id: true, reconcileCron: true, timezone: true, enabled: true, cron: true } });
  if (!scheme || !automationOn(scheme) || !scheme.reconcileCron) {
    await syncReconcileSchedule(deps.queue, scheme ?? { id: schemeId, reconcileCron: null, timezone: "UTC", enabled: false, cron: null });
    log.info({ schemeId }, "reconciliation tick for a scheme that is gone, disabled or no longer reconciled: scheduler removed");
    return { skipped: "no-schedule" };
  }
  try {
    const r = await requestReconciliation(deps.db, deps.queue, { schemeId, trigger: "schedule", keyLimit, idempotencyKey: tickIdempotencyKey(job, data) }, log);
    return { reconciliationId: r.id };
  } catch (error) {
    if (!(error instanceof ReconciliationBusyError)) throw error;
    log.info({ schemeId, active: error.active?.id }, "reconciliation tick skipped: the scheme is being reconciled");
    return { skipped: "busy" };
  }
}

export const recoverReconciliationsStep: MaintenanceStep = {
  name: "recover-reconciliations",
  async run(deps, now) {
    await recoverReconciliations(deps.db, deps.queue, deps.log, now);
  },
};
