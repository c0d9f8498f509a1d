import { config, prisma } from "@qiao/db";
import { schemeExportSchema, schemeImportResultSchema } from "@/lib/api/schemas";
import { json, readJson, withAuth } from "@/server/api";
import { bindConnections, importWithValueMaps } from "@/server/scheme-transfer";
import { refusingConflicts } from "@/server/value-maps";
import { connectionNames, createScheme, schemeDto } from "@/server/schemes";

export const dynamic = "force-dynamic";

/**
 * POST /api/schemes/import — create a scheme from an exported file. Its connections are bound to
 * this instance's; one that cannot be bound shows up as a validation issue of the node using it.
 * Files up to QIAO_MAX_IMPORT_BYTES (5 MB) are accepted, unlike the 1 MB of other bodies.
 * The value maps the file carries are created when missing and kept unchanged when a map of that
 * name exists (the answer lists both); if the scheme is refused, the maps it created are deleted
 * again, but for one a scheme uses by then (the same file imported at the same moment).
 * A file whose scheme name a scheme here has (often the one it was exported from) is refused with a
 * 409 naming it, before any map is created: lookups find schemes by name (session 30's audit).
 */
export const POST = withAuth(async (req, { principal, locale }) => {
  const db = prisma();
  const file = await readJson(req, schemeExportSchema, { maxBytes: config().QIAO_MAX_IMPORT_BYTES });
  const bound = await bindConnections(db, file);
  const definition = { ...bound, schedule: bound.schedule && { ...bound.schedule, enabled: false } };
  const { result: row, created, kept } = await refusingConflicts(() =>
    importWithValueMaps(db, file, definition, () => createScheme(db, { name: file.name, description: file.description, definition }, principal.userId)),
  );
  return json(schemeImportResultSchema, { scheme: schemeDto(row, await connectionNames(db), locale), valueMaps: { created, kept } }, 201);
}, { role: "editor", bodyLimit: "import" });
