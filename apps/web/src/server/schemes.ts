// Schemes: validation with @qiao/core's compiler, saving (every saved definition is a new
// version; a name names one scheme), the schedule kept in step with BullMQ, and the list's summary
// of each scheme.
import { compileScheme, message, readsFromCursor, render, type Locale, type Message, type SchemeDefinition, type SourceNode, type TargetNode } from "@qiao/core";
import { getConnector } from "@qiao/connectors";
import {
  changeScheme as changeSchemeRow,
  ConnectionGoneError,
  findSchemeWithLastRun,
  insertScheme,
  insertSchemeVersion,
  listConnectionRefs,
  NamedMissingError,
  RunAfterLoopError,
  schemeNamesStartingWith,
  SchemeHasNoScheduleError,
  SchemeNameTakenError,
  SchemeVersionChangedError,
  type Db,
  type SchemeInput,
  type SchemeWithLastRun,
} from "@qiao/db";
import { removeSchemeSchedulers, syncReconcileSchedule, syncSchemeSchedule, type ReconcileSchedulable, type SchedulableScheme } from "@qiao/jobs";
import { SCHEME_NAME_MAX, type ApiIssue, type SchemeDto, type SchemeSummaryDto } from "@/lib/api/schemas";
import { compileContext } from "./catalog";
import { runAfterIssues, runAfterLoopIssue } from "./run-after";
import { ApiError, notFound } from "./errors";
import { logger } from "./logger";
import { runQueue } from "./queue";
import { runDto } from "./runs";

export async function findScheme(db: Db, id: string): Promise<SchemeWithLastRun> {
  const row = await findSchemeWithLastRun(db, id);
  if (!row) throw notFound("集成方案");
  return row;
}

export interface Validation {
  ok: boolean;
  issues: ApiIssue[];
  warnings: ApiIssue[];
}

/**
 * What a save checks (forSave), in one place: the definition compiled, and its run-after order (the
 * schemes named must exist and must not lead back to `schemeId`; null for a new scheme). Every save
 * (create, new version, duplicate, import: assertValid) and the validate route come through here, so
 * the route answers `ok` exactly when a save would pass (session 32's audit: it compiled only). A
 * scheme stored with a timezone that is no IANA name before session 30 still opens and runs; its
 * next save asks for an IANA name.
 */
export async function validateDefinition(db: Db, definition: SchemeDefinition, schemeId: string | null = null): Promise<Validation> {
  const result = compileScheme(definition, await compileContext(db), { forSave: true });
  const toIssue = (i: ApiIssue): ApiIssue => ({ ...i, path: ["definition", ...i.path] });
  const runAfter = await runAfterIssues(db, schemeId, definition);
  if (result.ok) return { ok: runAfter.length === 0, issues: runAfter, warnings: result.warnings.map(toIssue) };
  const issues = result.issues.map(toIssue);
  return {
    ok: false,
    issues: [...issues.filter((i) => i.severity !== "warning"), ...runAfter],
    warnings: issues.filter((i) => i.severity === "warning"),
  };
}

/**
 * Refuses (400, with every issue and its position) a definition that does not compile, or whose
 * run-after order names a missing scheme or loops back to this one (`schemeId`; null for a new one).
 */
export async function assertValid(db: Db, definition: SchemeDefinition, schemeId: string | null = null): Promise<void> {
  const v = await validateDefinition(db, definition, schemeId);
  if (!v.ok) throw notSaved(v.issues);
}

function notSaved(issues: ApiIssue[]): ApiError {
  const [first] = issues;
  return new ApiError("validation_failed", message("api.schemeNotSaved", { count: issues.length, first: first?.message ?? "", firstEn: first?.messageEn ?? first?.message ?? "" }), issues);
}

/**
 * The scheme is saved, its schedule is not (Redis refused): a 502 that says so. What was saved with
 * the scheme stays (a scheme import keeps the value maps it created: the saved scheme uses them).
 */
