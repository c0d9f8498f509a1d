import { message } from "@qiao/core";
import { prisma } from "@qiao/db";
import { cancelRun } from "@qiao/jobs";
import { runEnvelopeSchema } from "@/lib/api/schemas";
import { json, uuidParam, withAuth } from "@/server/api";
import { ApiError } from "@/server/errors";
import { logger } from "@/server/logger";
import { runQueue } from "@/server/queue";
import { findRun, runDto } from "@/server/runs";

export const dynamic = "force-dynamic";

/** POST /api/runs/:id/cancel — a queued run stops at once, a running one at its next batch. */
export const POST = withAuth<{ id: string }>(async (_req, { params, locale }) => {
  const db = prisma();
  const run = await findRun(db, uuidParam(params.id, "运行记录"));
  if (run.status !== "queued" && run.status !== "running") throw new ApiError("conflict", message("api.runEnded"));
  await cancelRun(db, runQueue(), run.id, logger);
  return json(runEnvelopeSchema, { run: runDto(await findRun(db, run.id), locale) });
}, { role: "editor" });
