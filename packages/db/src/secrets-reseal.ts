// Re-sealing rows that hold sealed secrets, one row at a time, each written only if its ciphertext is
// still the one read (compare-and-set): an edit that saved new secrets meanwhile wins, and two
// processes re-sealing at once write each row once, the second finding it changed. Used by
// `npm run secrets:rotate` (to the active key) and by each process's start (secrets-upgrade.ts: to
// the current format, under the key that sealed the row).
import { seal, SecretKeyError, unseal, type Keyring, type SealedSecret, type SecretBinding } from "./secrets";

export interface Resealable {
  id: string;
  /** The row's name, for the operator (secrets:rotate lists the rows it could not open). */
  name: string;
  sealed: SealedSecret;
  /** What the row's secrets are sealed for *now*: its id and the address it holds. */
  binding: SecretBinding;
}

export interface ResealHow {
  ring: Keyring;
  /** Seal with the active key (rotation), or with the key that sealed the row (a format upgrade). */
  toActiveKey: boolean;
  /** Writes the row's new ciphertext if it still holds `row.sealed`; 1 when written, else 0. */
  write: (row: Resealable, sealed: SealedSecret) => Promise<number>;
  /**
   * A row whose secrets do not open where they are (altered, another row's, its address changed
   * behind the API: they must be typed again) is left as it is and reported here. A key missing from
   * the ring is thrown when re-sealing to the active key (the operator must list it again), else
   * reported too.
   */
  unopened?: (row: Resealable, error: SecretKeyError) => void;
}

/** Re-seals `rows` in the current format for their bindings; returns how many were written. */
export async function resealRows(rows: readonly Resealable[], how: ResealHow): Promise<number> {
  let written = 0;
  for (const row of rows) {
    let secrets: Record<string, unknown>;
    try {
      secrets = unseal(row.sealed, row.binding, how.ring);
    } catch (error) {
      if (!(error instanceof SecretKeyError) || (error.reason === "key_missing" && how.toActiveKey)) throw error;
      how.unopened?.(row, error);
      continue;
    }
    written += await how.write(row, seal(secrets, row.binding, how.ring, how.toActiveKey ? how.ring.activeId : row.sealed.keyId));
  }
  return written;
}

/** A row as a table stores it: its id, its name and its sealed secrets' two columns. */
export interface StoredSecretRow {
  id: string;
  name: string;
  secretCiphertext: string;
  secretKeyId: string;
}

/**
 * resealRows over one table's rows: `bindingOf` says what a row's secrets are sealed for now, and
 * `swap` writes its new ciphertext only if the row still holds `old` (compare-and-set: an edit that
 * saved new secrets meanwhile wins; their new value is sealed in the current format anyway); 1 when
 * written, else 0.
 */
export function resealStored<R extends StoredSecretRow>(
  rows: readonly R[],
  bindingOf: (row: R) => SecretBinding,
  swap: (id: string, old: string, sealed: SealedSecret) => Promise<number>,
  how: Omit<ResealHow, "write">,
): Promise<number> {
  return resealRows(
    rows.map((r) => ({ id: r.id, name: r.name, sealed: { ciphertext: r.secretCiphertext, keyId: r.secretKeyId }, binding: bindingOf(r) })),
    { ...how, write: (row, sealed) => swap(row.id, row.sealed.ciphertext, sealed) },
  );
}