export class ScheduleNotSynced extends ApiError {
  constructor() {
    super("upstream_failed", message("api.scheduleNotSynced"));
  }
}

/**
 * Upserts or removes the scheme's BullMQ job schedulers (its run schedule, and its reconciliation's,
 * which the run schedule's switch pauses too); the DB row is already saved (a scheme, or its
 * reconciliation settings).
 */
export async function syncSchedule(scheme: SchedulableScheme & ReconcileSchedulable): Promise<void> {
  try {
    await syncSchemeSchedule(runQueue(), scheme);
    await syncReconcileSchedule(runQueue(), scheme);
  } catch (error) {
    logger.error({ err: error, schemeId: scheme.id }, "schedule sync failed");
    throw new ScheduleNotSynced();
  }
}

/**
 * Removes the scheme's job schedulers (run and reconciliation) before it is deleted; a 502 when
 * Redis refuses (the scheme is then kept: deleted, nothing would remove them).
 */
export async function removeSchedules(schemeId: string): Promise<void> {
  try {
    await removeSchemeSchedulers(runQueue(), schemeId);
  } catch (error) {
    logger.error({ err: error, schemeId }, "schedule removal failed");
    throw new ApiError("upstream_failed", message("api.schedulesNotRemoved"));
  }
}

/** Rethrows `error`; a name another scheme has as a 409 that names it (lookups and run-after orders find schemes by name). */
function refuseTakenName(error: unknown): never {
  if (error instanceof SchemeNameTakenError) throw new ApiError("conflict", message("api.schemeNameTaken", { name: error.schemeName }));
  throw error;
}

/**
 * A scheme or map the definition names was renamed or deleted after assertValid passed it (the save's
 * own check found it gone: refuseMissingNames): validated again, the 400 says where it is named.
 */
async function refuseGoneNames(db: Db, error: unknown, definition: SchemeDefinition, schemeId: string | null): Promise<never> {
  if (!(error instanceof NamedMissingError)) throw error;
  await assertValid(db, definition, schemeId);
  // Back again by now (renamed back): still not saved, and saying which name it was.
  const name = error.missing;
  throw notSaved([{ path: ["definition"], severity: "error", message: `“${name}” 在保存时已被改名或删除，请检查后再保存`, messageEn: `"${name}" was renamed or deleted while saving: check and save again` }]);
}

/**
 * A connection the definition names was deleted after assertValid passed it (the save's own check
 * found it gone, holding the others: lockSchemeConnections): validated again, the 400 is the
 * compiler's, at the node (session 31).
 */
async function refuseGoneConnection(db: Db, error: unknown, definition: SchemeDefinition, schemeId: string | null): Promise<never> {
  if (!(error instanceof ConnectionGoneError)) throw error;
  await assertValid(db, definition, schemeId);
  const { nodeId, nodeIndex } = error.named;
  throw notSaved([
    {
      path: ["definition", "nodes", nodeIndex, "config", "connectionId"],
      nodeId,
      severity: "error",
      message: `节点 “${nodeId}” 所选的连接在保存时已被删除：请重新选择连接`,
      messageEn: `The connection of node "${nodeId}" was deleted while saving: choose another one`,
    },
  ]);
}

export async function createScheme(db: Db, input: SchemeInput, userId: string): Promise<SchemeWithLastRun> {
  await assertValid(db, input.definition);
  const row = await insertValid(db, input, userId).catch(refuseTakenName);
  await syncSchedule(row);
  return row;
}

/** Inserts a validated scheme; a name taken meanwhile stays SchemeNameTakenError (the caller decides). */
function insertValid(db: Db, input: SchemeInput, userId: string): Promise<SchemeWithLastRun> {
  return insertScheme(db, input, userId)
    .catch((error: unknown) => refuseGoneConnection(db, error, input.definition, null))
    .catch((error: unknown) => refuseGoneNames(db, error, input.definition, null));
}

