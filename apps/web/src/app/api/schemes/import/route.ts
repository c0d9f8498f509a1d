import { config, prisma } from "@qiao/db";
import { schemeEnvelopeSchema, schemeExportSchema } from "@/lib/api/schemas";
import { json, readJson, withAuth } from "@/server/api";
import { bindConnections } from "@/server/scheme-transfer";
import { connectionNames, createScheme, schemeDto } from "@/server/schemes";

export const dynamic = "force-dynamic";

/**
 * POST /api/schemes/import — create a scheme from an exported file. Its connections are bound to
 * this instance's; one that cannot be bound shows up as a validation issue of the node using it.
 * Files up to QIAO_MAX_IMPORT_BYTES (5 MB) are accepted, unlike the 1 MB of other bodies.
 */
export const POST = withAuth(async (req, { principal, locale }) => {
  const db = prisma();
  const file = await readJson(req, schemeExportSchema, { maxBytes: config().QIAO_MAX_IMPORT_BYTES });
  const definition = await bindConnections(db, file);
  const row = await createScheme(
    db,
    {
      name: file.name,
      description: file.description,
      definition: { ...definition, schedule: definition.schedule && { ...definition.schedule, enabled: false } },
    },
    principal.userId,
  );
  return json(schemeEnvelopeSchema, { scheme: schemeDto(row, await connectionNames(db), locale) }, 201);
}, { role: "editor", bodyLimit: "import" });
