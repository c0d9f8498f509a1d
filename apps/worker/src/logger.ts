import { LOG_REDACTION } from "@qiao/db";
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/**
 * The worker's structured log (JSON lines on stdout); runs log through children carrying runId.
 * Secrets, authorization headers and cookies are redacted wherever a caller puts them.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? "info", destination?: DestinationStream): Logger {
  return pino({ level, base: { service: "worker" }, redact: LOG_REDACTION }, destination);
}