/** How often 复制 takes the next free name when copies made at the same moment took the one it chose. */
const COPY_ATTEMPTS = 10;

/**
 * 复制: a copy (version 1) named by copyName, its schedule switched off. Copies made at once (two
 * clicks, two people) may choose the same free name: the one refused by the unique index chooses
 * again, up to COPY_ATTEMPTS times, instead of a 409 for a name the person never chose.
 */
export async function duplicateScheme(
  db: Db,
  source: { name: string; description: string; definition: SchemeDefinition },
  userId: string,
): Promise<SchemeWithLastRun> {
  const { definition: original, description } = source;
  const definition = { ...original, schedule: original.schedule && { ...original.schedule, enabled: false } };
  await assertValid(db, definition);
  let row: SchemeWithLastRun | undefined;
  for (let attempt = 1; row === undefined; attempt++) {
    const name = await copyName(db, source.name);
    try {
      row = await insertValid(db, { name, description, definition }, userId);
    } catch (error) {
      if (!(error instanceof SchemeNameTakenError) || attempt >= COPY_ATTEMPTS) refuseTakenName(error);
    }
  }
  await syncSchedule(row);
  return row;
}

/** `text` cut to at most `max` UTF-16 units, never inside a character (an emoji's surrogate pair). */
function fitName(text: string, max: number): string {
  if (text.length <= max) return text;
  let fitted = "";
  for (const char of text) {
    if (fitted.length + char.length > max) break;
    fitted += char;
  }
  return fitted;
}

/** The longest copy suffix looked for at once: `（副本 99999999）`, 12 units. */
const LONGEST_COPY_SUFFIX = 12;

/**
 * A copy's name: `<name>（副本）`, else `（副本 2）`, `（副本 3）`… the first no scheme has. A name too
 * long for the suffix is shortened first (at its end), so the copy's name keeps to SCHEME_NAME_MAX
 * like every name a request may send: the editor saves the name with every version, and an import
 * reads the export's (session 32's audit).
 */
