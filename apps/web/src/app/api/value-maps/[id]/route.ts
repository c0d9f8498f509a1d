import { deleteUnusedValueMap, getValueMap, prisma, updateValueMap } from "@qiao/db";
import { okSchema, updateValueMapBody, valueMapSchema } from "@/lib/api/schemas";
import { json, readJson, uuidParam, withAuth } from "@/server/api";
import { notFound } from "@/server/errors";
import { refusingConflicts, VALUE_MAP_BODY, valueMapDto } from "@/server/value-maps";

export const dynamic = "force-dynamic";
type P = { id: string };
const WHAT = "值映射";

/** GET /api/value-maps/:id — the map with its entries. */
export const GET = withAuth<P>(async (_req, { params }) => {
  const row = await getValueMap(prisma(), uuidParam(params.id, WHAT));
  if (!row) throw notFound(WHAT);
  return json(valueMapSchema, valueMapDto(row));
}, { role: "viewer" });

/**
 * PATCH /api/value-maps/:id — change the name, description, default or entries (replaced whole).
 * Entries are written only when the body has them; a change of the default alone keeps the entries
 * as stored when it is written (an import in between is not undone). Bodies up to
 * VALUE_MAP_BODY_BYTES, which any stored map's whole table fits. A new name is written into every
 * scheme (and each of its versions) whose templates name the map, in the same transaction: their
 * `map('旧名')` becomes `map('新名')` (@qiao/db rewriteNamed). With `updatedAt` (the page sends the
 * one it read), a map changed since is a 409 and nothing is written.
 */
export const PATCH = withAuth<P>(async (req, { params }) => {
  const id = uuidParam(params.id, WHAT);
  const body = await readJson(req, updateValueMapBody, VALUE_MAP_BODY);
  const { updatedAt, ...patch } = body;
  const row = await refusingConflicts(() => updateValueMap(prisma(), id, patch, updatedAt === undefined ? undefined : new Date(updatedAt)));
  if (!row) throw notFound(WHAT);
  return json(valueMapSchema, valueMapDto(row));
}, { role: "editor", bodyLimit: VALUE_MAP_BODY.maxBytes });

/** DELETE /api/value-maps/:id — refused (409, naming them) while schemes use the map. */
export const DELETE = withAuth<P>(async (_req, { params }) => {
  if (!(await refusingConflicts(() => deleteUnusedValueMap(prisma(), uuidParam(params.id, WHAT))))) throw notFound(WHAT);
  return json(okSchema, { ok: true });
}, { role: "editor" });
