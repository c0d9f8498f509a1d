// The connections' concurrent calls shared by every worker process: a counting semaphore per
// connection key in Redis (redis-semaphore: a sorted set of holders scored by when they last
// renewed). Each slot is a lease: held while its call is out and renewed meanwhile, so a crashed or
// killed holder's slots come back by themselves once their lease runs out.
//
// Callers in this process queue in memory first; at most `limit` of them per key hold or ask for a
// slot in Redis. A waiter in Redis asks again every RETRY_INTERVAL_MS, so 100 runs of one process
// waiting for the one slot of a 管易云 connection were 5,000 script calls a second, most of the
// worker's CPU when 200 scheduled schemes tick together (docs/scale.md). A call that ends with
// callers of this process waiting hands its Redis slot straight to the first of them (no release,
// no new acquire: the one slot of a busy connection was idle between two calls for a Redis round
// trip and up to a retry interval), at most MAX_HANDOVERS times in a row, then gives it back to
// Redis so the other processes get their turn. The count in Redis is what bounds the connection
// across processes; in memory, a process only queues its own callers, first come first served.
import type { CallSlots } from "@qiao/connectors";
import { Redis } from "ioredis";
import { Semaphore } from "redis-semaphore";
import type { Logger } from "@qiao/engine";

export interface SharedSlots extends CallSlots {
  close(): Promise<void>;
}

/** How often a waiting call asks Redis again for a slot (a miss costs one script call). */
const RETRY_INTERVAL_MS = 10;
/** No call waits longer for a slot than this by itself (a write's own deadline is far shorter). */
const MAX_WAIT_MS = 60 * 60_000;
/** Calls of this process a Redis slot passes through before it goes back to Redis. */
export const MAX_HANDOVERS = 16;

/** A slot held in Redis, and how many calls of this process it has passed through. */
interface Held {
  semaphore: Semaphore;
  /** Its lease was lost (Redis restarted, a stall longer than the lease): it is not passed on. */
  lost: boolean;
  calls: number;
}

interface Waiter {
  /**
   * Called with a slot passed on, or with none: then the waiter asks Redis itself, after a pause
   * when the slot just went back to Redis to give the other processes their turn (they ask every
   * RETRY_INTERVAL_MS; asking at once would win it back before they do).
   */
  wake(held: Held | undefined, pause: boolean): void;
}

interface KeyQueue {
  /** Callers of this process holding a slot of this key or asking Redis for one. */
  active: number;
  waiters: Waiter[];
}

/** Waits `ms`, or rejects when `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", aborted);
      resolve();
    }, ms);
    const aborted = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", aborted, { once: true });
  });
}

export function createSharedSlots(opts: { redisUrl: string; prefix: string; leaseMs: number; logger: Logger }): SharedSlots {
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  // ioredis reconnects by itself; a call waiting meanwhile gives up at its deadline (not sent).
  redis.on("error", () => undefined);
  const queues = new Map<string, KeyQueue>();

  /** One of the key's `limit` slots in Redis (a sorted set of leases, asked again every RETRY_INTERVAL_MS). */
  async function fromRedis(key: string, limit: number, signal: AbortSignal | undefined): Promise<Held> {
    const held: Held = { semaphore: undefined as unknown as Semaphore, lost: false, calls: 0 };
    held.semaphore = new Semaphore(redis, `${opts.prefix}:slots:${key}`, limit, {
      lockTimeout: opts.leaseMs,
      acquireTimeout: MAX_WAIT_MS,
      retryInterval: RETRY_INTERVAL_MS,
      refreshInterval: Math.round(opts.leaseMs / 3),
      // The call goes on (it may already be on the server); the slot's count is off until it ends.
      onLockLost: (error) => {
        held.lost = true;
        opts.logger.warn({ key, limit, err: error.message }, "lost a slot of the connection's concurrent calls while a call was out");
      },
    });
    await held.semaphore.acquire(signal);
    return held;
  }

  /** This caller's turn is over without a slot passed on: the next waiter asks Redis, or the key has one caller fewer. */
  function leave(queue: KeyQueue, key: string, pause = false): void {
    const next = queue.waiters.shift();
    if (next) return next.wake(undefined, pause);
    queue.active--;
    if (queue.active === 0) queues.delete(key);
  }

  async function take(key: string, limit: number, signal: AbortSignal | undefined, queue: KeyQueue, passed: Held | undefined, pause = false): Promise<() => Promise<void>> {
    let held: Held;
    try {
      if (!passed && pause) await sleep(2 * RETRY_INTERVAL_MS, signal);
      held = passed ?? (await fromRedis(key, limit, signal));
    } catch (error) {
      leave(queue, key);
      throw error;
    }
    held.calls++;
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      const turnOver = held.calls >= MAX_HANDOVERS;
      const next = held.lost || turnOver ? undefined : queue.waiters.shift();
      if (next) return next.wake(held, false);
      try {
        await held.semaphore.release();
      } finally {
        leave(queue, key, turnOver);
      }
    };
  }

  return {
    async acquire(key, limit, signal) {
      signal?.throwIfAborted();
      let queue = queues.get(key);
      if (!queue) {
        queue = { active: 0, waiters: [] };
        queues.set(key, queue);
      }
      if (queue.active < limit) {
        queue.active++;
        return take(key, limit, signal, queue, undefined);
      }
      const q = queue;
      const { passed, pause } = await new Promise<{ passed: Held | undefined; pause: boolean }>((resolve, reject) => {
        const waiter: Waiter = {
          wake(held, pause) {
            signal?.removeEventListener("abort", aborted);
            resolve({ passed: held, pause });
          },
        };
        const aborted = () => {
          q.waiters.splice(q.waiters.indexOf(waiter), 1);
          reject(signal!.reason);
        };
        q.waiters.push(waiter);
        signal?.addEventListener("abort", aborted, { once: true });
      });
      return take(key, limit, signal, q, passed, pause);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
