// Export and import of a scheme as JSON. Connections travel by id, platform and name only (never
// credentials); on import each is bound to a connection of this instance: the same id, else the
// same platform and name, else the only connection of that platform. Value maps travel whole, by
// name: an import creates those missing here and keeps (unchanged) those that exist by that name.
// Lookups name the schemes they read (`lookup('店铺→客户', shop_code)`): the names travel in the
// templates as they are, the file lists them as a note, and an import is checked against the
// schemes that exist here like any save.
import { compileScheme, definitionLookupSchemes, definitionValueMaps, message, type SchemeDefinition } from "@qiao/core";
import {
  createValueMap,
  deleteUnusedValueMap,
  findSchemeByName,
  findValueMapsByName,
  listConnectionRefs,
  listSchemeDefinitions,
  ValueMapInUse,
  ValueMapNameTaken,
  type Db,
} from "@qiao/db";
import { SCHEME_EXPORT_FORMAT, type SchemeExportDto } from "@/lib/api/schemas";
import { compileContext } from "./catalog";
import { ApiError, type ApiIssue } from "./errors";
import { logger } from "./logger";
import { ScheduleNotSynced } from "./schemes";

export async function exportScheme(
  db: Db,
  scheme: { name: string; description: string; definition: unknown },
): Promise<SchemeExportDto> {
  const definition = scheme.definition as SchemeDefinition;
  const ids = [...new Set(definition.nodes.flatMap((n) => (n.type === "filter" || !n.config.connectionId ? [] : [n.config.connectionId])))];
  const connections = await listConnectionRefs(db, ids);
  const valueMaps = await findValueMapsByName(db, definitionValueMaps(definition));
  const schemeNames = new Map((await listSchemeDefinitions(db)).map((s) => [s.id, s.name]));
  const { runAfter, ...portable } = definition;
  return {
    format: SCHEME_EXPORT_FORMAT,
    exportedAt: new Date().toISOString(),
    name: scheme.name,
    description: scheme.description,
    definition: portable,
    connections,
    valueMaps: valueMaps.map((m) => ({ name: m.name, description: m.description, defaultValue: m.defaultValue, entries: m.entries })),
    lookupSchemes: definitionLookupSchemes(definition),
    runAfter: (runAfter ?? []).flatMap((id) => schemeNames.get(id) ?? []),
  };
}

/** How often an import starts again when a map it counted on vanished under it (see importWithValueMaps). */
const IMPORT_ATTEMPTS = 3;

type Imported<T> = { result: T; created: string[]; kept: string[] };

/**
 * Creates the scheme (`create`) with the file's value maps: the missing ones are created first,
 * those that exist by name are kept unchanged. The definition is checked against the maps there
 * will be, and the file's scheme name against the schemes here (a 409 naming it: names are unique),
 * before anything is written. If the scheme is not created, the maps this import created are deleted
 * again — unless a scheme uses them by then (another import of the same file at the same moment,
 * which kept them and saved its scheme first: deleteUnusedValueMap, under NAMES_LOCK; session 32's
 * audit: they were deleted under that scheme). A map of the file created by someone else between this
 * import's look and its own create (the same file imported twice at once) is kept, as if it had been
 * there; one that vanished before the scheme was saved (the other import, refused, deleted it) makes
 * the import start again, up to IMPORT_ATTEMPTS times.
 */
export async function importWithValueMaps<T>(
  db: Db,
  file: SchemeExportDto,
  definition: SchemeDefinition,
  create: () => Promise<T>,
): Promise<Imported<T>> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await importOnce(db, file, definition, create);
    if ("imported" in outcome) return outcome.imported;
    if (attempt >= IMPORT_ATTEMPTS) throw outcome.error;
  }
}

