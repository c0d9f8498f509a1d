// Connections with their credentials split: non-secret fields in `settings`, secret fields sealed.
// Which fields are secret is the connector's metadata; callers pass the split explicitly.
import { randomUUID } from "node:crypto";
import type { Connection } from "../generated/prisma/client";
import type { Db } from "./client";
import { isSealedCurrently, keyring, seal, SecretKeyError, unseal, type Keyring } from "./secrets";

export interface ConnectionInput {
  platform: string;
  name: string;
  baseUrl: string;
  settings: Record<string, unknown>;
  secrets: Record<string, unknown>;
  createdById?: string;
}

interface SealedRow {
  id: string;
  secretCiphertext: string;
  secretKeyId: string;
}

export async function createConnection(db: Db, input: ConnectionInput) {
  // The id is part of the ciphertext's additional data, so it is chosen before sealing.
  const id = randomUUID();
  const sealed = seal(input.secrets, id);
  return db.connection.create({
    data: {
      id,
      platform: input.platform,
      name: input.name,
      baseUrl: input.baseUrl,
      settings: input.settings as object,
      secretCiphertext: sealed.ciphertext,
      secretKeyId: sealed.keyId,
      createdById: input.createdById ?? null,
    },
  });
}

/** Every connection, oldest first. */
export async function listConnections(db: Db): Promise<Connection[]> {
  return db.connection.findMany({ orderBy: { createdAt: "asc" } });
}

export async function getConnection(db: Db, id: string): Promise<Connection | null> {
  return db.connection.findUnique({ where: { id } });
}

/** The connections of `ids` (those that exist), with their sealed secrets. */
export async function findConnectionsById(db: Db, ids: string[]): Promise<Connection[]> {
  return db.connection.findMany({ where: { id: { in: ids } } });
}

/** A connection's non-secret settings as stored now (null when it is gone): what a running run re-reads. */
export async function connectionSettings(db: Db, id: string): Promise<unknown> {
  const row = await db.connection.findUnique({ where: { id }, select: { settings: true } });
  return row ? row.settings : null;
}

/** What names a connection, never its credentials: of `ids` when given, else of every connection. */
export async function listConnectionRefs(db: Db, ids?: string[]): Promise<{ id: string; platform: string; name: string }[]> {
  return db.connection.findMany({ ...(ids && { where: { id: { in: ids } } }), select: { id: true, platform: true, name: true } });
}

export async function deleteConnection(db: Db, id: string): Promise<void> {
  await db.connection.delete({ where: { id } });
}

/**
 * Updates a connection. Secret fields that are absent or empty keep their stored value
 * (the browser never sees secrets, so "left blank" means "unchanged").
 */
/** The same address, as URL parsing normalises it (case of the host, default port, dots). */
function sameHref(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

/**
 * A connection's base URL changed between the caller's read and its write: the secrets it merged
 * (stored ones kept for the address it read) may not be the new address's.
 */
export class ConnectionChangedError extends Error {
  override name = "ConnectionChangedError";
  constructor(readonly connectionId: string) {
    super(`connection ${connectionId} was changed meanwhile (its base URL is not the one read)`);
  }
}

/**
 * Updates a connection. Secret values typed (non-blank) are sealed over the stored ones, as long as
 * the base URL stays: with a new base URL (as URL parsing normalises it) the stored secrets are
 * dropped and only those typed now are kept, whatever the caller merged, so a secret is never sealed
 * beside an address it was not typed for. `readBaseUrl`: the base URL of the row as the caller read
 * it (the secrets it passes were merged for it): the row is locked and, if its base URL is another
 * by then (an edit landed in between), ConnectionChangedError and nothing changes.
 */
export async function updateConnection(
  db: Db,
  id: string,
  input: Partial<Omit<ConnectionInput, "platform" | "createdById">> & { readBaseUrl?: string },
) {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM connections WHERE id = ${id}::uuid FOR UPDATE`;
    const current = await tx.connection.findUniqueOrThrow({ where: { id } });
    if (input.readBaseUrl !== undefined && !sameHref(current.baseUrl, input.readBaseUrl)) throw new ConnectionChangedError(id);
    const moved = input.baseUrl !== undefined && !sameHref(input.baseUrl, current.baseUrl);
    const typed = Object.entries(input.secrets ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== "");
    let sealed: { secretCiphertext: string; secretKeyId: string } | undefined;
    if (moved || typed.length > 0) {
      // Unreadable stored secrets (key removed, row altered) are replaced by what was typed.
      const merged = { ...(moved ? {} : (storedSecrets(current) ?? {})), ...Object.fromEntries(typed) };
      const s = seal(merged, id);
      sealed = { secretCiphertext: s.ciphertext, secretKeyId: s.keyId };
    }
    return tx.connection.update({
      where: { id },
      data: {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.baseUrl !== undefined && { baseUrl: input.baseUrl }),
        ...(input.settings !== undefined && { settings: input.settings as object }),
        ...sealed,
      },
    });
  });
}

/**
 * The full credentials of a connection (settings + unsealed secrets), for connector clients only.
 * Throws SecretKeyError when the secrets cannot be opened.
 */
export function connectionCredentials(conn: SealedRow & { settings: unknown }): Record<string, unknown> {
  return {
    ...(conn.settings as Record<string, unknown>),
    ...unseal({ ciphertext: conn.secretCiphertext, keyId: conn.secretKeyId }, conn.id),
  };
}

/** The unsealed secrets, or undefined when they cannot be opened and must be typed again. */
export function storedSecrets(conn: SealedRow): Record<string, unknown> | undefined {
  try {
    return unseal({ ciphertext: conn.secretCiphertext, keyId: conn.secretKeyId }, conn.id);
  } catch (error) {
    if (error instanceof SecretKeyError) return undefined;
    throw error;
  }
}

/**
 * Re-seals every connection with the active key (after adding a new key to QIAO_SECRET_KEYS) and
 * in the current format (v1 → v2, binding the connection id). `ring` must still hold the keys the
 * secrets were sealed with. Returns how many were re-sealed.
 */
export async function rotateConnectionSecrets(db: Db, ring: Keyring = keyring()): Promise<number> {
  const rows = await db.connection.findMany({ select: { id: true, secretCiphertext: true, secretKeyId: true } });
  let rotated = 0;
  for (const row of rows) {
    const sealed = { ciphertext: row.secretCiphertext, keyId: row.secretKeyId };
    if (isSealedCurrently(sealed, ring)) continue;
    const s = seal(unseal(sealed, row.id, ring), row.id, ring);
    // Only if nobody changed the secrets meanwhile (their new value is sealed with the active key anyway).
    const { count } = await db.connection.updateMany({
      where: { id: row.id, secretCiphertext: row.secretCiphertext },
      data: { secretCiphertext: s.ciphertext, secretKeyId: s.keyId },
    });
    rotated += count;
  }
  return rotated;
}
