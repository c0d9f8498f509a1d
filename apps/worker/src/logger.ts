import { LOG_REDACTION } from "@qiao/db";
import { pino, symbols, type DestinationStream, type Logger } from "pino";

export type { Logger };

/**
 * The worker's structured log (JSON lines on stdout); runs log through children carrying runId.
 * Secrets, authorization headers and cookies are redacted wherever a caller puts them.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? "info", destination?: DestinationStream): Logger {
  return withPlainValuesUnredacted(pino({ level, base: { service: "worker" }, redact: LOG_REDACTION }, destination));
}

type Stringifier = (value: unknown, safe?: unknown) => string | undefined;

/**
 * pino redacts the paths that start with a wildcard (`*.password`, `*.*.password`, …: a secret
 * nested anywhere) by running every such path over each value of a line, a string or a number as
 * well as an object: ~60 µs per line with LOG_REDACTION, half of what the engine's line per page and
 * per batch cost (issue #16). A string, number or boolean has nothing nested to redact, and its
 * JSON is what that redactor writes for it, so such values are written directly; objects, and any
 * other value, still go through it. Secret keys at the top level keep their own censor (pino looks
 * that up first). Children share their root's stringifiers, so this covers them. If pino's internals
 * are not as expected, the logger is left as it is.
 */
export function withPlainValuesUnredacted(logger: Logger): Logger {
  const stringifiers = (logger as unknown as Record<symbol, Record<symbol, Stringifier> | undefined>)[symbols.stringifiersSym];
  const wildcard = stringifiers?.[symbols.wildcardFirstSym];
  if (!stringifiers || typeof wildcard !== "function") return logger;
  stringifiers[symbols.wildcardFirstSym] = (value, safe) =>
    typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? JSON.stringify(value) : wildcard(value, safe);
  return logger;
}
