// Value maps (值映射): named tables of source value → target value that the template filter
// map('名称') reads. The entries live in one jsonb column of the map's row: the page saves a
// table whole and a run loads the tables its plan names whole, once, into a Map — one row read or
// written instead of 10,000, and no entry is ever looked up in SQL. Names are unique.
import { createHash } from "node:crypto";
import { duplicateSources, VALUE_MAP_LIMITS, valueMapTableBytes, type ValueMapEntry } from "@qiao/core";
import { Prisma } from "../../generated/prisma/client";
import type { ValueMap } from "../../generated/prisma/client";
import type { Db } from "../client";
import { LONG_TRANSACTION } from "./long-transaction";
import { definitionNames, lockNames, rewriteNamed, schemesWithActiveRunsNaming } from "./name-references";
import { listSchemeDefinitions } from "./schemes";
import { containsText } from "./search";

/** What these functions need: the client or a transaction's client. */
type Client = Pick<Db, "valueMap">;

export interface ValueMapSummary {
  id: string;
  name: string;
  description: string;
  defaultValue: string | null;
  entryCount: number;
  updatedAt: Date;
}

export interface ValueMapRecord extends ValueMapSummary {
  entries: ValueMapEntry[];
  contentHash: string;
  createdAt: Date;
}

export interface ValueMapInput {
  name: string;
  description?: string;
  defaultValue?: string | null;
  entries: ValueMapEntry[];
}

/** Another map has the name. */
export class ValueMapNameTaken extends Error {
  override name = "ValueMapNameTaken";
  constructor(readonly mapName: string) {
    super(`value map name taken: ${mapName}`);
  }
}

/** Entries with a source value written twice (the API refuses them first; this keeps the table sound). */
export class ValueMapDuplicateSource extends Error {
  override name = "ValueMapDuplicateSource";
  constructor(readonly duplicates: { source: string; rows: number[] }[]) {
    super(`duplicate source values: ${duplicates.map((d) => d.source).join(", ")}`);
  }
}

/**
 * More entries than a map may have (VALUE_MAP_LIMITS.entries). The API refuses them first; this keeps
 * every path that writes a table (a merge import above all) from storing one that no save, export or
 * import would accept again.
 */
export class ValueMapTooManyEntries extends Error {
  override name = "ValueMapTooManyEntries";
  readonly limit = VALUE_MAP_LIMITS.entries;
  constructor(readonly entryCount: number) {
    super(`a value map has at most ${VALUE_MAP_LIMITS.entries} entries, not ${entryCount}`);
  }
}

/**
 * A table whose JSON (as the page saves it) passes VALUE_MAP_LIMITS.tableBytes: the value-map routes'
 * bodies are bounded by that limit, so such a map could not be saved or imported again.
 */
export class ValueMapTooLarge extends Error {
  override name = "ValueMapTooLarge";
  readonly limit = VALUE_MAP_LIMITS.tableBytes;
  constructor(readonly bytes: number) {
    super(`a value map's rows take at most ${VALUE_MAP_LIMITS.tableBytes} bytes, not ${bytes}`);
  }
}

/** The map kept changing under a read-modify-write (EDIT_ATTEMPTS times in a row): nothing was written. */
export class ValueMapBusy extends Error {
  override name = "ValueMapBusy";
  constructor(readonly id: string) {
    super(`value map ${id} kept changing while it was being written`);
  }
}

/**
 * The map changed since the caller read it (`updatedAt` differs: an import, another person's save):
 * nothing was written, so the page's whole-table save does not undo what came in between.
 */
export class ValueMapChanged extends Error {
  override name = "ValueMapChanged";
  constructor(
    readonly id: string,
    readonly updatedAt: Date,
  ) {
    super(`value map ${id} changed since it was read (now updated at ${updatedAt.toISOString()})`);
  }
}

