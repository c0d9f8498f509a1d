// What `lookup('方案')` may name: every scheme's id, name and current definition, for core's
// lookupCatalog (the save-time check of a lookup's scheme and key field).
import type { Db } from "../client";

type Client = Pick<Db, "scheme">;

export interface LookupSchemeRow {
  id: string;
  name: string;
  definition: unknown;
}

/** Every scheme's id, name and definition (the definitions are small: a handful of nodes each). */
export async function lookupSchemeRows(db: Client): Promise<LookupSchemeRow[]> {
  return db.scheme.findMany({ select: { id: true, name: true, definition: true }, orderBy: { createdAt: "asc" } });
}
