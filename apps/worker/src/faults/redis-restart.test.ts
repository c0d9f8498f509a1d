// Issue 7: Redis crashes mid-run and comes back empty (no persistence), on a redis-server of this
// test's own. The run in progress finishes, a run requested during the outage is picked up, the
// schedules tick again, and every shop of every scheme is written exactly once.
import { config, type Config } from "@qiao/db";
import { testRedisPrefix } from "@qiao/db/testing";
import { ledgerOf, openTestDb, simulate, type Simulated, type TestDb } from "@qiao/engine/testing";
import { createRunQueue, requestRun, syncSchemeSchedule } from "@qiao/jobs";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { workerSettings } from "../settings";
import { startWorker, type RunningWorker } from "../worker";
import { startTestRedis, type TestRedis } from "./redis-server";

const SHOPS = 300;
const EVERY_SECOND = "*/1 * * * * *";
let t: TestDb;
let sim: Simulated;
let redis: TestRedis;
let cfg: Config;
let queue: Queue | undefined;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  t = await openTestDb("redis");
  sim = await simulate(t.db, { shops: SHOPS });
  redis = await startTestRedis();
  cfg = { ...config(), REDIS_URL: redis.url, REDIS_PREFIX: testRedisPrefix("redis") };
});

afterAll(async () => {
  // Closing BullMQ needs a Redis that answers (a failed test may have left it down).
  if (!(await redis?.isUp())) await redis?.start();
  await worker?.close();
  await queue?.close();
  await redis?.kill();
  await sim?.close();
  await t?.close();
}, 30_000);

const runOf = (id: string) => t.db.run.findUniqueOrThrow({ where: { id } });
const scheduledRuns = (schemeId: string) => t.db.run.count({ where: { schemeId, trigger: "schedule", status: "succeeded" } });

test("Redis restarted empty mid-run: the run finishes, a run requested meanwhile runs, schedules resume; each shop once", async () => {
  // Three schemes writing into one Kingdee, each under its own numbers.
  const numbered = (prefix: string) => (def: Parameters<NonNullable<Parameters<Simulated["createScheme"]>[0]>>[0]) => {
    for (const node of def.nodes) {
      if (node.type === "target") {
        node.config.mapping.FNumber = `${prefix}{{code}}`;
        node.config.batchSize = 50;
      }
    }
  };
  const a = await sim.createScheme(numbered(""));
  const b = await sim.createScheme(numbered("B"));
  const c = await sim.createScheme((def) => {
    numbered("C")(def);
    def.schedule = { cron: EVERY_SECOND, enabled: true };
  });
  await t.db.scheme.update({ where: { id: c.id }, data: { cron: EVERY_SECOND, enabled: true } });
  sim.kingdee.setFaults({ latencyMs: 150 });

  queue = createRunQueue(cfg);
  queue.on("error", () => undefined); // the outage below is on purpose
  worker = await startWorker({
    db: t.db,
    config: cfg,
    logger: pino({ level: "silent" }),
    settings: {
      ...workerSettings({}),
      WORKER_CONNECTION_QPS: 1000,
      WORKER_LOCK_DURATION_MS: 2000,
      WORKER_STALLED_INTERVAL_MS: 1000,
      WORKER_RECONCILE_INTERVAL_MS: 1000,
      WORKER_RECONCILE_AFTER_MS: 1500,
    },
  });
  const runA = await requestRun(t.db, queue, { schemeId: a.id, trigger: "manual" });
  await expect.poll(async () => (await runOf(runA.id)).written, { timeout: 15_000, interval: 20 }).toBeGreaterThanOrEqual(50);
  await expect.poll(() => scheduledRuns(c.id), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);

  await redis.kill();
  // Requested while Redis is down: the Run row is saved, the job is not; the reconciler enqueues it later.
  const runB = await requestRun(t.db, queue, { schemeId: b.id, trigger: "manual" });
  expect(runB.status).toBe("queued");
  // (The run in progress keeps going: the rate limiter falls back to its in-process insurance.)
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const ticksBefore = await scheduledRuns(c.id);
  await redis.start();

  await expect.poll(async () => (await runOf(runA.id)).status, { timeout: 20_000, interval: 100 }).toBe("succeeded");
  await expect.poll(async () => (await runOf(runB.id)).status, { timeout: 20_000, interval: 100 }).toBe("succeeded");
  // The schedule lived only in Redis: it must come back without restarting the worker.
  await expect.poll(() => scheduledRuns(c.id), { timeout: 20_000, interval: 200 }).toBeGreaterThanOrEqual(ticksBefore + 2);

  await t.db.scheme.update({ where: { id: c.id }, data: { enabled: false } });
  await syncSchemeSchedule(queue, { id: c.id, cron: EVERY_SECOND, timezone: "Asia/Shanghai", enabled: false });
  await expect.poll(() => t.db.run.count({ where: { status: { in: ["queued", "running"] } } }), { timeout: 15_000 }).toBe(0);

  for (const [scheme, prefix] of [[a, ""], [b, "B"], [c, "C"]] as const) {
    const report = await ledgerOf(t.db, sim, scheme.id, { numberOf: (shop) => `${prefix}${shop.code}` });
    expect({ scheme: prefix, lost: report.lost, inconsistent: report.inconsistent, duplicates: report.duplicates }).toEqual({
      scheme: prefix,
      lost: [],
      inconsistent: [],
      duplicates: [],
    });
    expect(report.written).toBe(SHOPS);
  }
  expect(sim.kingdee.stats()).toMatchObject({ customers: 3 * SHOPS, duplicateAttempts: 0 });
}, 60_000);