async function importOnce<T>(
  db: Db,
  file: SchemeExportDto,
  definition: SchemeDefinition,
  create: () => Promise<T>,
): Promise<{ imported: Imported<T> } | { error: unknown }> {
  const kept = new Set((await findValueMapsByName(db, file.valueMaps.map((m) => m.name))).map((m) => m.name));
  const missing = file.valueMaps.filter((m) => !kept.has(m.name));
  const context = await compileContext(db);
  const compiled = compileScheme(definition, { ...context, valueMaps: new Set([...context.valueMaps, ...missing.map((m) => m.name)]) });
  if (!compiled.ok) {
    const errors = compiled.issues.filter((i) => i.severity === "error").map((i) => ({ ...i, path: ["definition", ...i.path] }));
    throw notImported(errors);
  }
  if (await findSchemeByName(db, file.name)) throw new ApiError("conflict", message("api.schemeImportNameTaken", { name: file.name }));
  const created: { id: string; name: string }[] = [];
  try {
    for (const m of missing) {
      try {
        created.push(await createValueMap(db, m));
      } catch (error) {
        // Created meanwhile under that name: kept, as if it had been there.
        if (!(error instanceof ValueMapNameTaken)) throw error;
        kept.add(m.name);
      }
    }
    return { imported: { result: await create(), created: created.map((m) => m.name), kept: [...kept].sort() } };
  } catch (error) {
    // Saved, its schedule not synced: the scheme exists and uses the maps (session 25's audit: they
    // were deleted under it, and its next runs and saves failed).
    if (error instanceof ScheduleNotSynced) throw error;
    const counted = [...kept, ...created.map((m) => m.name)];
    const vanished = (await findValueMapsByName(db, counted)).length < counted.length;
    await deleteCreated(db, created);
    // Refused for want of a map it counted on: looked at again, it is created or kept anew.
    if (vanished && error instanceof ApiError && error.code === "validation_failed") return { error };
    throw error;
  }
}

/** Deletes the maps an import created, each unless a scheme uses it by now (then it stays: theirs too). */
async function deleteCreated(db: Db, created: readonly { id: string; name: string }[]): Promise<void> {
  for (const m of created) {
    try {
      await deleteUnusedValueMap(db, m.id);
    } catch (error) {
      if (error instanceof ValueMapInUse) continue;
      // The import's own refusal is the answer; the map is left (unused, it can be deleted on its page).
      logger.error({ err: error, valueMap: m.name }, "value map created by a refused import not deleted");
    }
  }
}

export async function bindConnections(db: Db, file: SchemeExportDto): Promise<SchemeDefinition> {
  const local = await listConnectionRefs(db);
  const bound = new Map<string, string>();
  for (const ref of file.connections) {
    const match =
      local.find((c) => c.id === ref.id && c.platform === ref.platform) ??
      local.find((c) => c.platform === ref.platform && c.name === ref.name) ??
      (local.filter((c) => c.platform === ref.platform).length === 1 ? local.find((c) => c.platform === ref.platform) : undefined);
    if (match) bound.set(ref.id, match.id);
  }
  // Run after: the file names the schemes; here they are the schemes of those names.
  const runAfter: string[] = [];
  if (file.runAfter.length > 0) {
    const here = await listSchemeDefinitions(db);
    for (const name of file.runAfter) {
      const found = here.filter((s) => s.name === name);
      if (found.length !== 1) {
        throw notImported([
          {
            path: ["runAfter"],
            severity: "error",
            message: `运行顺序中的方案 “${name}” 在这里${found.length === 0 ? "不存在" : "有重名"}：请先导入或重命名它`,
            messageEn: `The run-after scheme "${name}" ${found.length === 0 ? "does not exist" : "is not unique"} here: import or rename it first`,
          },
        ]);
      }
      runAfter.push(found[0]!.id);
    }
  }
  return {
    ...file.definition,
    ...(runAfter.length > 0 && { runAfter }),
    // A filter node has no connection: it travels as it is.
    nodes: file.definition.nodes.map((n) =>
      n.type === "filter" ? n : { ...n, config: { ...n.config, connectionId: bound.get(n.config.connectionId) ?? n.config.connectionId } },
    ) as SchemeDefinition["nodes"],
  };
}

/** The refusal of a file whose scheme has errors (400), in the caller's language, with every error. */
function notImported(errors: ApiIssue[]): ApiError {
  const [first] = errors;
  return new ApiError(
    "validation_failed",
    message("api.schemeNotImported", { count: errors.length, first: first?.message ?? "", firstEn: first?.messageEn ?? first?.message ?? "" }),
    errors,
  );
}
