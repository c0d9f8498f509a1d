// Secrets at rest (connections' credentials, alert channels' URLs and passwords): AES-256-GCM, one
// random IV per seal, the key id stored beside the ciphertext. The additional data binds the secret to
// what it was saved for (format v3): the key id, its row (a connection, or an alert channel) and the
// address it may be sent to (a connection's base URL, an email channel's SMTP server, in the
// canonical forms of connections.ts and repositories/alert-channels.ts). A ciphertext copied into
// another row, or left in a row whose address was changed behind the API (an UPDATE, a restored
// backup), does not open: the secret never goes to an address it was not typed for.
// Older formats still open, in the rows they were sealed for: v2 (key id and connection id, or
// "alert-channel:<id>"), v1 (the key id alone: connections only, which had them; an alert channel was
// never sealed so). Each process re-seals them as v3 when it starts (secrets-reseal.ts), and so does
// `npm run secrets:rotate`.
// QIAO_SECRET_KEYS lists every key still needed for decryption ("id:base64,id:base64");
// QIAO_SECRET_KEY_ID (default: the first listed) is the one new secrets are sealed with.
// Rotation: add the new key in front, keep the old one listed, run `npm run secrets:rotate`.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { config } from "./config";

export interface SealedSecret {
  ciphertext: string;
  keyId: string;
}

/**
 * Why a secret cannot be opened: `keyring` QIAO_SECRET_KEYS is malformed; `key_missing` the key that
 * sealed it is not listed; `format` not a ciphertext; `address_changed` sealed for another address
 * than its row's (changed outside Qiao's edit, which re-seals); `altered` changed, or another row's.
 */
export type SecretUnreadable = "keyring" | "key_missing" | "format" | "address_changed" | "altered";

/** A secret that cannot be opened: its key is not configured, it was altered, belongs to another row or to another address. */
export class SecretKeyError extends Error {
  override name = "SecretKeyError";
  constructor(
    message: string,
    readonly reason: SecretUnreadable = "altered",
  ) {
    super(message);
  }
}

/** What a secret is sealed for: its row, and where it may be sent. */
export interface SecretBinding {
  owner: "connection" | "alert-channel";
  /** The row's id. */
  id: string;
  /** The canonical address the secret goes to (connectionAddress, alertChannelAddress). */
  address: string;
}

export interface Keyring {
  activeId: string;
  keys: Map<string, Buffer>;
}

export function parseKeyring(list: string, activeId?: string): Keyring {
  const keys = new Map<string, Buffer>();
  // A refusal names an entry by its position, never by its text: a key pasted without its id (or
  // with the colon misplaced) would otherwise be quoted into the logs that print the error.
  for (const [i, entry] of list.split(",").map((s) => s.trim()).filter(Boolean).entries()) {
    const sep = entry.indexOf(":");
    if (sep <= 0) throw new SecretKeyError(`QIAO_SECRET_KEYS entry ${i + 1} must be "id:base64key" (no id before a ":")`, "keyring");
    const id = entry.slice(0, sep);
    const key = Buffer.from(entry.slice(sep + 1), "base64");
    if (key.length !== 32) throw new SecretKeyError(`QIAO_SECRET_KEYS entry ${i + 1} must hold a key of 32 bytes (base64) after its id, got ${key.length}`, "keyring");
    keys.set(id, key);
  }
  const first = keys.keys().next().value;
  const active = activeId ?? first;
  if (!active || !keys.has(active)) throw new SecretKeyError(`QIAO_SECRET_KEY_ID "${active ?? ""}" is not in QIAO_SECRET_KEYS`, "keyring");
  return { activeId: active, keys };
}

export function keyring(): Keyring {
  const c = config();
  return parseKeyring(c.QIAO_SECRET_KEYS, c.QIAO_SECRET_KEY_ID);
}

export const CURRENT_FORMAT = "v3";
const FORMATS = new Set(["v1", "v2", "v3"]);

/** The format a ciphertext is in ("v1", "v2", "v3"; anything else: not one of ours). */
export function sealedFormat(ciphertext: string): string {
  return ciphertext.slice(0, Math.max(0, ciphertext.indexOf(".")));
}

