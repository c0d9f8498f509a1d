// Schemes as saved: every saved definition is a new version (a SchemeVersion row beside the
// scheme's current one), the columns the list and the scheduler read (cron, timezone, enabled)
// mirror the definition's schedule, and pages show each scheme with its latest run that was not a
// test. Validation (compileScheme) and the BullMQ schedule are the callers'.
import { message, pickTargetForm, render, sourceReadChanged, sourceSwitched, type Message, type SchemeDefinition, type TargetApiMeta } from "@qiao/core";
import type { Prisma, Run, Scheme } from "../../generated/prisma/client";
import type { Db } from "../client";
import { lockSchemeConnections } from "../connection-usage";
import { getConnector } from "@qiao/connectors";
import { automationOn } from "./automation";
import { LONG_TRANSACTION } from "./long-transaction";
import { lockNames, refuseMissingNames, rewriteNamed } from "./name-references";
import { refreshRecordCountsIn } from "./overview";
import { forgetOtherSource, forgetWrittenTarget } from "./staging-switch";
import { pendStaleRecords, schemeWriteMode, staleWrittenRecords, switchedToCreate, switchedToUpsert, type WriteMode } from "./write-mode-switch";
import { refuseRunAfterLoop } from "./run-after";
import { ACTIVE_RUN_STATUSES, isUniqueViolation } from "./runs";
import { SchemeGoneError } from "./scheme-gone";

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

/**
 * Another scheme has the name (the unique index `schemes_name_key`, session 30's audit): lookups and
 * exported run-after orders name the scheme they read, so a name names one scheme.
 */
export class SchemeNameTakenError extends Error {
  override name = "SchemeNameTakenError";
  constructor(readonly schemeName: string) {
    super(`a scheme named "${schemeName}" exists`);
  }
}

/** Runs `save`, which gives a scheme `name`; the index's refusal becomes SchemeNameTakenError. */
async function refusingTakenName<T>(name: string | undefined, save: () => Promise<T>): Promise<T> {
  try {
    return await save();
  } catch (error) {
    if (name !== undefined && isUniqueViolation(error, "schemes_name_key")) throw new SchemeNameTakenError(name);
    throw error;
  }
}

/** The scheme of this name (names are unique), or null. */
export async function findSchemeByName(db: Db, name: string): Promise<{ id: string; name: string } | null> {
  return db.scheme.findUnique({ where: { name }, select: { id: true, name: true } });
}

/** The scheme names that start with `prefix` (to pick a free one). */
export async function schemeNamesStartingWith(db: Db, prefix: string): Promise<Set<string>> {
  const rows = await db.scheme.findMany({ where: { name: { startsWith: prefix } }, select: { name: true } });
  return new Set(rows.map((r) => r.name));
}

/**
 * Creates the scheme with its version 1; SchemeNameTakenError when another scheme has its name,
 * NamedMissingError when a scheme or map its templates name is gone (renamed or deleted since the
 * definition was validated: refuseMissingNames), ConnectionGoneError when a connection it names is.
 */
