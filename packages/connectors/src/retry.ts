// The one retry loop and backoff of every connector: bounded attempts, jittered exponential
// waits, cancellable by the caller's signals. A failure is retried when it is a `retryable`
// ConnectorError after the caller's `classify`, which may also end the loop by throwing (金蝶 does
// so for a write that may have been processed: it is never sent again by the client).
import { isConnectorError, type ConnectorError } from "./errors";
import { anySignal } from "./signals";

export interface RetryOptions {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** The wait before retry `attempt` (0 = the first retry) after `error`. */
  delayMs(attempt: number, error: ConnectorError): number;
  /** Turns what an attempt threw into the error to judge (default: as it is); what it throws ends the loop. */
  classify?(error: unknown): unknown;
  /** Before each wait, e.g. to log it. */
  onRetry?(error: ConnectorError, attempt: number, delayMs: number): void;
  /** The caller's signals: any of them aborts the wait. */
  signals: AbortSignal[];
  /** The error a cancelled wait rejects with. */
  cancelled(reason?: unknown): Error;
}

/** Runs `send` until it succeeds, throws something not retryable, or the retries are spent. */
export async function withRetries<T>(send: () => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (e) {
      const error = opts.classify ? opts.classify(e) : e;
      if (!isConnectorError(error) || !error.retryable || attempt >= opts.maxRetries) throw error;
      const delayMs = opts.delayMs(attempt, error);
      opts.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, opts.signals, opts.cancelled);
    }
  }
}

/** Exponential with "equal jitter": between half and all of min(cap, base·2ⁿ). */
export function backoffMs(attempt: number, baseMs: number, capMs: number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Waits `ms` unless one of the signals aborts first (then rejects with `cancelled`). */
export function sleep(ms: number, signals: AbortSignal[], cancelled: (reason?: unknown) => Error): Promise<void> {
  const any = anySignal(signals);
  return new Promise((resolve, reject) => {
    if (any?.aborted) return reject(cancelled(any.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled(any?.reason));
    };
    const timer = setTimeout(() => {
      any?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    any?.addEventListener("abort", onAbort, { once: true });
  });
}
