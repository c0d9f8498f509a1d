// The connections' concurrent calls shared by every worker process: a counting semaphore per
// connection key in Redis (redis-semaphore: a sorted set of holders scored by when they last
// renewed). Each slot is a lease: held while its call is out and renewed meanwhile, so a crashed or
// killed holder's slots come back by themselves once their lease runs out.
//
// Callers in this process queue in memory first (at most `limit` of them per key ask Redis): a
// waiter in Redis asks again every RETRY_INTERVAL_MS, so 100 runs of one process waiting for the
// one slot of a 管易云 connection were 5,000 script calls a second when 200 scheduled schemes
// tick together (docs/scale.md; Redis's load more than the worker's, whose client sends a tick's
// polls in one write: docs/performance.md). The count in Redis is still what bounds
// the connection across processes; the local queue only keeps this process's share of the
// waiting out of Redis, and hands a slot to its callers in the order they asked.
import { createProcessSlots, type CallSlots } from "@qiao/connectors";
import { Redis } from "ioredis";
import { Semaphore } from "redis-semaphore";
import type { Logger } from "@qiao/engine";

export interface SharedSlots extends CallSlots {
  close(): Promise<void>;
}

/** How often a waiting call asks Redis again for a slot (a miss costs one script call). */
const RETRY_INTERVAL_MS = 20;
/** No call waits longer for a slot than this by itself (a write's own deadline is far shorter). */
const MAX_WAIT_MS = 60 * 60_000;

export function createSharedSlots(opts: { redisUrl: string; prefix: string; leaseMs: number; logger: Logger }): SharedSlots {
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  // ioredis reconnects by itself; a call waiting meanwhile gives up at its deadline (not sent).
  redis.on("error", () => undefined);
  const local = createProcessSlots();
  return {
    async acquire(key, limit, signal) {
      const releaseLocal = await local.acquire(key, limit, signal);
      try {
        const semaphore = await sharedSlot(key, limit, signal);
        return async () => {
          // The release's ZREM is on this connection once release() returns (it is sent before its
          // first await), so the next caller of this process, let in at once, asks Redis after it:
          // it does not wait for the reply, one round trip fewer between two calls.
          const released = semaphore.release();
          await releaseLocal();
          await released;
        };
      } catch (error) {
        await releaseLocal();
        throw error;
      }
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };

  /** One of the key's `limit` slots in Redis (a sorted set of leases, asked again every RETRY_INTERVAL_MS). */
  async function sharedSlot(key: string, limit: number, signal: AbortSignal | undefined): Promise<Semaphore> {
    const semaphore = new Semaphore(redis, `${opts.prefix}:slots:${key}`, limit, {
      lockTimeout: opts.leaseMs,
      acquireTimeout: MAX_WAIT_MS,
      retryInterval: RETRY_INTERVAL_MS,
      refreshInterval: Math.round(opts.leaseMs / 3),
      // The call goes on (it may already be on the server); the slot's count is off until it ends.
      onLockLost: (error) => opts.logger.warn({ key, limit, err: error.message }, "lost a slot of the connection's concurrent calls while a call was out"),
    });
    await semaphore.acquire(signal);
    return semaphore;
  }
}
