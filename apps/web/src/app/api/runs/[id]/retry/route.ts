import { message } from "@qiao/core";
import { listFailedRunRecords, prisma, stillFailed } from "@qiao/db";
import { requestRun } from "@qiao/jobs";
import { retryRunBody, runEnvelopeSchema } from "@/lib/api/schemas";
import { json, readJson, uuidParam, withAuth } from "@/server/api";
import { ApiError } from "@/server/errors";
import { runQueue } from "@/server/queue";
import { findRun, runDto } from "@/server/runs";

export const dynamic = "force-dynamic";

/**
 * POST /api/runs/:id/retry — a `retry` run that writes this run's failed records again and audits
 * its saved bills (已保存未审核) (all of them, or the `recordIds` given) without reading the source. 202 with the new run; 409 when none of
 * them is failed any more (retried or written since, or sent again with its outcome being looked up:
 * never retried before it is known, as the scheme's retry refuses it).
 */
export const POST = withAuth<{ id: string }>(async (req, { principal, params, locale }) => {
  const db = prisma();
  const run = await findRun(db, uuidParam(params.id, "运行记录"));
  const { recordIds } = await readJson(req, retryRunBody);
  const failed = await listFailedRunRecords(db, run.id, recordIds?.map(BigInt));
  if (failed.length === 0) throw new ApiError("conflict", recordIds ? message("api.selectedNotFailedInRun") : message("api.runHasNoFailedRecords"));
  // Failed in this run, and still failed now (the staging row: the RunRecord is what the run saw).
  const still = new Set(await stillFailed(db, run.schemeId, failed.map((r) => r.sourceRecordId)));
  const retryable = failed.filter((r) => still.has(r.sourceRecordId));
  if (retryable.length === 0) throw new ApiError("conflict", message("api.runFailuresNoLongerFailed"));
  const retry = await requestRun(db, runQueue(), {
    schemeId: run.schemeId,
    trigger: "retry",
    retryOfId: run.id,
    createdById: principal.userId,
    ...(recordIds && { options: { sourceRecordIds: retryable.map((r) => r.sourceRecordId.toString()) } }),
  });
  return json(runEnvelopeSchema, { run: runDto(await findRun(db, retry.id), locale) }, 202);
}, { role: "editor" });
