import { message } from "@qiao/core";
import { findIdempotentRun, listSchemeRuns, prisma, schemeHasRun } from "@qiao/db";
import { requestRun } from "@qiao/jobs";
import { runEnvelopeSchema, runListQuery, runListSchema, startRunBody } from "@/lib/api/schemas";
import { idempotencyKeyOf, json, readJson, readQuery, uuidParam, withAuth } from "@/server/api";
import { fieldError } from "@/server/errors";
import { runQueue } from "@/server/queue";
import { findRun, runDto } from "@/server/runs";
import { assertShownVersion, findScheme } from "@/server/schemes";

export const dynamic = "force-dynamic";
type P = { id: string };

/** GET /api/schemes/:id/runs — newest first; `cursor` is the last run id of the previous page. */
export const GET = withAuth<P>(async (req, { params, locale }) => {
  const db = prisma();
  const scheme = await findScheme(db, uuidParam(params.id, "集成方案"));
  const { cursor: after, limit } = readQuery(req, runListQuery);
  // A cursor is a run of this scheme: Prisma would answer an unknown one (pruned meanwhile) with an
  // empty last page, and another scheme's with this scheme's runs older than it (session 25's audit).
  if (after && !(await schemeHasRun(db, scheme.id, after))) {
    throw fieldError(["cursor"], message("api.runCursorUnknown"));
  }
  const rows = await listSchemeRuns(db, { schemeId: scheme.id, take: limit + 1, ...(after && { afterRunId: after }) });
  const page = rows.slice(0, limit);
  return json(runListSchema, { runs: page.map((r) => runDto(r, locale)), nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null });
}, { role: "viewer" });

/**
 * POST /api/schemes/:id/runs — start a run now: 202 with the queued run, 409 (scheme_busy) while
 * the scheme has one queued or running. An `Idempotency-Key` header (or body field) makes retries safe;
 * it counts for this user and scheme only (createRun scopes it). With `baseVersion` (the editor's
 * 运行), a scheme saved since is a 409; without it (the list's 立即运行, API clients), the current version runs.
 */
export const POST = withAuth<P>(async (req, { principal, params, locale }) => {
  const db = prisma();
  const scheme = await findScheme(db, uuidParam(params.id, "集成方案"));
  const body = await readJson(req, startRunBody);
  const idempotencyKey = idempotencyKeyOf(req, body.idempotencyKey);
  // A repeated request answers with the run it started, whatever was saved since (its answer may
  // have been lost: told "not run", the client would start another; session 33's audit).
  const repeated = idempotencyKey ? await findIdempotentRun(db, { schemeId: scheme.id, createdById: principal.userId, idempotencyKey }) : null;
  if (!repeated) assertShownVersion(scheme, body.baseVersion, "run");
  const run = await requestRun(db, runQueue(), {
    schemeId: scheme.id,
    // Pinned to the version just checked: a save committed meanwhile does not change what runs.
    scheme,
    trigger: "manual",
    createdById: principal.userId,
    ...(idempotencyKey && { idempotencyKey }),
  });
  return json(runEnvelopeSchema, { run: runDto(await findRun(db, run.id), locale) }, 202);
}, { role: "editor" });
