// Issue #16 item 2: a connection's concurrent calls are one semaphore in Redis for every process.
// Three processes taking 2 slots never hold more than 2 at once; a killed holder's slots come
// back after their lease; and three runs on two worker processes against one 金蝶 (C = 2) never
// have more than 2 calls at the server together.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { config } from "@qiao/db";
import { testRedisPrefix } from "@qiao/db/testing";
import { ledgerOf, type Simulated, type TestDb } from "@qiao/engine/testing";
import { deleteRedisPrefix, requestRun } from "@qiao/jobs";
import { silentLogger } from "@qiao/engine";
import type { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createSharedSlots, LINGER_MS, MAX_TURN } from "./call-slots";
import type { BatchSaveGate } from "./faults/batch-save-gate";
import { startTestRedis, type TestRedis } from "./faults/redis-server";
import { spawnWorker, startGatedStack, type GatedStack, type WorkerProcess } from "./testing";

const WORKER_DIR = fileURLToPath(new URL("..", import.meta.url));
const prefix = testRedisPrefix("slots");
const redisUrl = config().REDIS_URL;
let redis: Redis;

beforeAll(() => {
  redis = new Redis(redisUrl);
});
afterAll(async () => {
  await redis.quit();
  await deleteRedisPrefix(redisUrl, prefix);
});

/** src/faults/slot-holder.ts in its own Node process; resolves with it once it printed `ready`. */
function holder(env: Record<string, string>, ready: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/faults/slot-holder.ts"], {
    cwd: WORKER_DIR,
    env: { ...process.env, REDIS_URL: redisUrl, SLOT_PREFIX: prefix, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const printed = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then(() => (output.includes(ready) ? resolve() : reject(new Error(`slot holder exited: ${output}`))));
  });
  return { child, printed, exited };
}

