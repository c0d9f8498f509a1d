// Schemes: validation with @qiao/core's compiler, saving (every saved definition is a new
// version), the schedule kept in step with BullMQ, and the list's summary of each scheme.
import { compileScheme, type Locale, type SchemeDefinition } from "@qiao/core";
import { getConnector } from "@qiao/connectors";
import type { Db, SchemeModel } from "@qiao/db";
import { syncSchemeSchedule } from "@qiao/jobs";
import type { ApiIssue, SchemeDto, SchemeSummaryDto } from "@/lib/api/schemas";
import { compileContext } from "./catalog";
import { ApiError, notFound } from "./errors";
import { logger } from "./logger";
import { runQueue } from "./queue";
import { runDto, runInclude } from "./runs";

type LastRun = Parameters<typeof runDto>[0];
type SchemeWithRun = SchemeModel & { runs: LastRun[] };

/** The latest run that was not a test (tests write nothing, so they say nothing of the sync). */
export const lastRunInclude = {
  runs: { where: { trigger: { not: "test" as const } }, orderBy: { createdAt: "desc" as const }, take: 1, include: runInclude },
};

export async function findScheme(db: Db, id: string): Promise<SchemeWithRun> {
  const row = await db.scheme.findUnique({ where: { id }, include: lastRunInclude });
  if (!row) throw notFound("集成方案");
  return row;
}

export interface Validation {
  ok: boolean;
  issues: ApiIssue[];
  warnings: ApiIssue[];
}

export async function validateDefinition(db: Db, definition: SchemeDefinition): Promise<Validation> {
  const result = compileScheme(definition, await compileContext(db));
  const toIssue = (i: ApiIssue): ApiIssue => ({ ...i, path: ["definition", ...i.path] });
  if (result.ok) return { ok: true, issues: [], warnings: result.warnings.map(toIssue) };
  const issues = result.issues.map(toIssue);
  return {
    ok: false,
    issues: issues.filter((i) => i.severity !== "warning"),
    warnings: issues.filter((i) => i.severity === "warning"),
  };
}

/** Refuses (400, with every issue and its position) a definition that does not compile. */
export async function assertValid(db: Db, definition: SchemeDefinition): Promise<void> {
  const v = await validateDefinition(db, definition);
  if (!v.ok) {
    const first = v.issues[0]?.message ?? "";
    throw new ApiError("validation_failed", `方案有 ${v.issues.length} 处错误，未保存：${first}`, v.issues);
  }
}

/** The columns the list and the scheduler read, derived from the definition. */
export function scheduleColumns(definition: SchemeDefinition) {
  return {
    cron: definition.schedule?.cron ?? null,
    timezone: definition.timezone,
    enabled: definition.schedule?.enabled ?? false,
  };
}

/** Upserts or removes the scheme's BullMQ job scheduler; the DB row is already saved. */
export async function syncSchedule(scheme: SchemeModel): Promise<void> {
  try {
    await syncSchemeSchedule(runQueue(), scheme);
  } catch (error) {
    logger.error({ err: error, schemeId: scheme.id }, "schedule sync failed");
    throw new ApiError("upstream_failed", "方案已保存，但调度未能同步到队列（Redis），请稍后再保存一次");
  }
}

export interface SaveInput {
  name: string;
  description: string;
  definition: SchemeDefinition;
}

export async function createScheme(db: Db, input: SaveInput, userId: string): Promise<SchemeWithRun> {
  await assertValid(db, input.definition);
  const row = await db.scheme.create({
    data: {
      name: input.name,
      description: input.description,
      definition: input.definition as object,
      ...scheduleColumns(input.definition),
      currentVersion: 1,
      createdById: userId,
      versions: { create: { version: 1, definition: input.definition as object, createdById: userId } },
    },
    include: lastRunInclude,
  });
  await syncSchedule(row);
  return row;
}

/** Saves a new version of the definition (and name / description with it). */
export async function saveSchemeVersion(
  db: Db,
  id: string,
  input: Partial<SaveInput> & { definition: SchemeDefinition },
  userId: string,
): Promise<SchemeWithRun> {
  await assertValid(db, input.definition);
  const row = await db.$transaction(async (tx) => {
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
      data: { schemeId: id, version: bumped.currentVersion, definition: input.definition as object, createdById: userId },
    });
    return tx.scheme.findUniqueOrThrow({ where: { id }, include: lastRunInclude });
  });
  await syncSchedule(row);
  return row;
}

/** The list's switch: turns the schedule on or off without a new version of the mapping. */
export async function setSchemeEnabled(db: Db, scheme: SchemeModel, enabled: boolean): Promise<SchemeWithRun> {
  const definition = scheme.definition as SchemeDefinition;
  if (!definition.schedule) {
    throw new ApiError("conflict", "该方案没有设置定时调度，无需启用：请在编辑器的方案设置里填写定时表达式");
  }
  const row = await db.scheme.update({
    where: { id: scheme.id },
    data: { enabled, definition: { ...definition, schedule: { ...definition.schedule, enabled } } as object },
    include: lastRunInclude,
  });
  await syncSchedule(row);
  return row;
}

type End = SchemeSummaryDto["source"];

function endOf(definition: SchemeDefinition, type: "source" | "target", connections: Map<string, string>): End {
  const node = definition.nodes.find((n) => n.type === type);
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

export function schemeSummaryDto(row: SchemeWithRun, connections: Map<string, string>, locale: Locale): SchemeSummaryDto {
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

export function schemeDto(row: SchemeWithRun, connections: Map<string, string>, locale: Locale): SchemeDto {
  return { ...schemeSummaryDto(row, connections, locale), definition: row.definition as SchemeDefinition };
}

export async function connectionNames(db: Db): Promise<Map<string, string>> {
  const rows = await db.connection.findMany({ select: { id: true, name: true } });
  return new Map(rows.map((r) => [r.id, r.name]));
}
