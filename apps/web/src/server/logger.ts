import { config, LOG_REDACTION } from "@qiao/db";
import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Structured logs of the web process. Never log credentials (connection secrets stay sealed);
 * should a caller pass one anyway, secrets, authorization headers and cookies are redacted.
 */
export function createWebLogger(destination?: DestinationStream): Logger {
  return pino({ name: "web", level: config().LOG_LEVEL, redact: LOG_REDACTION }, destination);
}

export const logger = createWebLogger();
