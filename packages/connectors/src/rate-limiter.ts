// The in-process limiter used when the connection brings no shared one (the worker passes a
// Redis-backed limiter so that all processes share a tenant's quota).
import type { RateLimiter } from "./types";

/**
 * Spaces calls under one key at least 1000/qps ms apart: no bursts, so a server counting calls
 * over any one-second window never sees more than `qps` of them.
 */
export function createIntervalLimiter(qps: number): RateLimiter {
  const interval = 1000 / qps;
  const nextSlot = new Map<string, number>();
  return {
    async acquire(key) {
      const now = performance.now();
      const slot = Math.max(now, nextSlot.get(key) ?? now);
      nextSlot.set(key, slot + interval);
      if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
    },
  };
}

const shared = new Map<number, RateLimiter>();

/** One limiter per rate for the whole process, so clients of the same appkey share the quota. */
export function processLimiter(qps: number): RateLimiter {
  let limiter = shared.get(qps);
  if (!limiter) {
    limiter = createIntervalLimiter(qps);
    shared.set(qps, limiter);
  }
  return limiter;
}
