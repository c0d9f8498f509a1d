import { prisma } from "@qiao/db";
import { runDetailEnvelopeSchema } from "@/lib/api/schemas";
import { json, uuidParam, withAuth } from "@/server/api";
import { findRun, runDetail } from "@/server/runs";

export const dynamic = "force-dynamic";

/** GET /api/runs/:id — counters, phase, timings, records per second and (test runs) the result. */
export const GET = withAuth<{ id: string }>(async (_req, { params, locale }) => {
  const db = prisma();
  return json(runDetailEnvelopeSchema, { run: await runDetail(db, await findRun(db, uuidParam(params.id, "运行记录")), locale) });
}, { role: "viewer" });
