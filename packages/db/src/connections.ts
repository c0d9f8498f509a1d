// Connections with their credentials split: non-secret fields in `settings`, secret fields sealed.
// Which fields are secret is the connector's metadata; callers pass the split explicitly.
import { randomUUID } from "node:crypto";
import type { Connection } from "../generated/prisma/client";
import { getConnector } from "@qiao/connectors";
import type { Db } from "./client";
import { activeRunsUsingConnection, UUID, type ActiveRunUse } from "./connection-usage";
import { isSealedCurrently, keyring, seal, SecretKeyError, unseal, type Keyring, type SealedSecret, type SecretBinding } from "./secrets";
import { resealStored } from "./secrets-reseal";

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
  baseUrl: string;
  secretCiphertext: string;
  secretKeyId: string;
}

/**
 * A base URL in the form that decides whether a connection points elsewhere: as URL parsing
 * normalises it (case of the scheme and host, default port, dots), without user info (never sent:
 * the connectors refuse it, and session 31's migration took it out of stored rows); as written when
 * it does not parse.
 */
export function canonicalBaseUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.href;
  } catch {
    return url;
  }
}

/** What a connection's secrets are sealed for: the connection, and the base URL they may be sent to. */
export function connectionBinding(row: { id: string; baseUrl: string }): SecretBinding {
  return { owner: "connection", id: row.id, address: canonicalBaseUrl(row.baseUrl) };
}