describe("shared slots", () => {
  test("three processes taking slots of one key with limit 2: never more than 2 inside at once, and 2 are", async () => {
    const counter = `${prefix}:inside`;
    const env = { SLOT_MODE: "cycles", SLOT_KEY: "kingdee:cap", SLOT_LIMIT: "2", SLOT_LEASE_MS: "5000", SLOT_CYCLES: "25", SLOT_COUNTER: counter };
    const holders = [holder(env, "done"), holder(env, "done"), holder(env, "done")];
    await Promise.all(holders.map((h) => h.printed));
    expect(await Promise.all(holders.map((h) => h.exited))).toEqual([0, 0, 0]);
    expect(await redis.get(`${counter}:most`)).toBe("2");
    expect(await redis.get(counter)).toBe("0");
  }, 60_000);

  test("a killed holder's slots come back by themselves once their lease ran out, not before", async () => {
    const leaseMs = 2_000;
    const killed = holder({ SLOT_MODE: "hold", SLOT_KEY: "kingdee:lease", SLOT_LIMIT: "2", SLOT_LEASE_MS: String(leaseMs) }, "held");
    await killed.printed;
    killed.child.kill("SIGKILL");
    await killed.exited;
    const diedAt = Date.now();
    const slots = createSharedSlots({ redisUrl, prefix, leaseMs, logger: silentLogger });
    try {
      // Both slots are still leased to the dead process.
      await expect(slots.acquire("kingdee:lease", 2, AbortSignal.timeout(leaseMs / 4))).rejects.toThrow();
      const release = await slots.acquire("kingdee:lease", 2, AbortSignal.timeout(leaseMs * 3));
      expect(Date.now() - diedAt).toBeGreaterThanOrEqual(leaseMs / 4);
      expect(Date.now() - diedAt).toBeLessThan(leaseMs + 2_000);
      await release();
    } finally {
      await slots.close();
    }
  }, 30_000);

  test("a waiter in memory that is cancelled leaves the queue; the next one gets the slot", async () => {
    const key = "guanyi:cancel";
    const slots = createSharedSlots({ redisUrl, prefix, leaseMs: 5_000, logger: silentLogger });
    try {
      const first = await slots.acquire(key, 1);
      const cancelled = slots.acquire(key, 1, AbortSignal.timeout(50));
      const next = slots.acquire(key, 1, AbortSignal.timeout(5_000));
      await expect(cancelled).rejects.toThrow();
      await first();
      await (await next)();
    } finally {
      await slots.close();
    }
  }, 30_000);

  // Session 18: a second call ending while the first one's slot lingered overwrote it; the first
  // slot's lease was then renewed for as long as the process lived and its `active` stayed one too
  // high, so the connection had a slot fewer across every worker until a restart.
  test("two calls ending close together with nobody waiting: at most one slot lingers, both go back to Redis", async () => {
    const key = "kingdee:two-end";
    // A lease of 300 ms renewed every 100 ms: a slot nobody gives back stays held as long as the process lives.
    const a = createSharedSlots({ redisUrl, prefix, leaseMs: 300, logger: silentLogger, lingerMs: 50 });
    const b = createSharedSlots({ redisUrl, prefix, leaseMs: 300, logger: silentLogger });
    try {
      // Two BatchSaves of a run with concurrent calls = 2, answered within the linger of each other.
      const first = await a.acquire(key, 2);
      const second = await a.acquire(key, 2);
      await first();
      await second();
      // Well past the linger and several leases.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await redis.zcard(`semaphore:${prefix}:slots:${key}`)).toBe(0);
      // Another worker can have both of the connection's slots.
      const both = [await b.acquire(key, 2, AbortSignal.timeout(1_000)), await b.acquire(key, 2, AbortSignal.timeout(1_000))];
      await Promise.all(both.map((r) => r()));
      // And this process can still run two calls at once (its own count was not left one too high).
      const mine = await Promise.all([a.acquire(key, 2, AbortSignal.timeout(1_000)), a.acquire(key, 2, AbortSignal.timeout(1_000))]);
      await Promise.all(mine.map((r) => r()));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 30_000);
});

// Counted with MONITOR, on a Redis of its own: the shared one carries other tests' and benchmarks'
// traffic (and ioredis's monitor mixed up its replies under it).
describe("shared slots, what they ask Redis", () => {
  let own: TestRedis;
  beforeAll(async () => {
    own = await startTestRedis();
  });
  afterAll(() => own?.kill());

  test("callers of one process wait in memory: while another process holds the only slot, 30 waiters ask Redis as one", async () => {
    const key = "guanyi:queue";
    const other = createSharedSlots({ redisUrl: own.url, prefix, leaseMs: 5_000, logger: silentLogger });
    const slots = createSharedSlots({ redisUrl: own.url, prefix, leaseMs: 5_000, logger: silentLogger });
    const client = new Redis(own.url);
    const monitor = await client.monitor();
    let asked = 0;
    monitor.on("monitor", (_time: string, args: string[]) => {
      if (args.some((a) => a.includes(`${prefix}:slots:${key}`))) asked++;
    });
    try {
      const held = await other.acquire(key, 1);
      const order: number[] = [];
      const inside = { now: 0, most: 0 };
      const waiters = Array.from({ length: 30 }, async (_, i) => {
        const release = await slots.acquire(key, 1);
        inside.most = Math.max(inside.most, ++inside.now);
        order.push(i);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inside.now--;
        await release();
      });
      // 500 ms of waiting at one try every 20 ms: ~25 tries for one waiter, ~750 for thirty.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const whileHeld = asked;
      await held();
      await Promise.all(waiters);
      expect(whileHeld).toBeGreaterThan(5);
      expect(whileHeld).toBeLessThan(100);
      // Every waiter had the slot, one at a time, in the order they asked.
      expect(inside.most).toBe(1);
      expect(order).toEqual(Array.from({ length: 30 }, (_, i) => i));
    } finally {
      monitor.disconnect();
      client.disconnect();
      await Promise.all([slots.close(), other.close()]);
    }
  }, 30_000);

  /** Counts the ZREMs (slots given back) of `key` on the own Redis. */
  async function countReleases(key: string) {
    const client = new Redis(own.url);
    const monitor = await client.monitor();
    const seen = { releases: 0 };
    monitor.on("monitor", (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() === "zrem" && args[1]?.endsWith(`${prefix}:slots:${key}`)) seen.releases++;
    });
    return {
      seen,
      stop() {
        monitor.disconnect();
        client.disconnect();
      },
    };
  }
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  test("one call after another (a read's pages) keeps the slot for MAX_TURN calls; idle for LINGER_MS, it is back in Redis", async () => {
    const key = "guanyi:linger";
    const a = createSharedSlots({ redisUrl: own.url, prefix, leaseMs: 5_000, logger: silentLogger });
    const b = createSharedSlots({ redisUrl: own.url, prefix, leaseMs: 5_000, logger: silentLogger });
    const count = await countReleases(key);
    try {
      for (let i = 0; i < 2 * MAX_TURN + 4; i++) await (await a.acquire(key, 1))();
      await pause(LINGER_MS + 50);
      expect(count.seen.releases).toBe(3);
      // Back in Redis: the other process takes it at once.
      await (await b.acquire(key, 1, AbortSignal.timeout(200)))();
    } finally {
      count.stop();
      await Promise.all([a.close(), b.close()]);
    }
  }, 30_000);

  test("with callers of the process waiting, a slot goes back to Redis after every call (not handed over)", async () => {
    const key = "guanyi:busy";
    const a = createSharedSlots({ redisUrl: own.url, prefix, leaseMs: 5_000, logger: silentLogger });
    const count = await countReleases(key);
    try {
      await Promise.all(Array.from({ length: 6 }, async () => (await a.acquire(key, 1))()));
      await pause(LINGER_MS + 50);
      // The last one found nobody waiting and lingered, then went back too.
      expect(count.seen.releases).toBe(6);
    } finally {
      count.stop();
      await a.close();
    }
  }, 30_000);

  test("closing gives a lingering slot back and renews no lease after (a call cut off mid-flight included)", async () => {
    const key = "guanyi:close";
    // A renewal every 100 ms: one after close would reject on the closed connection (an unhandled error here).
    const a = createSharedSlots({ redisUrl: own.url, prefix, leaseMs: 300, logger: silentLogger });
    const count = await countReleases(key);
    try {
      await (await a.acquire(key, 2))(); // lingers
      const cutOff = await a.acquire(key, 2); // takes the lingering one: still out at close
      const other = await a.acquire("guanyi:close-2", 1); // a second key, out at close
      await a.close();
      expect(count.seen.releases).toBe(0);
      await expect(a.acquire(key, 2)).rejects.toThrow("closed");
      await pause(500);
      await cutOff();
      await other();
      // The lease ran out: another process takes both slots.
      const b = createSharedSlots({ redisUrl: own.url, prefix, leaseMs: 300, logger: silentLogger });
      try {
        const both = [await b.acquire(key, 2, AbortSignal.timeout(500)), await b.acquire(key, 2, AbortSignal.timeout(500))];
        await Promise.all(both.map((r) => r()));
      } finally {
        await b.close();
      }
    } finally {
      count.stop();
    }
  }, 30_000);

  test("a lingering slot whose lease was lost (Redis flushed) is not used again: the cap holds", async () => {
    const key = "guanyi:lost";
    // Renewed every 50 ms, lingering 2 s: the loss is seen while it lingers.
    const a = createSharedSlots({ redisUrl: own.url, prefix, leaseMs: 150, logger: silentLogger, lingerMs: 2_000 });
    const b = createSharedSlots({ redisUrl: own.url, prefix, leaseMs: 150, logger: silentLogger });
    const client = new Redis(own.url);
    try {
      await (await a.acquire(key, 1))(); // lingers
      // Redis forgets the slot (restarted without persistence, flushed) and another process takes it:
      // the lingering slot's next renewal finds its lease gone.
      await client.del(`semaphore:${prefix}:slots:${key}`);
      const other = await b.acquire(key, 1, AbortSignal.timeout(500));
      await pause(200);
      // This process must not call on the lost one meanwhile: it waits for Redis.
      await expect(a.acquire(key, 1, AbortSignal.timeout(300))).rejects.toThrow();
      await other();
      await (await a.acquire(key, 1, AbortSignal.timeout(1_000)))();
    } finally {
      client.disconnect();
      await Promise.all([a.close(), b.close()]);
    }
  }, 30_000);

  test("closing with a slot lingering gives it back at once", async () => {
    const key = "guanyi:close-linger";
    const a = createSharedSlots({ redisUrl: own.url, prefix, leaseMs: 60_000, logger: silentLogger });
    const count = await countReleases(key);
    try {
      await (await a.acquire(key, 1))();
      await a.close();
      await pause(50);
      expect(count.seen.releases).toBe(1);
    } finally {
      count.stop();
    }
  }, 30_000);
});

describe("three runs on two workers against one 金蝶", () => {
  let stack: GatedStack;
  let t: TestDb;
  let sim: Simulated;
  let gate: BatchSaveGate;
  let queue: Queue;
  let workers: WorkerProcess[];

  beforeAll(async () => {
    // The default connection: 2 concurrent calls.
    stack = await startGatedStack("slots", prefix, { shops: 600 });
    ({ t, sim, gate, queue, workers } = stack);
  });
  afterAll(() => stack?.close());

  test("never more than 2 calls at the server together; every record of every run written once", async () => {
    const env = { DATABASE_URL: t.database.url, REDIS_PREFIX: prefix, WORKER_CONCURRENCY: "2", WORKER_CONNECTION_QPS: "1000", LOG_LEVEL: "info" };
    workers.push(spawnWorker(env), spawnWorker(env));
    await Promise.all(workers.map((w) => w.waitFor("worker ready, waiting for jobs", 30_000)));
    // Slow enough that the runs' calls overlap.
    sim.kingdee.setFaults({ latencyMs: 40 });
    // Three schemes writing the same shops under their own numbers.
    const schemes: { id: string; tag: string }[] = [];
    for (const tag of ["A", "B", "C"]) {
      const scheme = await sim.createScheme(
        (def) => {
          for (const node of def.nodes) {
            if (node.type === "target") {
              node.config.batchSize = 50;
              node.config.mapping.FNumber = `${tag}-{{code}}`;
            }
          }
        },
        undefined,
        `店铺→客户 ${tag}`,
      );
      schemes.push({ id: scheme.id, tag });
    }
    const runs = await Promise.all(schemes.map((s) => requestRun(t.db, queue, { schemeId: s.id, trigger: "manual" })));
    for (const run of runs) {
      await expect.poll(async () => (await t.db.run.findUniqueOrThrow({ where: { id: run.id } })).status, { timeout: 60_000, interval: 100 }).toBe("succeeded");
    }
    // Both workers ran some of them, so the cap held across processes.
    const ranBy = workers.filter((w) => runs.some((r) => w.lines.some((l) => l.includes(`"runId":"${r.id}"`))));
    expect(ranBy).toHaveLength(2);
    expect(gate.mostInFlight).toBe(2);
    expect(sim.kingdee.stats()).toMatchObject({ customers: 1_800, duplicateAttempts: 0 });
    for (const s of schemes) {
      expect(await ledgerOf(t.db, sim, s.id, { numberOf: (shop) => `${s.tag}-${shop.code}` })).toMatchObject({ ok: true, written: 600, duplicates: [], lost: [] });
    }
  }, 120_000);
});