/**
 * What mapping with the map depends on: the default and the pairs, in source order (reordering
 * rows changes no payload, so it must not re-map anything).
 */
export function valueMapContentHash(defaultValue: string | null | undefined, entries: readonly ValueMapEntry[]): string {
  const pairs = entries.map((e) => [e.source, e.target]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0));
  return createHash("sha256").update(JSON.stringify([defaultValue ?? null, pairs])).digest("hex");
}

const summarySelect = { id: true, name: true, description: true, defaultValue: true, entryCount: true, updatedAt: true } as const;

function isNameTaken(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

function toRecord(row: ValueMap): ValueMapRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    defaultValue: row.defaultValue,
    entryCount: row.entryCount,
    updatedAt: row.updatedAt,
    createdAt: row.createdAt,
    contentHash: row.contentHash,
    entries: readEntries(row.entries),
  };
}

function readEntries(json: Prisma.JsonValue): ValueMapEntry[] {
  if (!Array.isArray(json)) return [];
  return json.flatMap((e) =>
    e && typeof e === "object" && !Array.isArray(e) && typeof e.source === "string" && typeof e.target === "string"
      ? [{ source: e.source, target: e.target }]
      : [],
  );
}

/** The table's columns, checked: every path that writes entries passes here. */
function entriesData(entries: readonly ValueMapEntry[]) {
  if (entries.length > VALUE_MAP_LIMITS.entries) throw new ValueMapTooManyEntries(entries.length);
  const duplicates = duplicateSources(entries);
  if (duplicates.length > 0) throw new ValueMapDuplicateSource(duplicates);
  const bytes = valueMapTableBytes(entries);
  if (bytes > VALUE_MAP_LIMITS.tableBytes) throw new ValueMapTooLarge(bytes);
  // Only the two keys, whatever else the caller's objects carry.
  return { entries: entries.map((e) => ({ source: e.source, target: e.target })), entryCount: entries.length };
}

/** Maps whose name or description contains `search` (any case, `%` and `_` as themselves), by name; without their entries. */
export async function listValueMaps(db: Client, search = ""): Promise<ValueMapSummary[]> {
  const q = search.trim();
  return db.valueMap.findMany({
    select: summarySelect,
    ...(q !== "" && { where: { OR: [{ name: containsText(q) }, { description: containsText(q) }] } }),
    orderBy: { name: "asc" },
  });
}

export async function getValueMap(db: Client, id: string): Promise<ValueMapRecord | null> {
  const row = await db.valueMap.findUnique({ where: { id } });
  return row && toRecord(row);
}

/** The maps of these names that exist, with their entries. */
export async function findValueMapsByName(db: Client, names: readonly string[]): Promise<ValueMapRecord[]> {
  if (names.length === 0) return [];
  const rows = await db.valueMap.findMany({ where: { name: { in: [...names] } }, orderBy: { name: "asc" } });
  return rows.map(toRecord);
}

/** The names of every map (what the scheme compiler checks `map('名称')` against). */
export async function valueMapNames(db: Client): Promise<Set<string>> {
  const rows = await db.valueMap.findMany({ select: { name: true } });
  return new Set(rows.map((r) => r.name));
}

/** Throws ValueMapNameTaken, ValueMapDuplicateSource or ValueMapTooManyEntries. */
export async function createValueMap(db: Client, input: ValueMapInput): Promise<ValueMapRecord> {
  try {
    const row = await db.valueMap.create({
      data: {
        name: input.name,
        description: input.description ?? "",
        defaultValue: input.defaultValue ?? null,
        ...entriesData(input.entries),
        contentHash: valueMapContentHash(input.defaultValue, input.entries),
      },
    });
    return toRecord(row);
  } catch (error) {
    if (isNameTaken(error)) throw new ValueMapNameTaken(input.name);
    throw error;
  }
}

/** How often a read-modify-write reads the map again after another write got in between. */
const EDIT_ATTEMPTS = 10;

