import { deleteValueMap, getValueMap, prisma, updateValueMap } from "@qiao/db";
import { okSchema, updateValueMapBody, valueMapSchema } from "@/lib/api/schemas";
import { json, readJson, uuidParam, withAuth } from "@/server/api";
import { notFound } from "@/server/errors";
import { importLimit, refusingConflicts, valueMapDto } from "@/server/value-maps";

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
 * Renaming a map that schemes use makes their `map('旧名')` fail to compile at the next save and
 * at their next run: the page warns before a rename.
 */
export const PATCH = withAuth<P>(async (req, { params }) => {
  const id = uuidParam(params.id, WHAT);
  const body = await readJson(req, updateValueMapBody, importLimit());
  const row = await refusingConflicts(() => updateValueMap(prisma(), id, body));
  if (!row) throw notFound(WHAT);
  return json(valueMapSchema, valueMapDto(row));
}, { role: "editor", bodyLimit: "import" });

/** DELETE /api/value-maps/:id */
export const DELETE = withAuth<P>(async (_req, { params }) => {
  if (!(await deleteValueMap(prisma(), uuidParam(params.id, WHAT)))) throw notFound(WHAT);
  return json(okSchema, { ok: true });
}, { role: "editor" });
