// The connection rate limit shared by every worker process: rate-limiter-flexible on Redis, with
// wait-until-allowed semantics (acquire resolves when a call may be made).
//
// At a rate of 1,000 calls a second or more, a process reserves up to a hundredth of the window's
// points per round trip and hands them to its next calls until the window ends in Redis: one script
// call per call was ~5% of the worker's CPU at the benchmark's rate (issue #16). Points a process
// reserved but did not use are lost to the window (at most a hundredth of it per process), never
// added to the next one: the calls of a window never exceed its quota.
import type { RateLimiter } from "@qiao/connectors";
import type { ConnectionRow } from "@qiao/engine";
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

/** The most points a process reserves in one round trip (see the file comment). */
export const MAX_RESERVED = 100;

export interface SharedLimiters {
  /** The limiter for a connection: its `settings.qps`, else the default. */
  forConnection(connection: ConnectionRow): RateLimiter;
  close(): Promise<void>;
}

export function createSharedLimiters(opts: { redisUrl: string; prefix: string; defaultQps: number }): SharedLimiters {
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  // While Redis is unreachable the insurance limiter below takes over; ioredis reconnects by itself.
  redis.on("error", () => undefined);
  const byQps = new Map<number, RateLimiter>();

  function limiter(qps: number): RateLimiter {
    let found = byQps.get(qps);
    if (found) return found;
    // Fractional rates (0.5 call/s) become whole points over a longer window.
    const duration = qps >= 1 ? 1 : Math.ceil(1 / qps);
    const points = Math.max(1, Math.floor(qps * duration));
    // Spread the calls over the window rather than bursting at its start (as the connectors'
    // own limiter does), so a server counting calls per sliding second is not exceeded. Not
    // above 1000 calls/s: the spacing would be under a timer's 1 ms resolution, and the
    // library's delay of at least 1 ms per call would itself become the limit.
    const execEvenly = qps < 1000;
    // Spaced calls each ask Redis; bursts may reserve (see the file comment).
    const perTrip = execEvenly ? 1 : Math.max(1, Math.min(MAX_RESERVED, Math.floor(points / 100)));
    const store = new RateLimiterRedis({
      storeClient: redis,
      // One count per connector key (its appkey / data center) and window length, whatever the rate:
      // two connections of one 管易云 appkey set to different rates count their calls together, each
      // within its own quota of the shared count (keyed by rate, each had a bucket of its own and
      // together they went over the appkey's rate; session 27's audit). So the calls of a window
      // never exceed the higher of the two rates.
      keyPrefix: `${opts.prefix}:rate:d${duration}`,
      points,
      duration,
      execEvenly,
      // If Redis fails, keep each process within the quota on its own rather than stopping runs.
      insuranceLimiter: new RateLimiterMemory({ points, duration }),
    });
    /** Consumes `perTrip` points of the key's window, waiting while it is spent; resolves to when that window ends. */
    async function consume(key: string): Promise<number> {
      for (;;) {
        // Taken before asking: Redis's window ends no earlier than this plus the TTL it reports.
        const asked = performance.now();
        try {
          const res = await store.consume(key, perTrip);
          return asked + res.msBeforeNext;
        } catch (rejection) {
          if (!(rejection instanceof RateLimiterRes)) throw rejection;
          await new Promise((resolve) => setTimeout(resolve, Math.max(5, rejection.msBeforeNext)));
        }
      }
    }
    /** Points reserved per key, until their window ends; and the round trip asking for more, which callers share. */
    const reserved = new Map<string, { left: number; until: number }>();
    const asking = new Map<string, Promise<void>>();
    found = {
      async acquire(key: string) {
        if (perTrip === 1) {
          await consume(key);
          return;
        }
        for (;;) {
          const held = reserved.get(key);
          if (held && held.left > 0 && performance.now() < held.until) {
            held.left--;
            return;
          }
          let ask = asking.get(key);
          if (!ask) {
            ask = consume(key)
              .then((until) => void reserved.set(key, { left: perTrip, until }))
              .finally(() => asking.delete(key));
            asking.set(key, ask);
          }
          await ask;
        }
      },
    };
    byQps.set(qps, found);
    return found;
  }

  return {
    forConnection(connection) {
      const own = Number((connection.settings as Record<string, unknown> | null)?.qps);
      return limiter(Number.isFinite(own) && own > 0 ? own : opts.defaultQps);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
