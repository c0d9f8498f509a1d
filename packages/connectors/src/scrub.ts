// Error texts are shown to people, stored with runs and logged: none may carry a credential value
// of the connection, secret or not (a platform message may quote the appkey, the user name or the
// password it was given).
import type { ConnectorMeta } from "@qiao/core";

/** The connection's credential values as they could appear in a text, longest first. */
export function credentialValues(meta: ConnectorMeta, credentials: Record<string, unknown>): string[] {
  const values = meta.credentialFields
    // A choice (e.g. the login method) is one of the connector's own words, and a number (the
    // locale, the concurrent calls) a setting: neither is a credential, and scrubbing "2" out of
    // every message would garble it.
    .filter((f) => !f.choices && f.type !== "number")
    .map((f) => credentials[f.key])
    .filter((v): v is string | number => typeof v === "string" || typeof v === "number")
    // As saved and as sent: the clients send values trimmed (credentialsSchema), and a value saved
    // with surrounding spaces (before the API trimmed them) is quoted back without them (session 32).
    .flatMap((v) => [String(v), String(v).trim()])
    .filter((v) => v !== "");
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

export function scrub(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of values) out = out.split(v).join("***");
  return out;
}
