import { prisma } from "@qiao/db";
import type { SchemeDefinition } from "@qiao/core";
import { schemeEnvelopeSchema } from "@/lib/api/schemas";
import { json, uuidParam, withAuth } from "@/server/api";
import { connectionNames, duplicateScheme, findScheme, schemeDto } from "@/server/schemes";

export const dynamic = "force-dynamic";

/**
 * POST /api/schemes/:id/duplicate — a copy (version 1) named `<name>（副本）` (or `（副本 2）`…: names
 * are unique; a long name is shortened to fit 200 characters) whose schedule starts switched off.
 * Copies made at once each take a free name (duplicateScheme).
 */
export const POST = withAuth<{ id: string }>(async (_req, { principal, params, locale }) => {
  const db = prisma();
  const source = await findScheme(db, uuidParam(params.id, "集成方案"));
  const copy = await duplicateScheme(db, { name: source.name, description: source.description, definition: source.definition as SchemeDefinition }, principal.userId);
  return json(schemeEnvelopeSchema, { scheme: schemeDto(copy, await connectionNames(db), locale) }, 201);
}, { role: "editor" });
