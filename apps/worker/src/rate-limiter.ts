// The connection rate limit shared by every worker process: rate-limiter-flexible on Redis, with
// wait-until-allowed semantics (acquire resolves when a call may be made).
import type { RateLimiter } from "@qiao/connectors";
import type { ConnectionRow } from "@qiao/engine";
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

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
    const store = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${opts.prefix}:rate:${qps}`,
      points,
      duration,
      // Spread the calls over the window rather than bursting at its start (as the connectors'
      // own limiter does), so a server counting calls per sliding second is not exceeded. Not
      // above 1000 calls/s: the spacing would be under a timer's 1 ms resolution, and the
      // library's delay of at least 1 ms per call would itself become the limit.
      execEvenly: qps < 1000,
      // If Redis fails, keep each process within the quota on its own rather than stopping runs.
      insuranceLimiter: new RateLimiterMemory({ points, duration }),
    });
    found = {
      async acquire(key: string) {
        for (;;) {
          try {
            await store.consume(key);
            return;
          } catch (rejection) {
            if (!(rejection instanceof RateLimiterRes)) throw rejection;
            await new Promise((resolve) => setTimeout(resolve, Math.max(5, rejection.msBeforeNext)));
          }
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
