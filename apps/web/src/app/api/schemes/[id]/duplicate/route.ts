import { prisma } from "@qiao/db";
import type { SchemeDefinition } from "@qiao/core";
import { schemeEnvelopeSchema } from "@/lib/api/schemas";
import { json, uuidParam, withAuth } from "@/server/api";
import { connectionNames, copyName, createScheme, findScheme, schemeDto } from "@/server/schemes";

export const dynamic = "force-dynamic";

/** POST /api/schemes/:id/duplicate — a copy (version 1) named `<name>（副本）` (or `（副本 2）`…: names are unique) whose schedule starts switched off. */
export const POST = withAuth<{ id: string }>(async (_req, { principal, params, locale }) => {
  const db = prisma();
  const source = await findScheme(db, uuidParam(params.id, "集成方案"));
  const definition = source.definition as SchemeDefinition;
  const copy = await createScheme(
    db,
    {
      name: await copyName(db, source.name),
      description: source.description,
      definition: { ...definition, schedule: definition.schedule && { ...definition.schedule, enabled: false } },
    },
    principal.userId,
  );
  return json(schemeEnvelopeSchema, { scheme: schemeDto(copy, await connectionNames(db), locale) }, 201);
}, { role: "editor" });
