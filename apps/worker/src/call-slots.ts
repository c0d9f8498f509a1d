// The connections' concurrent calls shared by every worker process: a counting semaphore per
// connection key in Redis (redis-semaphore: a sorted set of holders scored by when they last
// renewed). Each slot is a lease: held while its call is out and renewed meanwhile, so a crashed or
// killed holder's slots come back by themselves once their lease runs out.
//
// Callers in this process queue in memory first; at most `limit` of them per key hold or ask for a
// slot in Redis (a waiter in Redis asks again every RETRY_INTERVAL_MS: 100 runs of one process
// waiting for the one slot of a 管易云 connection were 5,000 script calls a second when 200
// scheduled schemes tick together, docs/scale.md). The count in Redis is what bounds the
// connection across processes; in memory, a process only queues its own callers, first come first
// served. A slot going back to Redis lets the process's next caller in as soon as its ZREM is on
// the connection (the caller's own acquire follows it), not when Redis confirms it.
//
// A slot whose call ended with nobody of this process waiting lingers LINGER_MS for the process's
// next call, at most MAX_TURN calls in a row, and at most one slot per key at a time (a second
// call ending meanwhile gives its slot back): a read asks for its next page as soon as it has one,
// so acquire and release were two of the three Redis round trips per page (docs/performance.md).
// With callers of the process waiting, a slot always goes back to Redis: handing it straight to the
// next local caller was tried and made the first tick of 200 schemes slower.
//
// Closing gives lingering slots back and stops renewing every lease still held (a call cut off
// mid-flight): a renewal after the connection closed would be an unhandled rejection inside
// redis-semaphore, and the lease runs out by itself.
import { limitNow, type CallSlots, type SlotLimit } from "@qiao/connectors";
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
/** Calls of this process a lingering slot serves before it goes back to Redis. */
export const MAX_TURN = 16;
/** How long a slot whose call ended with no caller of this process waiting is kept for the next one. */
export const LINGER_MS = 5;

/** A slot held in Redis, and how many calls of this process it has served. */
interface Held {
  semaphore: Semaphore;
  /** Its lease was lost (Redis restarted, a stall longer than the lease): it does not linger. */
  lost: boolean;
  calls: number;
}

interface KeyQueue {
  /** Callers of this process holding a slot of this key or asking Redis for one (a lingering slot counts). */
  active: number;
  /** Callers of this process waiting in memory, with their limits; each is woken to ask Redis. */
  waiters: { limit: SlotLimit; wake: () => void }[];
  /** A slot kept LINGER_MS for the process's next caller after its call ended. */
  lingering?: { held: Held; timer: NodeJS.Timeout };
}