export async function createConnection(db: Db, input: ConnectionInput) {
  // The id is part of the ciphertext's additional data, so it is chosen before sealing.
  const id = randomUUID();
  const sealed = seal(input.secrets, connectionBinding({ id, baseUrl: input.baseUrl }));
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
  // FOR SHARE first: an edit holding a row (updateConnection) is waited for, so what is read is what
  // it committed. An edit that points a connection elsewhere checks for active runs under that lock,
  // after this run's claim: so a run never starts on an address an edit is replacing (connection-load-lock.test.ts).
  const valid = ids.filter((id) => UUID.test(id));
  if (valid.length > 0) await db.$queryRaw`SELECT 1 FROM connections WHERE id = ANY(${[...new Set(valid)].sort()}::uuid[]) ORDER BY id FOR SHARE`;
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

/** The same address (canonicalBaseUrl). */
function sameHref(a: string, b: string): boolean {
  return canonicalBaseUrl(a) === canonicalBaseUrl(b);
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
 * The connection changed after the caller read it (its `updatedAt` is another): the edit was made on
 * values someone else has replaced since (session 31: written, it undid their edit).
 */
export class ConnectionStaleError extends Error {
  override name = "ConnectionStaleError";
  constructor(readonly connectionId: string) {
    super(`connection ${connectionId} was changed after it was read`);
  }
}

/** A field that says where the connection points: its base URL, or an account field (CredentialField.identity). */
export interface PointingField {
  key: string;
  label: string;
  labelEn: string;
}

/**
 * An edit that points the connection elsewhere (`fields`) while run `runId` uses it: that run has
 * been calling where the connection pointed, and its next calls (a resumed attempt loads the
 * connection again) would go to the new place: one run, the same records, two ERPs (session 31).
 */
export class ConnectionMoveBusyError extends Error {
  override name = "ConnectionMoveBusyError";
  constructor(
    readonly connectionId: string,
    readonly run: ActiveRunUse,
    readonly fields: PointingField[],
  ) {
    super(`connection ${connectionId} cannot point elsewhere while run ${run.id} uses it`);
  }
}

export interface ConnectionEdit {
  name?: string;
  baseUrl?: string;
  /** Non-secret fields: replace the stored ones. */
  settings?: Record<string, unknown>;
  /** Secret fields typed: a blank one keeps its stored value (unless the base URL moves). */
  secrets?: Record<string, unknown>;
  /** The base URL as the caller read it: another one under the lock is ConnectionChangedError. */
  readBaseUrl?: string;
  /** The row's `updatedAt` as the caller read it (the form sends it): another one under the lock is ConnectionStaleError. */
  readUpdatedAt?: Date;
  /**
   * The settings and typed secrets worked out from the row as locked (in place of `settings` and
   * `secrets`): the API merges what was typed over what is stored *now*, so an edit that landed
   * after its read is the base, not undone by values read before it. May throw (nothing changes).
   */
  credentialsFrom?: (locked: Connection) => { settings: Record<string, unknown>; secrets: Record<string, unknown> };
}

const isTyped = (v: unknown) => v !== undefined && v !== null && v !== "";
const text = (v: unknown) => (v === undefined || v === null ? "" : String(v).trim());

/**
 * The fields of `current` an edit changes that say where it points: the base URL (as URL parsing
 * normalises it) and the connector's identity fields (non-secret ones when settings are written, a
 * secret one when typed and not its stored value; an unreadable stored secret served no run).
 */
function pointingChanges(current: Connection, baseUrl: string | undefined, settings: Record<string, unknown> | undefined, typed: Record<string, unknown>): PointingField[] {
  const changed: PointingField[] = [];
  if (baseUrl !== undefined && !sameHref(baseUrl, current.baseUrl)) changed.push({ key: "baseUrl", label: "接口地址", labelEn: "base URL" });
  const identity = getConnector(current.platform)?.meta.credentialFields.filter((f) => f.identity) ?? [];
  let stored: Record<string, unknown> | undefined | null = null;
  for (const f of identity) {
    if (f.secret) {
      if (!isTyped(typed[f.key])) continue;
      stored ??= storedSecrets(current);
      if (stored === undefined || text(stored[f.key]) === text(typed[f.key])) continue;
    } else if (settings === undefined || text(settings[f.key]) === text((current.settings as Record<string, unknown>)[f.key])) {
      continue;
    }
    changed.push({ key: f.key, label: f.label, labelEn: f.labelEn });
  }
  return changed;
}

/**
 * Updates a connection, the row locked. Secret values typed (non-blank) are sealed over the stored
 * ones, as long as the base URL stays: with a new base URL (as URL parsing normalises it) the stored
 * secrets are dropped and only those typed now are kept, whatever the caller merged, so a secret is
 * never sealed beside an address it was not typed for. Refused, nothing changed:
 * ConnectionStaleError (`readUpdatedAt` is not the row's), ConnectionChangedError (`readBaseUrl` is
 * not the row's: an edit moved it meanwhile), ConnectionMoveBusyError (the edit points the
 * connection elsewhere, base URL or identity field, while a queued or running run's scheme version
 * uses it: activeRunsUsingConnection, read under the lock).
 */
export async function updateConnection(db: Db, id: string, input: ConnectionEdit) {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM connections WHERE id = ${id}::uuid FOR UPDATE`;
    const current = await tx.connection.findUniqueOrThrow({ where: { id } });
    if (input.readUpdatedAt !== undefined && current.updatedAt.getTime() !== input.readUpdatedAt.getTime()) throw new ConnectionStaleError(id);
    if (input.readBaseUrl !== undefined && !sameHref(current.baseUrl, input.readBaseUrl)) throw new ConnectionChangedError(id);
    const { settings, secrets } = input.credentialsFrom ? input.credentialsFrom(current) : input;
    const moved = input.baseUrl !== undefined && !sameHref(input.baseUrl, current.baseUrl);
    const typed = Object.fromEntries(Object.entries(secrets ?? {}).filter(([, v]) => isTyped(v)));
    const pointing = pointingChanges(current, input.baseUrl, settings, typed);
    if (pointing.length > 0) {
      const [run] = await activeRunsUsingConnection(tx, id);
      if (run) throw new ConnectionMoveBusyError(id, run, pointing);
    }
    let sealed: { secretCiphertext: string; secretKeyId: string } | undefined;
    if (moved || Object.keys(typed).length > 0) {
      // Unreadable stored secrets (key removed, row altered) are replaced by what was typed.
      const merged = { ...(moved ? {} : (storedSecrets(current) ?? {})), ...typed };
      // Sealed for the address written: a secret opens only beside the base URL it was typed for.
      const s = seal(merged, connectionBinding({ id, baseUrl: input.baseUrl ?? current.baseUrl }));
      sealed = { secretCiphertext: s.ciphertext, secretKeyId: s.keyId };
    }
    return tx.connection.update({
      where: { id },
      data: {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.baseUrl !== undefined && { baseUrl: input.baseUrl }),
        ...(settings !== undefined && { settings: settings as object }),
        ...sealed,
      },
    });
  });
}

/**
 * The full credentials of a connection (settings + unsealed secrets), for connector clients only.
 * Throws SecretKeyError when the secrets cannot be opened for the connection's base URL as stored
 * now (reason `address_changed`: it was changed outside updateConnection since they were saved).
 */
export function connectionCredentials(conn: SealedRow & { settings: unknown }): Record<string, unknown> {
  return {
    ...(conn.settings as Record<string, unknown>),
    ...unseal({ ciphertext: conn.secretCiphertext, keyId: conn.secretKeyId }, connectionBinding(conn)),
  };
}

/** The unsealed secrets, or why they cannot be opened (and must be typed again). */
export function openStoredSecrets(conn: SealedRow): { secrets: Record<string, unknown> } | { unreadable: SecretKeyError } {
  try {
    return { secrets: unseal({ ciphertext: conn.secretCiphertext, keyId: conn.secretKeyId }, connectionBinding(conn)) };
  } catch (error) {
    if (error instanceof SecretKeyError) return { unreadable: error };
    throw error;
  }
}

/** The unsealed secrets, or undefined when they cannot be opened and must be typed again. */
export function storedSecrets(conn: SealedRow): Record<string, unknown> | undefined {
  const opened = openStoredSecrets(conn);
  return "secrets" in opened ? opened.secrets : undefined;
}

/**
 * Re-seals every connection with the active key (after adding a new key to QIAO_SECRET_KEYS) and
 * in the current format (v1, v2 → v3, binding the connection id and its base URL). `ring` must still
 * hold the keys the secrets were sealed with (a missing one is thrown, nothing changed for that
 * row); a connection whose secrets do not open for its base URL is left as it is and passed to
 * `unopened` (they must be typed again). Returns how many were re-sealed.
 */
export async function rotateConnectionSecrets(db: Db, ring: Keyring = keyring(), unopened?: (row: { id: string; name: string }, error: SecretKeyError) => void): Promise<number> {
  const rows = await db.connection.findMany({ select: { id: true, name: true, baseUrl: true, secretCiphertext: true, secretKeyId: true } });
  const due = rows.filter((r) => !isSealedCurrently({ ciphertext: r.secretCiphertext, keyId: r.secretKeyId }, ring));
  return resealConnections(db, due, ring, true, unopened);
}

/** resealStored over connection rows (secrets-reseal.ts). */
export function resealConnections(
  db: Db,
  rows: readonly (SealedRow & { name: string })[],
  ring: Keyring,
  toActiveKey: boolean,
  unopened?: (row: { id: string; name: string }, error: SecretKeyError) => void,
): Promise<number> {
  const swap = async (id: string, old: string, sealed: SealedSecret) =>
    (await db.connection.updateMany({ where: { id, secretCiphertext: old }, data: { secretCiphertext: sealed.ciphertext, secretKeyId: sealed.keyId } })).count;
  return resealStored(rows, connectionBinding, swap, { ring, toActiveKey, ...(unopened && { unopened }) });
}
