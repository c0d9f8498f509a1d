import { message } from "@qiao/core";
import { deleteSchemeWhenFree, findActiveRun, prisma, SchemeDeleteRefused, schemesLookingUp, schemesRunningAfter } from "@qiao/db";
import { okSchema, schemeEnvelopeSchema, updateSchemeBody } from "@/lib/api/schemas";
import { json, readJson, uuidParam, withAuth } from "@/server/api";
import { ApiError } from "@/server/errors";
import { assertSwitchable, changeScheme, connectionNames, findScheme, removeSchedules, saveSchemeVersion, schemeDto, syncSchedule } from "@/server/schemes";

export const dynamic = "force-dynamic";
type P = { id: string };

/** GET /api/schemes/:id — the scheme with its current definition. */
export const GET = withAuth<P>(async (_req, { params, locale }) => {
  const db = prisma();
  const row = await findScheme(db, uuidParam(params.id, "集成方案"));
  return json(schemeEnvelopeSchema, { scheme: schemeDto(row, await connectionNames(db), locale) });
}, { role: "viewer" });

/**
 * PATCH /api/schemes/:id — with `definition`: validate and save a new version (the schedule follows;
 * `enabled` with it switches the schedule of the definition saved, in the same version);
 * without: `name` / `description` rename and `enabled` switches the schedule. Every field of one
 * request is applied in one transaction, or none is. A name another scheme has is a 409 (names are
 * unique: lookups find schemes by name); `baseVersion` without a definition, a 400.
 */
export const PATCH = withAuth<P>(async (req, { principal, params, locale }) => {
  const db = prisma();
  const current = await findScheme(db, uuidParam(params.id, "集成方案"));
  const body = await readJson(req, updateSchemeBody);
  // Refused before anything is saved: a 409 must change nothing. With a definition, `enabled` is about
  // the schedule that definition brings (a save without one has nothing to switch).
  if (body.enabled !== undefined) assertSwitchable(body.definition ? { definition: body.definition } : current);
  let row = current;
  if (body.definition) {
    // Both applied in the one transaction that saves the version (session 35's audit: `enabled` was
    // dropped without a word, and a save asked to switch the schedule off left it on).
    const { schedule } = body.definition;
    const definition = schedule && body.enabled !== undefined ? { ...body.definition, schedule: { ...schedule, enabled: body.enabled } } : body.definition;
    row = await saveSchemeVersion(db, current.id, { ...body, definition }, principal.userId);
  } else if (body.name !== undefined || body.description !== undefined || body.enabled !== undefined) {
    // One transaction (session 36's audit: a rename was kept when the switch after it failed).
    row = await changeScheme(db, current.id, { name: body.name, description: body.description, enabled: body.enabled });
  }
  return json(schemeEnvelopeSchema, { scheme: schemeDto(row, await connectionNames(db), locale) });
}, { role: "editor" });

/** The 409 of a delete refused: a run is active, or other schemes run after it or look it up. */
function deleteRefused(refusal: SchemeDeleteRefused): ApiError {
  if (refusal.reason === "running") return new ApiError("scheme_busy", message("api.schemeRunning"));
  return new ApiError("conflict", message(refusal.reason === "followed" ? "api.schemeFollowed" : "api.schemeLookedUp", { names: refusal.names }));
}

/**
 * DELETE /api/schemes/:id — with its versions, runs, staged records and job schedulers; refused
 * while a run is active, or while other schemes run after it or look it up. The checks are made
 * first (a refusal touches nothing), and again in the delete's transaction (deleteSchemeWhenFree):
 * a tick's run created in between would otherwise go with the scheme; the schedules removed before
 * it are then put back.
 */
export const DELETE = withAuth<P>(async (_req, { params }) => {
  const db = prisma();
  const scheme = await findScheme(db, uuidParam(params.id, "集成方案"));
  if (await findActiveRun(db, scheme.id)) throw deleteRefused(new SchemeDeleteRefused("running"));
  // A scheme others run after: deleted, their chain would wait for it for ever (and their next save
  // would be refused for naming a scheme that is gone). The person takes it out of their order first.
  const followers = await schemesRunningAfter(db, scheme.id);
  if (followers.length > 0) throw deleteRefused(new SchemeDeleteRefused("followed", followers.map((f) => f.name)));
  // A scheme others look up: its staging rows (the numbers it wrote) are what their lookups answer
  // from, and they go with it; re-creating it would not bring them back (session 30's audit).
  const readers = await schemesLookingUp(db, scheme);
  if (readers.length > 0) throw deleteRefused(new SchemeDeleteRefused("lookedUp", readers.map((r) => r.name)));
  await removeSchedules(scheme.id);
  try {
    await deleteSchemeWhenFree(db, scheme.id);
  } catch (error) {
    // Not deleted (refused, or failed): the scheme keeps its schedules. A restore Redis refuses is
    // logged; the worker's reconcile pass restores missing schedulers.
    await syncSchedule(scheme).catch(() => undefined);
    throw error instanceof SchemeDeleteRefused ? deleteRefused(error) : error;
  }
  return json(okSchema, { ok: true });
}, { role: "editor" });
