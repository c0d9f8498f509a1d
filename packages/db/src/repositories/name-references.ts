// Names other schemes' templates write: a scheme's (read by `lookup('店铺→客户', …)`) and a value
// map's (`map('仓库对照')`). A rename rewrites the name in every version of every scheme that writes
// it, in the rename's transaction, so the readers do what they did (before, their next run failed
// naming a scheme or map that no longer existed, and the person had to find and edit each). A save
// whose templates name schemes or maps checks in its transaction that they still exist: a rename
// between its validation and its commit would otherwise store the old name. Both take NAMES_LOCK
// first, so a rename and such a save never interleave.
import { definitionLookupSchemes, definitionValueMaps, renameInDefinition, schemeDefinitionSchema, type NamedKind, type SchemeDefinition } from "@qiao/core";
import { Prisma } from "../../generated/prisma/client";
import { ACTIVE_RUN_DEFINITIONS } from "./active-runs";

/** The transaction-scoped advisory lock renames and saves that name schemes or maps take in turn ("name"). */
const NAMES_LOCK = 0x6e616d65;

/** Takes NAMES_LOCK for the rest of the transaction (after RUN_AFTER_GRAPH_LOCK, before any scheme row). */
export async function lockNames(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${NAMES_LOCK}::bigint)`;
}

/** A save names a scheme or a value map that is gone: renamed or deleted after the save was validated. */
export class NamedMissingError extends Error {
  override name = "NamedMissingError";
  constructor(
    readonly kind: NamedKind,
    readonly missing: string,
  ) {
    super(`the ${kind === "scheme" ? "scheme" : "value map"} "${missing}" named by the definition does not exist`);
  }
}

/**
 * In a save's transaction, before the scheme's row is locked: takes NAMES_LOCK when the definition
 * names schemes or maps, and throws NamedMissingError when one of them no longer exists. A
 * definition that names none takes no lock.
 */
export async function refuseMissingNames(tx: Prisma.TransactionClient, definition: SchemeDefinition): Promise<void> {
  const schemes = definitionLookupSchemes(definition);
  const maps = definitionValueMaps(definition);
  if (schemes.length === 0 && maps.length === 0) return;
  await lockNames(tx);
  if (schemes.length > 0) {
    const found = new Set((await tx.scheme.findMany({ where: { name: { in: schemes } }, select: { name: true } })).map((r) => r.name));
    const missing = schemes.find((n) => !found.has(n));
    if (missing !== undefined) throw new NamedMissingError("scheme", missing);
  }
  if (maps.length > 0) {
    const found = new Set((await tx.valueMap.findMany({ where: { name: { in: maps } }, select: { name: true } })).map((r) => r.name));
    const missing = maps.find((n) => !found.has(n));
    if (missing !== undefined) throw new NamedMissingError("valueMap", missing);
  }
}

/** A scheme whose templates were rewritten by a rename. */
export interface RewrittenScheme {
  id: string;
  name: string;
}

/**
 * The JSON text a name is stored as inside a definition (a jsonb's text form escapes `"`, `\` and
 * control characters), for a cheap prefilter; undefined when the template may write the name
 * escaped (a quote or backslash in it), and every row must be read.
 */
