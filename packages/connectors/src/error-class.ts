// Which failures are worth retrying automatically (issue #14's retry policy). `transient`: the
// platform or the way to it failed (network, timeout, 5xx, session lost, throttling, a record
// locked by another user); the same request later can succeed. `data`: the platform refused the
// record itself (required field, base data missing, duplicate number, validation) or the request
// (credentials, a malformed call): sending it again unchanged fails again, so a person or a change
// of the record, its mapping or a value map must come first.
import type { ConnectorErrorKind } from "./errors";

export type ErrorClass = "transient" | "data";

const TRANSIENT_KINDS: ReadonlySet<string> = new Set<ConnectorErrorKind>(["throttled", "network", "timeout", "server", "unknown_outcome", "not_sent", "cancelled"]);

/** The class of a failure reported as a connector error kind (auth, request and protocol are `data`: a person must act). */
export function errorClassOfKind(kind: string): ErrorClass {
  return TRANSIENT_KINDS.has(kind) ? "transient" : "data";
}
