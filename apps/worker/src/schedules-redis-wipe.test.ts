// Redis restarts EMPTY while a worker keeps running (simulated by deleting only this test's key
// prefix: the Redis server is shared): the schedulers come back with the tick they owe
// (@qiao/jobs owed-ticks.ts).
// Real Postgres (own database), Redis (own prefix), the simulators, the worker in-process.
import type { Config } from "@qiao/db";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import { deleteRedisPrefix, syncSchemeSchedule } from "@qiao/jobs";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterEach, beforeEach, expect, test } from "vitest";
import { workerSettings } from "./settings";
import { startWorker, type RunningWorker } from "./worker";

const log = pino({ level: "silent" });
const SHOPS = 5;
let bed: QueueTestBed;
let t: TestDb;
let sim: Simulated;
let cfg: Config;
let queue: Queue;
let worker: RunningWorker | undefined;

beforeEach(async () => {
  bed = await openQueueTestBed("wipe", SHOPS);
  ({ t, sim, cfg, queue } = bed);
  queue.on("error", () => undefined);
});

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  await bed?.close();
}, 30_000);

async function start(reconcileIntervalMs: number): Promise<void> {
  worker = await startWorker({
    db: t.db,
    config: cfg,
    logger: log,
    settings: {
      ...workerSettings({}),
      WORKER_CONNECTION_QPS: 1000,
      WORKER_LOCK_DURATION_MS: 2_000,
      WORKER_STALLED_INTERVAL_MS: 1_000,
      WORKER_RECONCILE_INTERVAL_MS: reconcileIntervalMs,
      WORKER_RECONCILE_AFTER_MS: 1_500,
    },
  });
}

/** Redis restarted empty: every key of this test's prefix is gone (the worker keeps running). */
const wipeRedis = () => deleteRedisPrefix(cfg.REDIS_URL, cfg.REDIS_PREFIX);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A daily cron (UTC) whose only tick today is `at` (e.g. the nightly sync at 02:00). */
function dailyAt(at: Date): string {
  return `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
}

// The worker puts back schedulers Redis lost on its reconciler's next pass
// (WORKER_RECONCILE_INTERVAL_MS, 30 s by default; 10 s here), as a scheduler whose next tick is the
// next cron time after *now*: a tick that fell due between the restart and that pass is never run.
// A worker that was down at that time runs such a tick when it starts (session 17, schedules.test.ts);
// a Redis that was down (or came back empty) just before it dropped it silently: the nightly sync at
// 02:00 did not happen when Redis restarted at 01:59:50. The scheduler put back now gets that tick back.
test("a cron tick due while Redis had just restarted empty (before the worker restored its scheduler) still runs, once", async () => {
  await start(10_000);
  const scheme = await sim.createScheme();
  const at = new Date(Math.ceil((Date.now() + 3_000) / 1000) * 1000);
  const cron = dailyAt(at);
  await t.db.scheme.update({ where: { id: scheme.id }, data: { cron, timezone: "UTC", enabled: true } });
  await syncSchemeSchedule(queue, { id: scheme.id, cron, timezone: "UTC", enabled: true });
  expect(await queue.getJob(`repeat:${scheme.id}:${at.getTime()}`)).toBeDefined();

  // Redis restarts empty 150 ms before the tick; the worker keeps running.
  await sleep(at.getTime() - 150 - Date.now());
  await wipeRedis();

  // The scheduler comes back (that part works)…
  await expect.poll(async () => (await queue.getJobScheduler(scheme.id)) !== undefined, { timeout: 15_000, interval: 200 }).toBe(true);
  // …and the tick that fell due meanwhile must still run (today's only one), once.
  await expect.poll(() => t.db.run.count({ where: { schemeId: scheme.id, trigger: "schedule" } }), { timeout: 10_000, interval: 200 }).toBe(1);
  await sleep(1_000);
  expect(await t.db.run.count({ where: { schemeId: scheme.id, trigger: "schedule" } })).toBe(1);
}, 60_000);
