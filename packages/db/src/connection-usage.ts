// Which schemes and runs use a connection, read where it counts: under the connection's row lock.
// A delete locks the row FOR UPDATE, then checks and deletes in that transaction; a scheme save locks
// the rows its definition names FOR SHARE (after its advisory locks, before its scheme row) and is
// refused if one is gone. So a save that starts using a connection and the connection's delete never
// interleave: one of them waits for the other and sees what it did (session 31's audit).
import { Prisma } from "../generated/prisma/client";
import type { Db } from "./client";
import { ACTIVE_RUN_DEFINITIONS } from "./repositories/active-runs";

type Tx = Db | Prisma.TransactionClient;

/** What a connection id must look like to exist (connections.id is a uuid). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where a definition names a connection: a node's `config.connectionId` (sources and targets). */
export interface NamedConnection {
  connectionId: string;
  nodeId: string;
  nodeIndex: number;
}

/** The connections a definition (as stored, read leniently) names, with the nodes naming them. */
export function definitionConnections(definition: unknown): NamedConnection[] {
  const nodes = (definition as { nodes?: unknown } | null | undefined)?.nodes;
  if (!Array.isArray(nodes)) return [];
  return nodes.flatMap((node: unknown, nodeIndex) => {
    const n = node as { id?: unknown; config?: { connectionId?: unknown } } | null;
    const connectionId = n?.config?.connectionId;
    if (typeof connectionId !== "string" || connectionId === "") return [];
    return [{ connectionId, nodeId: typeof n?.id === "string" ? n.id : "", nodeIndex }];
  });
}

/**
 * SQL: whether the definition in `column` names the connection (as definitionConnections reads it;
 * a uuid's case does not matter, as it does not to the connection's lookup).
 */
function namesConnection(column: Prisma.Sql, connectionId: string): Prisma.Sql {
  return Prisma.sql`EXISTS (
    SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${column} -> 'nodes') = 'array' THEN ${column} -> 'nodes' ELSE '[]'::jsonb END) AS node
    WHERE lower(node -> 'config' ->> 'connectionId') = lower(${connectionId}::text))`;
}

/** A queued or running run that uses a connection. */
export interface ActiveRunUse {
  id: string;
  schemeId: string;
  schemeName: string;
}

/** The queued or running runs whose version names the connection (ACTIVE_RUN_DEFINITIONS), oldest first. */
export async function activeRunsUsingConnection(db: Tx, connectionId: string): Promise<ActiveRunUse[]> {
  return db.$queryRaw<ActiveRunUse[]>`
    SELECT a.id, a.scheme_id AS "schemeId", a.scheme_name AS "schemeName"
    FROM ${ACTIVE_RUN_DEFINITIONS} a
    WHERE ${namesConnection(Prisma.sql`a.definition`, connectionId)}
    ORDER BY a.created_at, a.id`;
}

/** The schemes whose current definition names the connection, by name. */
async function schemesNaming(tx: Tx, connectionId: string): Promise<{ id: string; name: string }[]> {
  return tx.$queryRaw<{ id: string; name: string }[]>`
    SELECT id, name FROM schemes
    WHERE ${namesConnection(Prisma.sql`definition`, connectionId)}
    ORDER BY name`;
}

/** The connection is still used: by schemes' current definitions, or by active runs of older versions. */
export class ConnectionInUseError extends Error {
  override name = "ConnectionInUseError";
  constructor(
    readonly connectionId: string,
    readonly schemes: { id: string; name: string }[],
    readonly runs: ActiveRunUse[],
  ) {
    super(`connection ${connectionId} is used by ${schemes.length} scheme(s) and ${runs.length} active run(s)`);
  }
}

/**
 * Deletes the connection unless a scheme's current definition or an active run's version names it
 * (ConnectionInUseError, nothing deleted). The check and the delete are one transaction holding the
 * row FOR UPDATE: a scheme save naming it (lockSchemeConnections) waits for it, or it for the save.
 * False when the connection does not exist.
 */
export async function deleteConnection(db: Db, id: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM connections WHERE id = ${id}::uuid FOR UPDATE`;
    if (!row) return false;
    const schemes = await schemesNaming(tx, id);
    const runs = await activeRunsUsingConnection(tx, id);
    if (schemes.length > 0 || runs.length > 0) throw new ConnectionInUseError(id, schemes, runs);
    await tx.$executeRaw`DELETE FROM connections WHERE id = ${id}::uuid`;
    return true;
  });
}

/** A definition being saved names a connection that no longer exists (deleted after it was validated). */
export class ConnectionGoneError extends Error {
  override name = "ConnectionGoneError";
  constructor(readonly named: NamedConnection) {
    super(`the connection ${named.connectionId} of node "${named.nodeId}" does not exist`);
  }
}

/**
 * In a scheme save's transaction, after its advisory locks and before the scheme's row: locks every
 * connection the definition names FOR SHARE, in id order, for the rest of the transaction (a delete
 * of one waits for the save to commit, then sees the scheme using it), and throws
 * ConnectionGoneError for the first node whose connection does not exist.
 */
export async function lockSchemeConnections(tx: Prisma.TransactionClient, definition: unknown): Promise<void> {
  const named = definitionConnections(definition);
  if (named.length === 0) return;
  const ids = [...new Set(named.map((n) => n.connectionId).filter((id) => UUID.test(id)))].sort();
  const locked =
    ids.length === 0
      ? []
      : await tx.$queryRaw<{ id: string }[]>`SELECT id FROM connections WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR SHARE`;
  const found = new Set(locked.map((r) => r.id.toLowerCase()));
  const gone = named.find((n) => !found.has(n.connectionId.toLowerCase()));
  if (gone) throw new ConnectionGoneError(gone);
}
