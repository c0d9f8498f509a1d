import { pino, type Logger } from "pino";

export type { Logger };

/** The worker's structured log (JSON lines on stdout); runs log through children carrying runId. */
export function createLogger(level: string = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: { service: "worker" } });
}
