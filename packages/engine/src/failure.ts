import { message, render, type Message } from "@qiao/core";
import { isConnectorError } from "@qiao/connectors";

/** A run-level failure a person reads in the run (a catalog message, rendered in their language). */
export class RunFailure extends Error {
  override name = "RunFailure";
  constructor(
    readonly text: Message,
    options?: { cause?: unknown },
  ) {
    super(render(text, "en"), options);
  }
}

/** The attempt was superseded: another worker resumed the run (this one's job had stalled). */
export class AttemptSuperseded extends Error {
  override name = "AttemptSuperseded";
}

/** Describes any error for the run's `error` field: connector errors carry the platform's words. */
export function describeError(error: unknown): Message {
  if (error instanceof RunFailure) return error.text;
  if (isConnectorError(error)) {
    // A 5xx page's HTML says nothing a person can act on.
    const words = error.platformMessage && !/^\s*</.test(error.platformMessage) ? error.platformMessage : undefined;
    return message("run.connectorFailed", {
      detail: error.message,
      platformWords: words && !error.message.includes(words) ? words : null,
      retried: error.retryable,
      platform: error.platform,
      kind: error.kind,
      platformCode: error.platformCode ?? null,
    });
  }
  return message("run.unexpected", { text: error instanceof Error ? error.message : String(error) });
}