export async function insertScheme(db: Db, input: SchemeInput, createdById: string): Promise<SchemeWithLastRun> {
  return refusingTakenName(input.name, () =>
    db.$transaction(async (tx) => {
      await refuseMissingNames(tx, input.definition);
      await lockSchemeConnections(tx, input.definition);
      return tx.scheme.create({
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
    }),
  );
}

/** Where a definition writes: its target connection and form. */
export interface SchemeTarget {
  connectionId: string;
  /** The node's form, or (none named) its API's first form: core's pickTargetForm, as compileScheme picks it. */
  formId: string;
}

/** The target of a definition as saved (read leniently: undefined when it has no target node). */
export function schemeTarget(definition: unknown): SchemeTarget | undefined {
  const nodes = (definition as { nodes?: unknown } | null | undefined)?.nodes;
  if (!Array.isArray(nodes)) return undefined;
  const node = nodes.find((n): n is { type: string; config?: unknown } => typeof n === "object" && n !== null && (n as { type?: unknown }).type === "target");
  const config = node?.config as { connectionId?: unknown; platform?: unknown; api?: unknown; formId?: unknown } | undefined;
  if (typeof config !== "object" || config === null) return undefined;
  const named = typeof config.formId === "string" ? config.formId : undefined;
  const forms = typeof config.platform === "string" ? (getConnector(config.platform)?.meta.apis.filter((a): a is TargetApiMeta => a.kind === "target" && a.id === config.api) ?? []) : [];
  // A stored form the connector no longer lists is still the one that version wrote to.
  const formId = pickTargetForm(named, forms)?.formId ?? named ?? "";
  return { connectionId: typeof config.connectionId === "string" ? config.connectionId : "", formId };
}

/** Whether `after` writes to another target than `before`: another connection, or another form. */
export function targetSwitched(before: unknown, after: unknown): boolean {
  const a = schemeTarget(before);
  const b = schemeTarget(after);
  if (!a || !b) return false;
  return a.connectionId !== b.connectionId || a.formId !== b.formId;
}

/** A change to a scheme refused while run `runId` of it is queued or running; `text` says so to the person. */
export abstract class ActiveRunRefusal extends Error {
  readonly text: Message;
  constructor(
    readonly schemeId: string,
    readonly runId: string,
    text: Message,
  ) {
    super(render(text, "en"));
    this.text = text;
  }
}

/**
 * A version that switches the scheme's target cannot be saved while a run of the scheme is queued
 * or running: that run writes to the old target, and what it wrote would count as written to the
 * new one (session 18).
 */
export class SchemeTargetBusyError extends ActiveRunRefusal {
  override name = "SchemeTargetBusyError";
  constructor(schemeId: string, runId: string) {
    super(schemeId, runId, message("scheme.targetSwitchBusy", { runId }));
  }
}

/**
 * A version that switches the write mode (create ⇄ upsert) cannot be saved while a run of the scheme
 * is queued or running (session 32). To upsert: the save makes the stale records pending, and that
 * run, of the version before, would send them as creates (a duplicate number, or a second bill
 * numbered by 金蝶's 编码规则), or stage them stale again. To create: the save stops the written
 * records upsert mode would send again, and that run may queue them again for create mode.
 */
export class SchemeModeBusyError extends ActiveRunRefusal {
  override name = "SchemeModeBusyError";
  constructor(schemeId: string, runId: string, upsert: boolean) {
    super(schemeId, runId, message("scheme.modeSwitchBusy", { runId, upsert }));
  }
}

/**
 * The scheme was saved again after the version the caller edited (`baseVersion`): a save from an
 * editor opened before another person's (or tab's) save would replace it unseen. Nothing is saved.
 */
export class SchemeVersionChangedError extends Error {
  override name = "SchemeVersionChangedError";
  constructor(
    readonly schemeId: string,
    readonly currentVersion: number,
    readonly baseVersion: number,
  ) {
    super(`scheme ${schemeId} is at version ${currentVersion}, the save was made on version ${baseVersion}`);
  }
}

/**
 * Saves the definition as the scheme's next version (name and description with it, when given).
 * A version with another target (connection or form: targetSwitched) makes every staged record
 * pending (forgetWrittenTarget) in the same transaction, and is refused while a run of the scheme is
 * queued or running (SchemeTargetBusyError); a run queued just before it that starts after it finds
 * the target switched and stops (currentSchemeTarget, read FOR SHARE: it waits for this save).
 * A version whose source reads other records (another connection, API or filter: core
 * sourceReadChanged) clears the cursor: its next run reads from the beginning, and a run of an
 * older version still reading does not set the cursor again (`cursorFromVersion`, completeRead).
 * A version that switches its source (another connection, platform or API: core sourceSwitched) and
 * its target together drops the staged records instead (forgetOtherSource): they are another
 * system's, and would otherwise be sent to the new target.
 * A version that writes in upsert mode where the one before wrote in create mode makes the records
 * create mode left stale pending (pendStaleRecords: the next run updates them, whether its read sees
 * them again or not), and is refused while a run is queued or running (SchemeModeBusyError); one that
 * switches back to create makes the written records upsert mode would send again written or stale
 * (staleWrittenRecords: create mode would send them as new records), refused likewise.
 * A version that switches the scheme's automation back on (its schedule enabled again) stamps
 * `automationOnSince` (the stale-scheme alert counts from it). A run-after order that loops with
 * the orders committed before it is refused (RunAfterLoopError, refuseRunAfterLoop); a name another
 * scheme has, with SchemeNameTakenError; templates naming a scheme or map that is gone, with
 * NamedMissingError; a connection that is gone, with ConnectionGoneError (lockSchemeConnections:
 * after the advisory locks, before the row). A new name is rewritten in the schemes that look this
 * one up (rewriteNamed). With `baseVersion` (the version the editor opened), a scheme saved since is
 * refused with SchemeVersionChangedError; a scheme deleted since it was read, with SchemeGoneError.
 */
export async function insertSchemeVersion(
  db: Db,
  id: string,
  input: Partial<SchemeInput> & { definition: SchemeDefinition; baseVersion?: number },
  createdById: string,
): Promise<SchemeWithLastRun> {
  return refusingTakenName(input.name, () => db.$transaction(async (tx) => {
    await refuseRunAfterLoop(tx, id, input.definition.runAfter ?? []);
    await refuseMissingNames(tx, input.definition);
    if (input.name !== undefined) await lockNames(tx);
    await lockSchemeConnections(tx, input.definition);
    // Locks the row: two saves at once compare each with the version before it.
    const [before] = await tx.$queryRaw<{ name: string; definition: unknown; enabled: boolean; cron: string | null; current_version: number }[]>`
      SELECT name, definition, enabled, cron, current_version FROM schemes WHERE id = ${id}::uuid FOR UPDATE`;
    if (before === undefined) throw new SchemeGoneError(id);
    if (input.baseVersion !== undefined && before.current_version !== input.baseVersion) {
      throw new SchemeVersionChangedError(id, before.current_version, input.baseVersion);
    }
    const resetCursor = sourceReadChanged(before.definition, input.definition);
    const retarget = targetSwitched(before.definition, input.definition);
    // A target switch makes stale rows pending anyway (forgetWrittenTarget).
    const toUpsert = !retarget && switchedToUpsert(before.definition, input.definition);
    const toCreate = !retarget && switchedToCreate(before.definition, input.definition);
    if (retarget || toUpsert || toCreate) {
      const active = await tx.run.findFirst({ where: { schemeId: id, status: { in: [...ACTIVE_RUN_STATUSES] } }, select: { id: true } });
      if (active) throw retarget ? new SchemeTargetBusyError(id, active.id) : new SchemeModeBusyError(id, active.id, toUpsert);
    }
    const schedule = scheduleColumns(input.definition);
    const switchedOn = !automationOn(before) && automationOn(schedule);
    const bumped = await tx.scheme.update({
      where: { id },
      data: {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.description !== undefined && { description: input.description }),
        definition: input.definition as object,
        ...schedule,
        ...(switchedOn && { automationOnSince: new Date() }),
        currentVersion: { increment: 1 },
      },
    });
    await tx.schemeVersion.create({
      data: { schemeId: id, version: bumped.currentVersion, definition: input.definition as object, createdById },
    });
    if (input.name !== undefined) await rewriteNamed(tx, "scheme", before.name, input.name, id);
    if (resetCursor) await tx.scheme.update({ where: { id }, data: { cursor: null, cursorFromVersion: bumped.currentVersion } });
    if (retarget) {
      if (sourceSwitched(before.definition, input.definition)) await forgetOtherSource(tx, id);
      await forgetWrittenTarget(tx, id);
    }
    const restaged = retarget || (toUpsert && (await pendStaleRecords(tx, id)) > 0) || (toCreate && (await staleWrittenRecords(tx, id)) > 0);
    // Statuses changed outside a run: the overview's and the metrics' staging counts follow, in
    // this transaction (no run's follow-up will: none may come for days).
    if (restaged) await refreshRecordCountsIn(tx, id);
    return tx.scheme.findUniqueOrThrow({ where: { id }, include: WITH_LAST_RUN });
  }, LONG_TRANSACTION));
}

/**
 * The target of the scheme's current definition, with its write mode, read FOR SHARE: a save in
 * progress (which locks the row, see insertSchemeVersion) is waited for. Undefined when the scheme
 * is gone (or its definition has no target).
 */
export async function currentSchemeTarget(db: Db, schemeId: string): Promise<(SchemeTarget & { mode: WriteMode }) | undefined> {
  const rows = await db.$queryRaw<{ definition: unknown }[]>`SELECT definition FROM schemes WHERE id = ${schemeId}::uuid FOR SHARE`;
  const target = rows[0] ? schemeTarget(rows[0].definition) : undefined;
  return target && { ...target, mode: schemeWriteMode(rows[0]!.definition) ?? "create" };
}

/**
 * 从头读取 is refused while a run of the scheme that reads is queued or running: its read would set
 * the cursor again when it completes (session 18).
 */
export class SchemeCursorBusyError extends ActiveRunRefusal {
  override name = "SchemeCursorBusyError";
  constructor(schemeId: string, runId: string) {
    super(schemeId, runId, message("scheme.cursorResetBusy", { runId }));
  }
}

/**
 * 从头读取: clears the scheme's cursor (LAST_SYNC_TIME), so its next run reads from the beginning
 * (staging's hashes keep the records that did not change from being sent again), and sets
 * `cursorFromVersion` to the current version, as a version that reads other records does
 * (insertSchemeVersion): a run of an older version does not set the cursor again (completeRead).
 * Refused with SchemeCursorBusyError while a run of the scheme other than a test (tests never move
 * the cursor) is queued or running. Idempotent: a cursor already cleared for the current version is
 * left as it is. Null when the scheme does not exist.
 */
export async function resetSchemeCursor(db: Db, id: string): Promise<SchemeWithLastRun | null> {
  return db.$transaction(async (tx) => {
    // Locks the row first (a save waits, and waits for this): the check below then sees every run
    // committed before the lock was taken.
    const [row] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM schemes WHERE id = ${id}::uuid FOR UPDATE`;
    if (!row) return null;
    const active = await tx.run.findFirst({
      where: { schemeId: id, status: { in: [...ACTIVE_RUN_STATUSES] }, trigger: { not: "test" } },
      orderBy: { createdAt: "asc" },
      select: { id: true },
    });
    if (active) throw new SchemeCursorBusyError(id, active.id);
    await tx.$executeRaw`
      UPDATE schemes SET cursor = NULL, cursor_from_version = current_version, updated_at = ${new Date()}::timestamp
      WHERE id = ${id}::uuid AND (cursor IS NOT NULL OR cursor_from_version IS DISTINCT FROM current_version)`;
    return tx.scheme.findUniqueOrThrow({ where: { id }, include: WITH_LAST_RUN });
  });
}

/** The scheme has no schedule to switch (its definition names none). */
export class SchemeHasNoScheduleError extends Error {
  override name = "SchemeHasNoScheduleError";
  constructor(readonly schemeId: string) {
    super(`Scheme ${schemeId} has no schedule to switch`);
  }
}

/**
 * Changes a scheme without a new version (what it does stays the same), every change asked for in
 * one transaction: all or nothing (session 36's audit: a rename was kept when the switch after it
 * failed).
 * - `name` / `description`: renamed; SchemeNameTakenError when another scheme has the name. The
 *   schemes that look it up by name have it rewritten to the new one (rewriteNamed: every version of
 *   theirs, no new one).
 * - `enabled`: the definition's schedule switched on or off, and the `enabled` column with it.
 *   Switched on from off, it stamps `automationOnSince` (the stale-scheme alert counts from it, not
 *   from a success before the pause). The definition is the one it locks, not one read before: a
 *   save that committed in between keeps its mapping and run-after order (session 23). Throws
 *   SchemeHasNoScheduleError when the definition has no schedule (nothing to switch).
 * SchemeGoneError when the scheme was deleted since it was read.
 */
export async function changeScheme(db: Db, id: string, change: { name?: string; description?: string; enabled?: boolean }): Promise<SchemeWithLastRun> {
  return refusingTakenName(change.name, () =>
    db.$transaction(async (tx) => {
      if (change.name !== undefined) await lockNames(tx);
      const [before] = await tx.$queryRaw<{ name: string; enabled: boolean; cron: string | null; definition: SchemeDefinition }[]>`
        SELECT name, enabled, cron, definition FROM schemes WHERE id = ${id}::uuid FOR UPDATE`;
      if (!before) throw new SchemeGoneError(id);
      if (change.name !== undefined) await rewriteNamed(tx, "scheme", before.name, change.name, id);
      return tx.scheme.update({
        where: { id },
        data: { name: change.name, description: change.description, ...(change.enabled !== undefined && switchedColumns(id, before, change.enabled)) },
        include: WITH_LAST_RUN,
      });
    }, LONG_TRANSACTION),
  );
}

/** The columns a switch of the schedule writes (changeScheme). */
function switchedColumns(id: string, before: { enabled: boolean; cron: string | null; definition: SchemeDefinition }, enabled: boolean) {
  const schedule = before.definition.schedule;
  if (!schedule) throw new SchemeHasNoScheduleError(id);
  const switchedOn = !automationOn(before) && enabled;
  return {
    enabled,
    definition: { ...before.definition, schedule: { ...schedule, enabled } } as object,
    ...(switchedOn && { automationOnSince: new Date() }),
  };
}

/** Each scheme's id, name and definition, by name (to see which connections they use). */
export async function listSchemeDefinitions(db: Db | Prisma.TransactionClient): Promise<{ id: string; name: string; definition: unknown }[]> {
  return db.scheme.findMany({ select: { id: true, name: true, definition: true }, orderBy: { name: "asc" } });
}

/**
 * The definition a run of `version` executes: that version's, or the scheme's current one when the
 * version is the current one (schemes saved before versions were kept have no row for it). Null
 * when neither holds it. Throws when the scheme does not exist.
 */
export async function findSchemeDefinition(db: Db | Prisma.TransactionClient, schemeId: string, version: number): Promise<{ definition: unknown } | null> {
  // The version's row first: every run reads this, and the scheme's own row (with its definition)
  // is needed only when there is none.
  const saved = await db.schemeVersion.findUnique({ where: { schemeId_version: { schemeId, version } }, select: { definition: true } });
  if (saved) return { definition: saved.definition };
  const scheme = await db.scheme.findUniqueOrThrow({ where: { id: schemeId }, select: { currentVersion: true, definition: true } });
  return version === scheme.currentVersion ? { definition: scheme.definition } : null;
}