export async function copyName(db: Db, name: string): Promise<string> {
  const suffix = (n: number) => (n === 1 ? "（副本）" : `（副本 ${n}）`);
  // Every candidate starts with this (a name cut shorter is a prefix of the name cut longer).
  const shortest = fitName(name, SCHEME_NAME_MAX - LONGEST_COPY_SUFFIX);
  const taken = await schemeNamesStartingWith(db, shortest === name ? `${name}（副本` : shortest);
  for (let n = 1; ; n++) {
    const candidate = fitName(name, SCHEME_NAME_MAX - suffix(n).length) + suffix(n);
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * Renames (name and / or description) and switches the schedule (`enabled`) without a new version,
 * all in one transaction (@qiao/db changeScheme): a name another scheme has is a 409, and so is a
 * switch of a scheme a save left without a schedule after the caller's assertSwitchable; either
 * refusal changes nothing. The schemes that look it up have the name rewritten with it.
 */
export async function changeScheme(db: Db, id: string, change: { name?: string; description?: string; enabled?: boolean }): Promise<SchemeWithLastRun> {
  const row = await changeSchemeRow(db, id, change).catch((error: unknown) => {
    // A save that removed the schedule committed after the caller's check.
    if (error instanceof SchemeHasNoScheduleError) throw noSchedule();
    refuseTakenName(error);
  });
  if (change.enabled !== undefined) await syncSchedule(row);
  return row;
}

/** A 409 whose text is also an issue at `baseVersion`, where the editor looks for "saved since". */
function versionChanged(text: Message): ApiError {
  return new ApiError("conflict", text, [{ path: ["baseVersion"], message: render(text, "zh-CN"), messageEn: render(text, "en") }]);
}

/**
 * A test or run of the version the editor shows (`baseVersion`; absent: whatever is current, as the
 * list's 立即运行 and API clients ask): a scheme saved since is a 409, as a save is, not a run of a
 * mapping the person has not seen. The route pins the run to the version checked here (requestRun's
 * `scheme`), so a save committed after the check does not change what runs.
 */
export function assertShownVersion(scheme: { currentVersion: number }, baseVersion: number | undefined, action: "test" | "run"): void {
  if (baseVersion !== undefined && baseVersion !== scheme.currentVersion) {
    throw versionChanged(message("api.schemeChangedSinceShown", { current: scheme.currentVersion, base: baseVersion, action }));
  }
}

/**
 * Saves a new version of the definition (and name / description with it). With `baseVersion` (the
 * editor sends the version it opened), a scheme saved since is a 409 naming both versions, with an
 * issue at `baseVersion`: the editor then lets a second save overwrite it knowingly.
 */
export async function saveSchemeVersion(
  db: Db,
  id: string,
  input: Partial<SchemeInput> & { definition: SchemeDefinition; baseVersion?: number },
  userId: string,
): Promise<SchemeWithLastRun> {
  await assertValid(db, input.definition, id);
  const row = await insertSchemeVersion(db, id, input, userId).catch(async (error: unknown) => {
    if (error instanceof SchemeVersionChangedError) {
      throw versionChanged(message("api.schemeChangedSince", { current: error.currentVersion, base: error.baseVersion }));
    }
    // Another save committed an order after assertValid read the graph, and the two loop.
    if (error instanceof RunAfterLoopError) throw notSaved([await runAfterLoopIssue(db, error.loop)]);
    if (error instanceof NamedMissingError) await refuseGoneNames(db, error, input.definition, id);
    if (error instanceof ConnectionGoneError) await refuseGoneConnection(db, error, input.definition, id);
    refuseTakenName(error);
  });
  await syncSchedule(row);
  return row;
}

/** A 409 unless the scheme has a schedule to switch (checked before a request changes anything else). */
export function assertSwitchable(scheme: { definition: unknown }): void {
  if (!(scheme.definition as SchemeDefinition).schedule) throw noSchedule();
}

const noSchedule = () => new ApiError("conflict", message("api.noSchedule"));

type End = SchemeSummaryDto["source"];

function endOf(definition: SchemeDefinition, type: "source" | "target", connections: Map<string, string>): End {
  const node = definition.nodes.find((n): n is SourceNode | TargetNode => n.type === type);
  if (!node) return null;
  const meta = getConnector(node.config.platform)?.meta;
  const api = meta?.apis.find((a) => a.id === node.config.api);
  return {
    platform: node.config.platform,
    platformName: meta?.name ?? node.config.platform,
    api: node.config.api,
    apiName: api?.name ?? node.config.api,
    connectionId: node.config.connectionId,
    connectionName: connections.get(node.config.connectionId) ?? null,
  };
}

export function schemeSummaryDto(row: SchemeWithLastRun, connections: Map<string, string>, locale: Locale): SchemeSummaryDto {
  const definition = row.definition as SchemeDefinition;
  const lastRun = row.runs[0];
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    cron: row.cron,
    timezone: row.timezone,
    enabled: row.enabled,
    currentVersion: row.currentVersion,
    source: endOf(definition, "source", connections),
    target: endOf(definition, "target", connections),
    lastRun: lastRun ? runDto(lastRun, locale) : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function schemeDto(row: SchemeWithLastRun, connections: Map<string, string>, locale: Locale): SchemeDto {
  return {
    ...schemeSummaryDto(row, connections, locale),
    definition: row.definition as SchemeDefinition,
    readCursor: { syncedUpTo: row.cursor?.toISOString() ?? null, incremental: readsFromCursor(row.definition) },
  };
}

export async function connectionNames(db: Db): Promise<Map<string, string>> {
  const rows = await listConnectionRefs(db);
  return new Map(rows.map((r) => [r.id, r.name]));
}
