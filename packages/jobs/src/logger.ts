/** What the producer side logs through: pino's Logger (the worker's, the web app's) fits it. */
export interface JobsLogger {
  warn(details: Record<string, unknown>, message: string): void;
}
