import { prisma } from "@qiao/db";
import { reconciliationEnvelopeSchema } from "@/lib/api/schemas";
import { json, uuidParam, withAuth } from "@/server/api";
import { findReport, reconciliationDto } from "@/server/reconciliations";

export const dynamic = "force-dynamic";

/** GET /api/reconciliations/:id — one report's header (counts, status, resync). */
export const GET = withAuth<{ id: string }>(async (_req, { params, locale }) => {
  const row = await findReport(prisma(), uuidParam(params.id, "对账报告"));
  return json(reconciliationEnvelopeSchema, { reconciliation: reconciliationDto(row, locale) });
}, { role: "viewer" });
