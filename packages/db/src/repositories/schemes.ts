// Schemes as saved: every saved definition is a new version (a SchemeVersion row beside the
// scheme's current one), the columns the list and the scheduler read (cron, timezone, enabled)
// mirror the definition's schedule, and pages show each scheme with its latest run that was not a
// test. Validation (compileScheme) and the BullMQ schedule are the callers'.
import type { SchemeDefinition } from "@qiao/core";
import type { Prisma, Run, Scheme } from "../../generated/prisma/client";
import type { Db } from "../client";

/** What a run is shown with: its scheme's name. */
export const RUN_WITH_SCHEME_NAME = { scheme: { select: { name: true } } } as const satisfies Prisma.RunInclude;
export type RunWithSchemeName = Run & { scheme: { name: string } };

/** The latest run that was not a test (tests write nothing, so they say nothing of the sync). */
const WITH_LAST_RUN = {
  runs: { where: { trigger: { not: "test" } }, orderBy: { createdAt: "desc" }, take: 1, include: RUN_WITH_SCHEME_NAME },
} as const satisfies Prisma.SchemeInclude;
export type SchemeWithLastRun = Scheme & { runs: RunWithSchemeName[] };

export interface SchemeInput {
  name: string;
  description: string;
  definition: SchemeDefinition;
}

/** The columns the list and the scheduler read, derived from the definition. */
function scheduleColumns(definition: SchemeDefinition) {
  return {
    cron: definition.schedule?.cron ?? null,
    timezone: definition.timezone,
    enabled: definition.schedule?.enabled ?? false,
  };
}

export async function findSchemeWithLastRun(db: Db, id: string): Promise<SchemeWithLastRun | null> {
  return db.scheme.findUnique({ where: { id }, include: WITH_LAST_RUN });
}

/** Every scheme, newest first. */
export async function listSchemesWithLastRun(db: Db): Promise<SchemeWithLastRun[]> {
  return db.scheme.findMany({ orderBy: { createdAt: "desc" }, include: WITH_LAST_RUN });
}

/** Creates the scheme with its version 1. */
export async function insertScheme(db: Db, input: SchemeInput, createdById: string): Promise<SchemeWithLastRun> {
  return db.scheme.create({
    data: {
      name: input.name,
      description: input.description,
      definition: input.definition as object,
      ...scheduleColumns(input.definition),
      currentVersion: 1,
      createdById,
      versions: { create: { version: 1, definition: input.definition as object, createdById } },
    },
    include: WITH_LAST_RUN,
  });
}

/** Saves the definition as the scheme's next version (name and description with it, when given). */
export async function insertSchemeVersion(
  db: Db,
  id: string,
  input: Partial<SchemeInput> & { definition: SchemeDefinition },
  createdById: string,
): Promise<SchemeWithLastRun> {
  return db.$transaction(async (tx) => {
    const bumped = await tx.scheme.update({
      where: { id },
      data: {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.description !== undefined && { description: input.description }),
        definition: input.definition as object,
        ...scheduleColumns(input.definition),
        currentVersion: { increment: 1 },
      },
    });
    await tx.schemeVersion.create({
      data: { schemeId: id, version: bumped.currentVersion, definition: input.definition as object, createdById },
    });
    return tx.scheme.findUniqueOrThrow({ where: { id }, include: WITH_LAST_RUN });
  });
}

/** Renames without a new version (what the scheme does stays the same). */
export async function renameScheme(db: Db, id: string, change: { name?: string; description?: string }): Promise<SchemeWithLastRun> {
  return db.scheme.update({ where: { id }, data: { name: change.name, description: change.description }, include: WITH_LAST_RUN });
}

/**
 * Switches the definition's schedule on or off, and the `enabled` column with it, without a new
 * version (it changes when the scheme runs, not what it does). The caller refuses a definition
 * without a schedule (there is nothing to switch).
 */
export async function switchSchemeSchedule(db: Db, id: string, definition: SchemeDefinition, enabled: boolean): Promise<SchemeWithLastRun> {
  if (!definition.schedule) throw new Error(`Scheme ${id} has no schedule to switch`);
  return db.scheme.update({
    where: { id },
    data: { enabled, definition: { ...definition, schedule: { ...definition.schedule, enabled } } as object },
    include: WITH_LAST_RUN,
  });
}

/** Deletes the scheme with its versions and runs (its staging rows go by trigger). */
export async function deleteScheme(db: Db, id: string): Promise<void> {
  await db.scheme.delete({ where: { id } });
}

/** Each scheme's id, name and definition, by name (to see which connections they use). */
export async function listSchemeDefinitions(db: Db): Promise<{ id: string; name: string; definition: unknown }[]> {
  return db.scheme.findMany({ select: { id: true, name: true, definition: true }, orderBy: { name: "asc" } });
}

/**
 * The definition a run of `version` executes: that version's, or the scheme's current one when the
 * version is the current one (schemes saved before versions were kept have no row for it). Null
 * when neither holds it. Throws when the scheme does not exist.
 */
export async function findSchemeDefinition(db: Db, schemeId: string, version: number): Promise<{ definition: unknown } | null> {
  // The version's row first: every run reads this, and the scheme's own row (with its definition)
  // is needed only when there is none.
  const saved = await db.schemeVersion.findUnique({ where: { schemeId_version: { schemeId, version } }, select: { definition: true } });
  if (saved) return { definition: saved.definition };
  const scheme = await db.scheme.findUniqueOrThrow({ where: { id: schemeId }, select: { currentVersion: true, definition: true } });
  return version === scheme.currentVersion ? { definition: scheme.definition } : null;
}
