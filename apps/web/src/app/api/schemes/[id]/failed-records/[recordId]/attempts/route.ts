import { listRecordAttempts, prisma } from "@qiao/db";
import { recordAttemptListSchema } from "@/lib/api/schemas";
import { json, uuidParam, withAuth } from "@/server/api";
import { notFound } from "@/server/errors";
import { findScheme } from "@/server/schemes";

export const dynamic = "force-dynamic";

/** How many attempts the history shows (a record retried on the longest schedule has 11). */
const ATTEMPTS_SHOWN = 50;

/**
 * GET /api/schemes/:id/failed-records/:recordId/attempts — a staged record's history of attempts,
 * newest first: the run, its trigger, the outcome, the error and its class (as long as the runs are kept).
 */
export const GET = withAuth<{ id: string; recordId: string }>(async (_req, { params }) => {
  const db = prisma();
  const scheme = await findScheme(db, uuidParam(params.id, "集成方案"));
  if (!/^\d{1,18}$/.test(params.recordId)) throw notFound("暂存记录");
  const attempts = await listRecordAttempts(db, { schemeId: scheme.id, recordId: BigInt(params.recordId), limit: ATTEMPTS_SHOWN });
  return json(recordAttemptListSchema, { attempts: attempts.map((a) => ({ ...a, at: a.at.toISOString() })) });
}, { role: "viewer" });
