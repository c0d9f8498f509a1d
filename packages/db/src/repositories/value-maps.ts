// Value maps (值映射): named tables of source value → target value that the template filter
// map('名称') reads. The entries live in one jsonb column of the map's row: the page saves a
// table whole and a run loads the tables its plan names whole, once, into a Map — one row read or
// written instead of 10,000, and no entry is ever looked up in SQL. Names are unique.
import { createHash } from "node:crypto";
import { duplicateSources, VALUE_MAP_LIMITS, type ValueMapEntry } from "@qiao/core";
import { Prisma } from "../../generated/prisma/client";
import type { ValueMap } from "../../generated/prisma/client";
import type { Db } from "../client";

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

function contentOf(defaultValue: string | null, entries: ValueMapEntry[]) {
  if (entries.length > VALUE_MAP_LIMITS.entries) throw new ValueMapTooManyEntries(entries.length);
  const duplicates = duplicateSources(entries);
  if (duplicates.length > 0) throw new ValueMapDuplicateSource(duplicates);
  return {
    defaultValue,
    // Only the two keys, whatever else the caller's objects carry.
    entries: entries.map((e) => ({ source: e.source, target: e.target })),
    entryCount: entries.length,
    contentHash: valueMapContentHash(defaultValue, entries),
  };
}

/** Maps whose name or description contains `search` (any case), by name; without their entries. */
export async function listValueMaps(db: Client, search = ""): Promise<ValueMapSummary[]> {
  const q = search.trim();
  return db.valueMap.findMany({
    select: summarySelect,
    ...(q !== "" && {
      where: { OR: [{ name: { contains: q, mode: "insensitive" as const } }, { description: { contains: q, mode: "insensitive" as const } }] },
    }),
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
      data: { name: input.name, description: input.description ?? "", ...contentOf(input.defaultValue ?? null, input.entries) },
    });
    return toRecord(row);
  } catch (error) {
    if (isNameTaken(error)) throw new ValueMapNameTaken(input.name);
    throw error;
  }
}

/** Changes what `patch` names; null when the map does not exist. Throws like createValueMap. */
export async function updateValueMap(db: Client, id: string, patch: Partial<ValueMapInput>): Promise<ValueMapRecord | null> {
  const current = await db.valueMap.findUnique({ where: { id } });
  if (!current) return null;
  const content =
    patch.entries !== undefined || patch.defaultValue !== undefined
      ? contentOf(patch.defaultValue !== undefined ? patch.defaultValue : current.defaultValue, patch.entries ?? readEntries(current.entries))
      : {};
  try {
    const row = await db.valueMap.update({
      where: { id },
      data: {
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.description !== undefined && { description: patch.description }),
        ...content,
      },
    });
    return toRecord(row);
  } catch (error) {
    if (isNameTaken(error)) throw new ValueMapNameTaken(patch.name ?? current.name);
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2025") return null;
    throw error;
  }
}

/** False when it did not exist. */
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