/**
 * Changes what `patch` names; null when the map does not exist. Entries are written only when the
 * patch names them; a new default or new entries write the content hash of both, the one not
 * named as stored (see editValueMap). Throws like createValueMap, and ValueMapBusy.
 */
export async function updateValueMap(db: Db, id: string, patch: Partial<ValueMapInput>, readAt?: Date): Promise<ValueMapRecord | null> {
  if (patch.name !== undefined || readAt !== undefined) return writeValueMapLocked(db, id, patch, readAt);
  if (patch.entries === undefined && patch.defaultValue === undefined) {
    // Nothing read, nothing derived: a plain update.
    try {
      return toRecord(await db.valueMap.update({ where: { id }, data: nameAndDescription(patch) }));
    } catch (error) {
      if (isNameTaken(error)) throw new ValueMapNameTaken(patch.name!);
      if (isNotFound(error)) return null;
      throw error;
    }
  }
  return editValueMap(db, id, () => patch);
}

/**
 * updateValueMap with a name (the page's save sends the name with every save) or the `updatedAt` the
 * caller read: in one transaction holding NAMES_LOCK and the map's row. A map changed since `readAt`
 * is refused (ValueMapChanged). When the name is another, every scheme whose templates write
 * `map('旧名')` has it rewritten to the new name (rewriteNamed): before, their next run failed naming
 * a map that did not exist. A scheme save naming the old name that was validated before the rename
 * is refused in its own transaction (refuseMissingNames).
 */
async function writeValueMapLocked(db: Db, id: string, patch: Partial<ValueMapInput>, readAt: Date | undefined): Promise<ValueMapRecord | null> {
  return db.$transaction(
    async (tx) => {
      await lockNames(tx);
      const [before] = await tx.$queryRaw<{ name: string; updated_at: Date }[]>`SELECT name, updated_at FROM value_maps WHERE id = ${id}::uuid FOR UPDATE`;
      if (!before) return null;
      if (readAt !== undefined && before.updated_at.getTime() !== readAt.getTime()) throw new ValueMapChanged(id, before.updated_at);
      let written: ValueMapRecord | null;
      if (patch.entries === undefined && patch.defaultValue === undefined) {
        try {
          written = toRecord(await tx.valueMap.update({ where: { id }, data: nameAndDescription(patch) }));
        } catch (error) {
          if (isNameTaken(error)) throw new ValueMapNameTaken(patch.name ?? before.name);
          throw error;
        }
      } else {
        // The row is locked: the read-modify-write reads what it writes over, once.
        written = await editValueMap(tx, id, () => patch);
      }
      if (written) await rewriteNamed(tx, "valueMap", before.name, written.name);
      return written;
    },
    // A whole table of up to VALUE_MAP_LIMITS.tableBytes is written inside it, and readers' versions rewritten.
    LONG_TRANSACTION,
  );
}

/**
 * A read-modify-write of one map: `edit` gets the map as stored and says what to change (it may
 * throw to change nothing, and may be called again, so it only computes). The write applies only
 * if the map's content hash and updated_at are still the ones read — another write in between
 * (an import, the page's save, a second merge) makes it read the map again and call `edit` with
 * that, so nothing the other wrote is reverted and the hash always matches the entries stored.
 * Optimistic rather than SELECT … FOR UPDATE: a map is one row written in one statement, and the
 * callers hold no transaction. Null when the map does not exist (or was deleted meanwhile).
 * Throws like createValueMap, and ValueMapBusy after EDIT_ATTEMPTS writes in between.
 */
