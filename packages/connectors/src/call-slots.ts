// How many calls a connection may have in flight at once (its "concurrent calls" setting). A call
// holds a slot only while its HTTP request is out, never while it waits for another call, so
// nested work (a login before a BatchSave, a retry after a backoff) cannot deadlock. The worker
// passes Redis-backed slots shared by every process; without them a process keeps its own count.
import { z } from "zod";
import { ConnectorError } from "./errors";
import { numberSetting } from "./number-setting";
import { anySignal } from "./signals";
import type { CallSlots, ConnectionConfig } from "./types";

/** The most calls in flight one connection may be set to (金蝶 and 管易云 alike). */
export const MAX_CONCURRENT_CALLS = 16;

/** A connection's "concurrent calls" setting (并发调用数), `fallback` when it is not set. */
export function concurrencySchema(fallback: number) {
  return numberSetting(
    z
      .number({ error: "并发调用数须为数字" })
      .int("并发调用数须为整数")
      .min(1, "并发调用数至少为 1")
      .max(MAX_CONCURRENT_CALLS, `并发调用数最多为 ${MAX_CONCURRENT_CALLS}`),
  ).default(fallback);
}

/**
 * The concurrent calls a client follows: the connection's settings as of now when its host re-reads
 * them (ConnectionConfig.liveSettings), else what the client was made with. A setting that does not
 * parse (the host hands on what is stored) keeps the last good value.
 */
export function liveConcurrency(config: Pick<ConnectionConfig, "liveSettings">, schema: ReturnType<typeof concurrencySchema>, initial: number): () => number {
  const live = config.liveSettings;
  if (!live) return () => initial;
  let seen: Readonly<Record<string, unknown>> | undefined;
  let value = initial;
  return () => {
    const now = live();
    if (now !== seen) {
      seen = now;
      const parsed = schema.safeParse(now.concurrency);
      if (parsed.success) value = parsed.data;
    }
    return value;
  };
}

/** A caller's limit, as a number or as the setting read now (it may change while the caller waits). */
export type SlotLimit = number | (() => number);

export const limitNow = (limit: SlotLimit): number => Math.max(1, typeof limit === "function" ? limit() : limit);

/**
 * An in-process counting semaphore per key, first come first served. Each waiter's limit is read
 * again whenever a slot frees: lowered meanwhile, a waiter goes only once fewer than its limit hold one.
 */
export function createProcessSlots(): CallSlots {
  const held = new Map<string, number>();
  const queues = new Map<string, { limit: SlotLimit; granted: () => void }[]>();
  /** Lets waiters in, in order, while the first of them is under its limit. */
  const drain = (key: string) => {
    const queue = queues.get(key);
    while (queue && queue.length > 0 && (held.get(key) ?? 0) < limitNow(queue[0]!.limit)) {
      held.set(key, (held.get(key) ?? 0) + 1);
      queue.shift()!.granted();
    }
    if (queue?.length === 0) queues.delete(key);
  };
  return {
    async acquire(key, limit, signal) {
      signal?.throwIfAborted();
      if (!queues.has(key) && (held.get(key) ?? 0) < limitNow(limit)) {
        held.set(key, (held.get(key) ?? 0) + 1);
      } else {
        await new Promise<void>((resolve, reject) => {
          const queue = queues.get(key) ?? [];
          queues.set(key, queue);
          const waiter = {
            limit,
            granted: () => {
              signal?.removeEventListener("abort", aborted);
              resolve();
            },
          };
          const aborted = () => {
            queue.splice(queue.indexOf(waiter), 1);
            // The first waiter gone, the next may be under its own limit.
            drain(key);
            reject(signal!.reason);
          };
          queue.push(waiter);
          signal?.addEventListener("abort", aborted, { once: true });
          // Raised since the others queued: they and this one may go now.
          drain(key);
        });
      }
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        held.set(key, (held.get(key) ?? 1) - 1);
        drain(key);
      };
    },
  };
}

const processSlots = createProcessSlots();

/**
 * Runs `send` holding one of `limit` slots under `key`. `sendBy` (a write's deadline) bounds the
 * wait: a call still without a slot then is not sent (kind `not_sent`), as when the rate limiter
 * made it wait too long. Slots that cannot be had (Redis down) make the call `network`: not sent.
 */
export async function withSlot<T>(
  opts: {
    slots: CallSlots | undefined;
    key: string;
    /** The connection's concurrent calls, read again while the call waits for a slot. */
    limit: SlotLimit;
    platform: string;
    /** The call's name in messages, e.g. "金蝶 BatchSave". */
    service: string;
    /** The caller's signals: any of them cancels the wait (with `cancelled()`). */
    signals: AbortSignal[];
    cancelled(): Error;
    sendBy?: number | undefined;
  },
  send: () => Promise<T>,
): Promise<T> {
  const slots = opts.slots ?? processSlots;
  const waits = [...opts.signals];
  if (opts.sendBy !== undefined) waits.push(AbortSignal.timeout(Math.max(0, opts.sendBy - Date.now())));
  const signal = anySignal(waits);
  let release: () => Promise<void>;
  try {
    release = await slots.acquire(opts.key, opts.limit, signal);
  } catch (e) {
    if (opts.signals.some((s) => s.aborted)) throw opts.cancelled();
    if (signal?.aborted) {
      throw new ConnectorError("not_sent", opts.platform, `${opts.service} 没有发送：等待并发调用名额（${limitNow(opts.limit)} 个）超过了这批记录的发送期限`, { cause: e });
    }
    throw new ConnectorError("network", opts.platform, `${opts.service} 没有发送：无法取得并发调用名额（${e instanceof Error ? e.message : String(e)}）`, { cause: e });
  }
  try {
    return await send();
  } finally {
    // Not awaited: the answer is the caller's as soon as it is here. The release is issued now, so a
    // slot is never free before its call ended; with Redis slots it goes out on the same connection
    // before any later acquire of this process (one round trip fewer between two calls), and a
    // release that is lost (Redis down, the process killed) comes back with the slot's lease.
    void release().catch(() => undefined);
  }
}
