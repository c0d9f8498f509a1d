// Error texts are shown to people, stored with runs and logged: none may carry a credential value
// of the connection, secret or not (a platform message may quote the appkey, the user name or the
// password it was given).
import type { ConnectorMeta } from "@qiao/core";

/**
 * The shortest value also scrubbed as it is quoted in another form (URL-encoded, JSON-escaped) or
 * another letter case (hex digests, session ids): a shorter one in any case could match ordinary
 * words of the text. Shorter values are scrubbed as they are.
 */
export const SCRUB_FORMS_MIN_LENGTH = 8;

/** The connection's credential values as they could appear in a text. */
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
  return [...new Set(values)];
}

/**
 * `text` with every value of `values` replaced by ***, longest first (a value inside a longer one
 * goes with it). A value of SCRUB_FORMS_MIN_LENGTH or more also goes in any letter case and as a
 * server or proxy echoing a request would quote it (session 36's audit): URL-encoded (a query or a
 * form), or escaped inside a JSON string (with "/" escaped or not, non-ASCII as \uXXXX or not).
 */
export function scrub(text: string, values: readonly string[]): string {
  const { long, short } = scrubberOf(values);
  let out = long ? text.replace(long, "***") : text;
  for (const v of short) out = out.split(v).join("***");
  return out;
}

interface Scrubber {
  /** The values of SCRUB_FORMS_MIN_LENGTH or more in all their forms, longest first; null when none. */
  long: RegExp | null;
  /** The shorter values, as they are, longest first. */
  short: string[];
}

/**
 * The scrubbers of the last value sets seen, by their values: a connection scrubs every failed
 * record's message with the same few values, and building the pattern costs ~9 µs a time.
 */
const scrubbers = new Map<string, Scrubber>();
const SCRUBBERS_KEPT = 32;

function scrubberOf(values: readonly string[]): Scrubber {
  const key = JSON.stringify(values);
  let scrubber = scrubbers.get(key);
  if (scrubber === undefined) {
    const long = [...new Set(values.filter((v) => v.length >= SCRUB_FORMS_MIN_LENGTH).flatMap(formsOf))];
    // Alternatives are tried in order at each position: longest first.
    const pattern = long.sort((a, b) => b.length - a.length).map(escapeRegExp).join("|");
    scrubber = {
      long: long.length > 0 ? new RegExp(pattern, "gi") : null,
      short: values.filter((v) => v !== "" && v.length < SCRUB_FORMS_MIN_LENGTH).sort((a, b) => b.length - a.length),
    };
    if (scrubbers.size >= SCRUBBERS_KEPT) scrubbers.delete(scrubbers.keys().next().value!);
    scrubbers.set(key, scrubber);
  }
  return scrubber;
}

/** The forms a server may quote `value` in (the value first). */
function formsOf(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const asciiJson = json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const forms = [value, json, asciiJson, json.replaceAll("/", "\\/"), asciiJson.replaceAll("/", "\\/")];
  try {
    forms.push(encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice("v=".length));
  } catch {
    // A lone surrogate has no UTF-8, so no URL-encoded form (encodeURIComponent throws URIError).
  }
  return forms;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
