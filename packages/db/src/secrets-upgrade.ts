// Secrets sealed before format v3 (v1: the key id alone; v2: the key id and the row) are bound to no
// address: a row whose address is changed behind the API would still hand them to the new one. The
// web app and the worker re-seal them as v3 when they start, so a deployment is protected without
// anyone running `npm run secrets:rotate`: each row under the key that sealed it (a key rotation
// stays the operator's), for the address the row holds then, written only if its ciphertext is still
// the one read (secrets-reseal.ts), so processes starting together, or an edit saving new secrets
// meanwhile, never clash. A row whose secrets do not open where they are is left as it is (they
// must be typed again). With nothing to do it costs two reads that find no row.
import type { Db } from "./client";
import { resealConnections } from "./connections";
import { resealAlertChannels } from "./repositories/alert-channels";
import { CURRENT_FORMAT, keyring, type Keyring } from "./secrets";

export interface SecretsUpgrade {
  /** Connections and alert channels re-sealed as v3. */
  connections: number;
  alertChannels: number;
  /** Rows in an older format whose secrets do not open where they are (key not listed, altered): left as they are. */
  unopened: number;
}

/** Re-seals as v3 the secrets of every connection and alert channel sealed in an older format. */
export async function upgradeSecretFormats(db: Db, ring: Keyring = keyring()): Promise<SecretsUpgrade> {
  const older = { secretCiphertext: { not: { startsWith: `${CURRENT_FORMAT}.` } } };
  const [connections, channels] = await Promise.all([
    db.connection.findMany({ where: older, select: { id: true, name: true, baseUrl: true, secretCiphertext: true, secretKeyId: true } }),
    db.alertChannel.findMany({ where: older, select: { id: true, name: true, kind: true, settings: true, secretCiphertext: true, secretKeyId: true } }),
  ]);
  let unopened = 0;
  const skipped = () => void unopened++;
  return {
    connections: await resealConnections(db, connections, ring, false, skipped),
    alertChannels: await resealAlertChannels(db, channels, ring, false, skipped),
    unopened,
  };
}

interface StartLogger {
  info(object: object, msg: string): void;
  warn(object: object, msg: string): void;
}

/** upgradeSecretFormats when a process starts: logged, never thrown (the older formats still open meanwhile). */
export async function upgradeSecretFormatsOnStart(db: Db, log: StartLogger): Promise<void> {
  try {
    const done = await upgradeSecretFormats(db);
    if (done.connections + done.alertChannels > 0) log.info(done, `secrets sealed in an older format re-sealed as ${CURRENT_FORMAT} (bound to their address)`);
    if (done.unopened > 0) {
      log.warn({ unopened: done.unopened }, "secrets in an older format that do not open where they are were left as they are: `npm run secrets:rotate` lists them");
    }
  } catch (error) {
    log.warn({ err: error }, `secrets sealed in an older format not re-sealed as ${CURRENT_FORMAT} (tried again at the next start)`);
  }
}
