import { prisma } from "@qiao/db";
import type { SchemeDefinition } from "@qiao/core";
import { validateSchemeBody, validationResultSchema } from "@/lib/api/schemas";
import { json, readJson, uuidParam, withAuth } from "@/server/api";
import { findScheme, validateDefinition } from "@/server/schemes";

export const dynamic = "force-dynamic";

/**
 * POST /api/schemes/:id/validate — checks the given definition (default: the saved one) as a save of
 * this scheme would (validateDefinition: compiled, and its run-after order); saves nothing.
 */
export const POST = withAuth<{ id: string }>(async (req, { params }) => {
  const db = prisma();
  const scheme = await findScheme(db, uuidParam(params.id, "集成方案"));
  const body = await readJson(req, validateSchemeBody);
  const definition = body.definition ?? (scheme.definition as SchemeDefinition);
  return json(validationResultSchema, await validateDefinition(db, definition, scheme.id));
}, { role: "editor" });
