import { message, validateReconcileCron } from "@qiao/core";
import { prisma, reconcileSettings, updateReconcileSettings } from "@qiao/db";
import { reconcileSettingsSchema } from "@/lib/api/schemas";
import { json, readJson, uuidParam, withAuth } from "@/server/api";
import { fieldError, notFound } from "@/server/errors";
import { syncSchedule } from "@/server/schemes";

export const dynamic = "force-dynamic";
type P = { id: string };

async function settingsOf(id: string) {
  const row = await reconcileSettings(prisma(), uuidParam(id, "集成方案"));
  if (!row) throw notFound("集成方案");
  return row;
}

/** GET /api/schemes/:id/reconcile-settings — the reconciliation cron and the 金蝶 filter. */
export const GET = withAuth<P>(async (_req, { params }) => {
  const row = await settingsOf(params.id);
  return json(reconcileSettingsSchema, { cron: row.reconcileCron, filter: row.reconcileFilter });
}, { role: "viewer" });

/**
 * PUT /api/schemes/:id/reconcile-settings — saves them and (re)schedules the reconciliation; a bad
 * cron, or one with a seconds field (validateReconcileCron), changes nothing. Saved while Redis
 * refuses the scheduler: a 502 that says so (syncSchedule); the scheme deleted meanwhile: a 404
 * (updateReconcileSettings' SchemeGoneError).
 */
export const PUT = withAuth<P>(async (req, { params }) => {
  const row = await settingsOf(params.id);
  const body = await readJson(req, reconcileSettingsSchema);
  const cron = body.cron === "" ? null : body.cron;
  const filter = body.filter === "" ? null : body.filter;
  if (cron !== null) {
    const check = validateReconcileCron(cron);
    if (!check.ok) throw fieldError(["cron"], message("api.worded", { zh: check.message, en: check.messageEn }));
  }
  const saved = await updateReconcileSettings(prisma(), row.id, { cron, filter });
  await syncSchedule(saved);
  return json(reconcileSettingsSchema, { cron: saved.reconcileCron, filter: saved.reconcileFilter });
}, { role: "editor" });
