import { prisma, reconcileSettings } from "@qiao/db";
import { requestResync } from "@qiao/jobs";
import { resyncResultSchema } from "@/lib/api/schemas";
import { json, uuidParam, withAuth } from "@/server/api";
import { notFound } from "@/server/errors";
import { runQueue } from "@/server/queue";
import { findReport } from "@/server/reconciliations";

export const dynamic = "force-dynamic";

/**
 * POST /api/reconciliations/:id/resync — writes the report's missing records (those staging says
 * were written) again, through a retry run: 202 with the run. Once per report: asking again returns
 * the same run (created: false) and marks nothing. 409 while the scheme has an active run (nothing
 * changed) or when nothing is left to resync.
 */
export const POST = withAuth<{ id: string }>(async (_req, { principal, params }) => {
  const db = prisma();
  const report = await findReport(db, uuidParam(params.id, "对账报告"));
  const scheme = await reconcileSettings(db, report.schemeId);
  if (!scheme) throw notFound("集成方案");
  const { run, count, created } = await requestResync(db, runQueue(), {
    reconciliationId: report.id,
    schemeVersion: scheme.currentVersion,
    createdById: principal.userId,
  });
  return json(resyncResultSchema, { run: { id: run.id, status: run.status }, count, created }, 202);
}, { role: "editor" });