function storedText(name: string): string | undefined {
  if (/['"\\]/.test(name)) return undefined;
  return JSON.stringify(name).slice(1, -1);
}

/**
 * SQL: whether a definition may write `from` (text as storedText gives it). A template may escape
 * any character (`lookup('店\\铺')` reads 店铺), so a definition with a backslash anywhere is read in
 * full as well; that is rare (a jsonb's text shows a backslash only for one escaped in a string).
 */
function mayName(column: Prisma.Sql, text: string | undefined): Prisma.Sql {
  if (text === undefined) return Prisma.sql`TRUE`;
  const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return Prisma.sql`(${column}::text LIKE ${like} OR strpos(${column}::text, ${"\\"}) > 0)`;
}

/**
 * In a rename's transaction, holding NAMES_LOCK: rewrites `from` as `to` in every scheme's current
 * definition and in every stored version (so a queued run of an older version, an attempt that
 * takes a run over, and a restore of an old version name the scheme or map by its new name). No new
 * version is made: what each scheme does is unchanged. `exceptSchemeId` is the scheme being renamed
 * (its own lookups never name itself). Returns the schemes whose current definition changed.
 */
export async function rewriteNamed(
  tx: Prisma.TransactionClient,
  kind: NamedKind,
  from: string,
  to: string,
  exceptSchemeId?: string,
): Promise<RewrittenScheme[]> {
  if (from === to) return [];
  const text = storedText(from);
  const except = exceptSchemeId ?? "00000000-0000-0000-0000-000000000000";
  // Locked in id order (as every statement here takes them), then rewritten from what was locked:
  // a save that committed in between is what gets rewritten, not the definition read before it.
  const schemes = await tx.$queryRaw<{ id: string; name: string; definition: unknown }[]>`
    SELECT id, name, definition FROM schemes
    WHERE id <> ${except}::uuid AND ${mayName(Prisma.sql`definition`, text)}
    ORDER BY id FOR UPDATE`;
  const rewritten: RewrittenScheme[] = [];
  for (const s of schemes) {
    const definition = renameInDefinition(s.definition, kind, from, to);
    if (definition === undefined) continue;
    await tx.$executeRaw`
      UPDATE schemes SET definition = ${JSON.stringify(definition)}::jsonb, updated_at = ${new Date().toISOString()}::timestamp
      WHERE id = ${s.id}::uuid`;
    rewritten.push({ id: s.id, name: s.name });
  }
  const versions = await tx.$queryRaw<{ scheme_id: string; version: number; definition: unknown }[]>`
    SELECT scheme_id, version, definition FROM scheme_versions
    WHERE scheme_id <> ${except}::uuid AND ${mayName(Prisma.sql`definition`, text)}
    ORDER BY scheme_id, version FOR UPDATE`;
  for (const v of versions) {
    const definition = renameInDefinition(v.definition, kind, from, to);
    if (definition === undefined) continue;
    await tx.$executeRaw`
      UPDATE scheme_versions SET definition = ${JSON.stringify(definition)}::jsonb
      WHERE scheme_id = ${v.scheme_id}::uuid AND version = ${v.version}`;
  }
  return rewritten;
}

/** Whether `definition` (as stored) names `name` as a scheme (kind scheme) or a value map. */
export function definitionNames(definition: unknown, kind: NamedKind, name: string): boolean {
  const parsed = schemeDefinitionSchema.safeParse(definition);
  if (!parsed.success) return false;
  return (kind === "scheme" ? definitionLookupSchemes(parsed.data) : definitionValueMaps(parsed.data)).includes(name);
}

/**
 * The schemes with a queued or running run whose version (ACTIVE_RUN_DEFINITIONS) names `name` (kind
 * scheme: a lookup of it; valueMap: a map of it), by name, other than `exceptSchemeId` (session 31's
 * audit: a map or scheme deleted after a reader's new version dropped it failed the reader's queued
 * run). Templates are parsed here, not in SQL: the name is read as the template language reads it.
 */
export async function schemesWithActiveRunsNaming(
  tx: Prisma.TransactionClient,
  kind: NamedKind,
  name: string,
  exceptSchemeId?: string,
): Promise<string[]> {
  const rows = await tx.$queryRaw<{ scheme_id: string; scheme_name: string; definition: unknown }[]>`
    SELECT a.scheme_id::text AS scheme_id, a.scheme_name, a.definition FROM ${ACTIVE_RUN_DEFINITIONS} a`;
  const names = rows.filter((r) => r.scheme_id !== exceptSchemeId && definitionNames(r.definition, kind, name)).map((r) => r.scheme_name);
  return [...new Set(names)].sort();
}
