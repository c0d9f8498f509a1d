import { message } from "@qiao/core";
import { countFailedRecords, prisma, stillFailed } from "@qiao/db";
import { requestRun } from "@qiao/jobs";
import { retrySchemeBody, runEnvelopeSchema } from "@/lib/api/schemas";
import { json, readJson, uuidParam, withAuth } from "@/server/api";
import { ApiError } from "@/server/errors";
import { runQueue } from "@/server/queue";
import { findRun, runDto } from "@/server/runs";
import { findScheme } from "@/server/schemes";

export const dynamic = "force-dynamic";

/**
 * POST /api/schemes/:id/retry — a `retry` run that writes the scheme's failed records again (all of
 * them, or the `ids` given; with `deadLetters`, only dead letters) without reading the source,
 * whichever runs failed them; the records' retry schedule starts over. 202 with the run;
 * 409 when none of them is failed any more, or while the scheme has an active run.
 */
export const POST = withAuth<{ id: string }>(async (req, { principal, params, locale }) => {
  const db = prisma();
  const scheme = await findScheme(db, uuidParam(params.id, "集成方案"));
  const { ids, deadLetters } = await readJson(req, retrySchemeBody);
  const only = deadLetters ? "dead" : "all";
  const failed = ids ? await stillFailed(db, scheme.id, ids.map(BigInt), only) : null;
  if (failed ? failed.length === 0 : (await countFailedRecords(db, scheme.id, only)) === 0) {
    if (deadLetters) throw new ApiError("conflict", ids ? message("api.selectedNoLongerDeadLetters") : message("api.noDeadLetters"));
    throw new ApiError("conflict", ids ? message("api.selectedNoLongerFailed") : message("api.noFailedRecords"));
  }
  const run = await requestRun(db, runQueue(), {
    schemeId: scheme.id,
    trigger: "retry",
    createdById: principal.userId,
    options: { scope: "scheme", ...(failed && { sourceRecordIds: failed.map(String) }), ...(deadLetters && { deadLetters: true }) },
  });
  return json(runEnvelopeSchema, { run: runDto(await findRun(db, run.id), locale) }, 202);
}, { role: "editor" });