export function createSharedSlots(opts: {
  redisUrl: string;
  prefix: string;
  leaseMs: number;
  logger: Logger;
  /** How long an idle slot waits for the process's next call (LINGER_MS; tests set it longer). */
  lingerMs?: number;
}): SharedSlots {
  const lingerMs = opts.lingerMs ?? LINGER_MS;
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  // ioredis reconnects by itself; a call waiting meanwhile gives up at its deadline (not sent).
  redis.on("error", () => undefined);
  const queues = new Map<string, KeyQueue>();
  /** Every slot this process holds in Redis (lingering ones included), to stop their renewal on close. */
  const holding = new Set<Held>();
  let closing = false;

  /**
   * One of the key's slots in Redis (a sorted set of leases), asked again every RETRY_INTERVAL_MS
   * with the limit as it is then: a setting lowered while the call waits holds it back too.
   */
  async function fromRedis(key: string, limit: SlotLimit, signal: AbortSignal | undefined): Promise<Held> {
    const held: Held = { semaphore: undefined as unknown as Semaphore, lost: false, calls: 0 };
    const giveUpAt = Date.now() + MAX_WAIT_MS;
    for (;;) {
      if (closing) throw new Error("call slots closed");
      const now = limitNow(limit);
      // One attempt per semaphore: its limit is fixed when it is made (nothing is held by a failed one).
      const semaphore = new Semaphore(redis, `${opts.prefix}:slots:${key}`, now, {
        lockTimeout: opts.leaseMs,
        // A miss waits RETRY_INTERVAL_MS (abortable) before tryAcquire answers false.
        acquireAttemptsLimit: 1,
        retryInterval: RETRY_INTERVAL_MS,
        refreshInterval: Math.round(opts.leaseMs / 3),
        // The call goes on (it may already be on the server); the slot's count is off until it ends.
        onLockLost: (error) => {
          held.lost = true;
          opts.logger.warn({ key, limit: now, err: error.message }, "lost a slot of the connection's concurrent calls while a call was out");
        },
      });
      if (await semaphore.tryAcquire(signal)) {
        held.semaphore = semaphore;
        break;
      }
      if (Date.now() > giveUpAt) throw new Error(`no slot of ${key} for ${MAX_WAIT_MS / 60_000} minutes`);
    }
    if (closing) {
      // Closed while asking: the slot is not used (its renewal must not outlive the connection).
      void held.semaphore.release().catch(() => undefined);
      throw new Error("call slots closed");
    }
    holding.add(held);
    return held;
  }

  /** A caller of this key left (its slot on its way back to Redis): the key has one caller fewer, and waiters under their limit ask Redis. */
  function leave(queue: KeyQueue, key: string): void {
    queue.active--;
    drain(queue);
    if (queue.active === 0 && !queue.lingering) queues.delete(key);
  }

  /** Wakes waiters, in order, while the first of them is under its limit (read now). */
  function drain(queue: KeyQueue): void {
    while (queue.waiters.length > 0 && queue.active < limitNow(queue.waiters[0]!.limit)) {
      queue.active++;
      queue.waiters.shift()!.wake();
    }
  }

  /** Gives a slot back to Redis and lets the next caller in once its ZREM is sent. */
  async function giveBack(queue: KeyQueue, key: string, held: Held): Promise<void> {
    holding.delete(held);
    // release() stops the renewal and sends the ZREM before its first await.
    const released = held.semaphore.release();
    leave(queue, key);
    // Redis unreachable: the lease runs out by itself.
    await released.catch(() => undefined);
  }

  /** Gives the key's lingering slot back, if it has one. */
  function endLinger(queue: KeyQueue, key: string): Promise<void> {
    const lingering = queue.lingering;
    if (!lingering) return Promise.resolve();
    clearTimeout(lingering.timer);
    queue.lingering = undefined;
    return giveBack(queue, key, lingering.held);
  }

  async function take(key: string, limit: SlotLimit, signal: AbortSignal | undefined, queue: KeyQueue, lingering: Held | undefined): Promise<() => Promise<void>> {
    let held: Held;
    try {
      held = lingering ?? (await fromRedis(key, limit, signal));
    } catch (error) {
      leave(queue, key);
      throw error;
    }
    held.calls++;
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      // At most one slot of a key lingers: a second call ending while one already lingers gives
      // its own slot back (overwriting the lingering one would leak it: renewed for as long as the
      // process lives, and counted in `active` for good).
      if (!closing && !held.lost && held.calls < MAX_TURN && queue.waiters.length === 0 && !queue.lingering) {
        queue.lingering = { held, timer: setTimeout(() => void endLinger(queue, key), lingerMs) };
        return;
      }
      await giveBack(queue, key, held);
    };
  }

  return {
    async acquire(key, limit, signal) {
      signal?.throwIfAborted();
      if (closing) throw new Error("call slots closed");
      // A lingering slot whose lease was lost meanwhile (Redis restarted or flushed) is not one of
      // the key's slots any more: give it up and ask Redis, or the cap could be exceeded. Nor is it
      // reused above the limit as it is now (it counts in `active`): lowered since, it goes back.
      const stale = queues.get(key);
      if (stale?.lingering && (stale.lingering.held.lost || stale.active > limitNow(limit))) void endLinger(stale, key);
      let queue = queues.get(key);
      if (!queue) {
        queue = { active: 0, waiters: [] };
        queues.set(key, queue);
      }
      if (queue.lingering) {
        const { held, timer } = queue.lingering;
        clearTimeout(timer);
        queue.lingering = undefined;
        return take(key, limit, signal, queue, held);
      }
      if (queue.waiters.length === 0 && queue.active < limitNow(limit)) {
        queue.active++;
        return take(key, limit, signal, queue, undefined);
      }
      const q = queue;
      await new Promise<void>((resolve, reject) => {
        const waiter = {
          limit,
          wake: () => {
            signal?.removeEventListener("abort", aborted);
            resolve();
          },
        };
        const aborted = () => {
          q.waiters.splice(q.waiters.indexOf(waiter), 1);
          // The first waiter gone, the next may be under its own limit.
          drain(q);
          reject(signal!.reason);
        };
        q.waiters.push(waiter);
        signal?.addEventListener("abort", aborted, { once: true });
        // Raised since the others queued: they and this one may go now.
        drain(q);
      });
      return take(key, limit, signal, q, undefined);
    },
    async close() {
      closing = true;
      await Promise.all([...queues].map(([key, queue]) => endLinger(queue, key)));
      // Calls still out (cut off by a stop): their leases run out by themselves.
      for (const held of holding) held.semaphore.stopRefresh();
      holding.clear();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