function additionalData(version: string, keyId: string, b: SecretBinding): Buffer {
  if (version === "v1") return Buffer.from(keyId);
  if (version === "v2") return Buffer.from(`${keyId}:${b.owner === "connection" ? b.id : `alert-channel:${b.id}`}`);
  // JSON: no value can run into the next (an address holds ":" and ".").
  return Buffer.from(JSON.stringify([version, keyId, b.owner, b.id, b.address]));
}

const digest = (text: string) => createHash("sha256").update(text).digest().subarray(0, 6);

/**
 * Short digests of the row and of the address a v3 secret was sealed for, kept in clear after the
 * ciphertext: not what protects it (the additional data is), only what tells "sealed for another
 * address" from "another row's, or altered" when it does not open, so the person fixing it is told
 * what happened.
 */
function sealedFor(b: SecretBinding): string {
  return Buffer.concat([digest(JSON.stringify([b.owner, b.id])), digest(b.address)]).toString("base64");
}

/** Whether a v3 secret's digests say it was sealed for this row, at another address. */
function sameRowOtherAddress(stored: string, b: SecretBinding): boolean {
  const now = Buffer.from(sealedFor(b), "base64");
  const then = Buffer.from(stored, "base64");
  return then.length === now.length && then.subarray(0, 6).equals(now.subarray(0, 6)) && !then.subarray(6).equals(now.subarray(6));
}

/** Seals `secret` for `binding` (format v3) with the active key, or with `keyId` (a key of `ring`). */
export function seal(secret: Record<string, unknown>, binding: SecretBinding, ring: Keyring = keyring(), keyId: string = ring.activeId): SealedSecret {
  const key = ring.keys.get(keyId);
  if (!key) throw new SecretKeyError(`The key "${keyId}" is not in QIAO_SECRET_KEYS`, "key_missing");
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(additionalData(CURRENT_FORMAT, keyId, binding));
  const body = Buffer.concat([cipher.update(JSON.stringify(secret), "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  const parts = [CURRENT_FORMAT, iv.toString("base64"), tag.toString("base64"), body.toString("base64"), sealedFor(binding)];
  return { ciphertext: parts.join("."), keyId };
}

const ROW = { connection: "connection", "alert-channel": "alert channel" } as const;

/** Opens a secret sealed for `binding`; SecretKeyError (with its reason) when it does not open there. */
export function unseal(sealed: SealedSecret, binding: SecretBinding, ring: Keyring = keyring()): Record<string, unknown> {
  const key = ring.keys.get(sealed.keyId);
  if (!key) throw new SecretKeyError(`The key "${sealed.keyId}" that sealed this secret is not in QIAO_SECRET_KEYS`, "key_missing");
  const [version = "", iv, tag, body, where, ...rest] = sealed.ciphertext.split(".");
  if (!FORMATS.has(version) || !iv || !tag || body === undefined || (version === "v3") !== (where !== undefined) || rest.length > 0) {
    throw new SecretKeyError("Unrecognised secret format", "format");
  }
  // v1 binds no row: it opens in any connection, never in an alert channel (none was sealed so).
  if (version === "v1" && binding.owner !== "connection") {
    throw new SecretKeyError(`The secret is in the v1 format, which no ${ROW[binding.owner]} was sealed in: it was copied from a connection`, "altered");
  }
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
  decipher.setAAD(additionalData(version, sealed.keyId, binding));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  let text: string;
  try {
    text = Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString("utf8");
  } catch {
    if (where !== undefined && sameRowOtherAddress(where, binding)) {
      throw new SecretKeyError(
        `The secret was saved for another address than the ${ROW[binding.owner]}'s: its address changed outside Qiao since, so the secret is not sent there; enter it again`,
        "address_changed",
      );
    }
    throw new SecretKeyError(`The secret does not open with key "${sealed.keyId}": it was altered or belongs to another ${ROW[binding.owner]}`);
  }
  return JSON.parse(text) as Record<string, unknown>;
}

/** Sealed with the active key in the current format: nothing for rotation to do. */
export function isSealedCurrently(sealed: SealedSecret, ring: Keyring = keyring()): boolean {
  return sealed.keyId === ring.activeId && sealedFormat(sealed.ciphertext) === CURRENT_FORMAT;
}