export async function editValueMap(
  db: Client,
  id: string,
  edit: (current: ValueMapRecord) => Partial<ValueMapInput>,
): Promise<ValueMapRecord | null> {
  for (let attempt = 0; attempt < EDIT_ATTEMPTS; attempt++) {
    const row = await db.valueMap.findUnique({ where: { id } });
    if (!row) return null;
    const current = toRecord(row);
    const patch = edit(current);
    const defaultValue = patch.defaultValue !== undefined ? patch.defaultValue : current.defaultValue;
    const entries = patch.entries ?? current.entries;
    const content =
      patch.entries !== undefined || patch.defaultValue !== undefined
        ? {
            ...(patch.entries !== undefined && entriesData(patch.entries)),
            ...(patch.defaultValue !== undefined && { defaultValue }),
            contentHash: valueMapContentHash(defaultValue, entries),
          }
        : {};
    try {
      const written = await db.valueMap.update({
        where: { id, contentHash: row.contentHash, updatedAt: row.updatedAt },
        data: { ...nameAndDescription(patch), ...content },
      });
      return toRecord(written);
    } catch (error) {
      if (isNameTaken(error)) throw new ValueMapNameTaken(patch.name ?? current.name);
      // Changed (or deleted) since it was read: read it again.
      if (isNotFound(error)) continue;
      throw error;
    }
  }
  throw new ValueMapBusy(id);
}

function nameAndDescription(patch: Partial<ValueMapInput>) {
  return {
    ...(patch.name !== undefined && { name: patch.name }),
    ...(patch.description !== undefined && { description: patch.description }),
  };
}

function isNotFound(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2025";
}

/** Schemes use the map (their current definitions name it in `map('…')`): it is not deleted. */
export class ValueMapInUse extends Error {
  override name = "ValueMapInUse";
  constructor(readonly schemes: string[]) {
    super(`value map used by ${schemes.join(", ")}`);
  }
}

/**
 * Deletes the map unless schemes use it, in their current definition or in the version a queued or
 * running run of theirs executes (ValueMapInUse, naming them: deleted, their every run would
 * fail and their next save be refused); false when it did not exist. Under NAMES_LOCK, so a save
 * that starts naming it meanwhile waits and then finds it gone (refuseMissingNames).
 */
export async function deleteUnusedValueMap(db: Db, id: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    await lockNames(tx);
    const [row] = await tx.$queryRaw<{ name: string }[]>`SELECT name FROM value_maps WHERE id = ${id}::uuid FOR UPDATE`;
    if (!row) return false;
    const users = new Set((await listSchemeDefinitions(tx)).filter((s) => definitionNames(s.definition, "valueMap", row.name)).map((s) => s.name));
    // And the schemes whose queued or running run executes an older version that maps with it.
    for (const name of await schemesWithActiveRunsNaming(tx, "valueMap", row.name)) users.add(name);
    if (users.size > 0) throw new ValueMapInUse([...users].sort());
    await tx.valueMap.delete({ where: { id } });
    return true;
  }, LONG_TRANSACTION);
}

/**
 * False when it did not exist. No check of its users and no NAMES_LOCK: for tests and fixtures only.
 * A scheme import undoing the maps it created uses deleteUnusedValueMap (session 32's audit: another
 * import of the same file had saved a scheme using the map meanwhile).
 */
export async function deleteValueMap(db: Client, id: string): Promise<boolean> {
  const { count } = await db.valueMap.deleteMany({ where: { id } });
  return count > 0;
}

/** A map as a run reads it: entries in a Map for lookups, and the hash its mapping key takes. */
export interface LoadedValueMap {
  entries: Map<string, string>;
  default?: string;
  contentHash: string;
}

/** The maps of these names that exist, ready for evaluation (missing names are left out). */
export async function loadValueMaps(db: Client, names: readonly string[]): Promise<Map<string, LoadedValueMap>> {
  const maps = new Map<string, LoadedValueMap>();
  for (const m of await findValueMapsByName(db, names)) {
    maps.set(m.name, {
      entries: new Map(m.entries.map((e) => [e.source, e.target])),
      ...(m.defaultValue !== null && { default: m.defaultValue }),
      contentHash: m.contentHash,
    });
  }
  return maps;
}
