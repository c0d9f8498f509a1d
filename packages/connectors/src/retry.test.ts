import { describe, expect, it } from "vitest";
import { ConnectorError } from "./errors";
import { backoffMs, sleep, withRetries } from "./retry";

const failure = (kind: ConnectorError["kind"]) => new ConnectorError(kind, "test", kind);
const cancelled = () => failure("cancelled");

function counting(errors: ConnectorError[]) {
  let calls = 0;
  const send = async () => {
    const error = errors[calls++];
    if (error) throw error;
    return "done";
  };
  return { send, calls: () => calls };
}

describe("withRetries", () => {
  it("retries retryable failures until one succeeds", async () => {
    const run = counting([failure("network"), failure("throttled")]);
    const waits: number[] = [];
    const result = await withRetries(run.send, { maxRetries: 4, delayMs: (n) => n + 1, onRetry: (_e, _n, ms) => waits.push(ms), signals: [], cancelled });
    expect(result).toBe("done");
    expect(run.calls()).toBe(3);
    expect(waits).toEqual([1, 2]);
  });

  it("gives up after maxRetries, and at once on what is not retryable", async () => {
    const spent = counting([failure("server"), failure("server"), failure("server")]);
    await expect(withRetries(spent.send, { maxRetries: 1, delayMs: () => 1, signals: [], cancelled })).rejects.toMatchObject({ kind: "server" });
    expect(spent.calls()).toBe(2);
    const refused = counting([failure("auth")]);
    await expect(withRetries(refused.send, { maxRetries: 3, delayMs: () => 1, signals: [], cancelled })).rejects.toMatchObject({ kind: "auth" });
    expect(refused.calls()).toBe(1);
  });

  it("ends the loop with what classify throws, even for a retryable kind", async () => {
    const run = counting([failure("timeout")]);
    const classify = (e: unknown) => {
      throw new ConnectorError("unknown_outcome", "test", `maybe processed: ${String(e)}`);
    };
    await expect(withRetries(run.send, { maxRetries: 3, delayMs: () => 1, classify, signals: [], cancelled })).rejects.toMatchObject({ kind: "unknown_outcome" });
    expect(run.calls()).toBe(1);
  });

  it("stops waiting when the caller cancels", async () => {
    const controller = new AbortController();
    const run = counting([failure("network")]);
    const pending = withRetries(run.send, { maxRetries: 3, delayMs: () => 60_000, onRetry: () => controller.abort(), signals: [controller.signal], cancelled });
    await expect(pending).rejects.toMatchObject({ kind: "cancelled" });
    expect(run.calls()).toBe(1);
  });
});

describe("backoffMs and sleep", () => {
  it("waits between half and all of the capped exponential ceiling", () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const ms = backoffMs(attempt, 200, 10_000);
      const ceiling = Math.min(10_000, 200 * 2 ** attempt);
      expect(ms).toBeGreaterThanOrEqual(ceiling / 2);
      expect(ms).toBeLessThanOrEqual(ceiling);
    }
  });

  it("rejects at once when a signal is already aborted", async () => {
    await expect(sleep(60_000, [AbortSignal.abort()], cancelled)).rejects.toMatchObject({ kind: "cancelled" });
  });
});
