// `npm run secrets:rotate`: re-seal every connection's (and alert channel's) secrets with the active key
// (QIAO_SECRET_KEY_ID, default the first of QIAO_SECRET_KEYS) and in the current format (v3: bound to
// the row and to the address it sends to). Old keys must still be listed.
// Procedure and threat model: docs/security.md.
import { prisma } from "../client";
import { rotateAlertChannelSecrets } from "../repositories/alert-channels";
import { rotateConnectionSecrets } from "../connections";
import { keyring, SecretKeyError } from "../secrets";
import { sealedWithOtherKeys } from "../secrets-in-use";

const db = prisma();
try {
  const ring = keyring();
  // Rows whose secrets do not open where they are (their address changed behind the API, altered,
  // another row's) are left as they are and listed: no key brings them back, they must be typed again.
  const unopened: string[] = [];
  const report = (what: string) => (row: { id: string; name: string }, error: SecretKeyError) => {
    unopened.push(`${what} "${row.name}" (${row.id}): ${error.message}`);
  };
  const rotated = await rotateConnectionSecrets(db, ring, report("connection"));
  console.log(`Re-sealed ${rotated} connection(s) with key "${ring.activeId}".`);
  console.log(`Re-sealed ${await rotateAlertChannelSecrets(db, ring, report("alert channel"))} alert channel(s) with key "${ring.activeId}".`);
  if (unopened.length > 0) {
    console.log(`Not re-sealed, their secrets must be entered again (connection: on the Connections page; alert channel: in Settings):\n  ${unopened.join("\n  ")}`);
    process.exitCode = 1;
  }
  // Every table that holds sealed secrets: an alert channel left on the old key stops opening once
  // the key is removed, as a connection would (session 25's audit: only connections were counted).
  const left = await sealedWithOtherKeys(db, ring);
  if (left.length === 0) {
    const others = [...ring.keys.keys()].filter((id) => id !== ring.activeId);
    console.log(
      others.length > 0
        ? `No connection or alert channel uses ${others.map((id) => `"${id}"`).join(", ")} any more: it can be removed from QIAO_SECRET_KEYS.`
        : "Every connection and alert channel uses the active key.",
    );
  } else {
    // A row saved meanwhile by an instance still on the old configuration: run this again.
    console.log(
      `Still sealed with other keys or in an older format: ${left.map((l) => `${l.table} "${l.keyId}" × ${l.rows}`).join(", ")}; run this again once every instance uses the new QIAO_SECRET_KEYS${unopened.length > 0 ? " (the rows listed above stay until their secrets are entered again)" : ""}.`,
    );
    process.exitCode = 1;
  }
} catch (error) {
  if (!(error instanceof SecretKeyError)) throw error;
  // Nothing was changed for the row it stopped at: list the old key again and rerun.
  console.error(`Cannot re-seal: ${error.message}. Keep the old key in QIAO_SECRET_KEYS (after the new one) until this succeeds.`);
  process.exitCode = 1;
} finally {
  await db.$disconnect();
}
