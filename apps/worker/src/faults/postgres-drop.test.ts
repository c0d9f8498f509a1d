// Issue 7: the worker's Postgres connections are killed (pg_terminate_backend) mid-run: once while
// idle, once while the worker records the answer of a batch Kingdee has already committed. The
// run is retried by its job, resumes, looks the batch up instead of resending it, and succeeds.
import { config, createPrisma, type Config, type Db } from "@qiao/db";
import { testRedisPrefix } from "@qiao/db/testing";
import { ledgerOf, openTestDb, simulate, type Simulated, type TestDb } from "@qiao/engine/testing";
import { createRunQueue, deleteRedisPrefix, requestRun } from "@qiao/jobs";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { workerSettings } from "../settings";
import { startWorker, type RunningWorker } from "../worker";

const SHOPS = 500;
const APP = "qiao-fault-worker";
let t: TestDb;
let sim: Simulated;
let cfg: Config;
let workerDb: Db;
let queue: Queue | undefined;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  t = await openTestDb("pgdrop");
  // One call at a time: the steps below name the Nth call (call-slots.test.ts covers C > 1).
  sim = await simulate(t.db, { shops: SHOPS, concurrency: 1 });
  cfg = { ...config(), REDIS_PREFIX: testRedisPrefix("pgdrop"), QIAO_UNKNOWN_OUTCOME_WAIT_S: 1 };
  // The worker's own pool, named so that only its connections are killed.
  const url = new URL(t.database.url);
  url.searchParams.set("application_name", APP);
  workerDb = createPrisma(url.toString(), 5);
});

afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await workerDb?.$disconnect();
  await sim?.close();
  await t?.close();
  if (cfg) await deleteRedisPrefix(cfg.REDIS_URL, cfg.REDIS_PREFIX);
}, 30_000);

async function terminateWorkerConnections(): Promise<number> {
  const rows = await t.db.$queryRaw<{ pid: number }[]>`
    SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${APP} AND datname = current_database()`;
  return rows.length;
}

/** Holds an exclusive lock on staging (reads pass, writes wait) until `release` is called. */
async function lockStaging(): Promise<{ release(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const tx = t.db.$transaction(
    async (db) => {
      await db.$executeRawUnsafe("LOCK TABLE source_records IN EXCLUSIVE MODE");
      locked();
      await released;
    },
    { timeout: 20_000 },
  );
  await isLocked;
  return {
    async release() {
      release();
      await tx;
    },
  };
}

test("the worker's Postgres connections killed mid-run (idle, then mid-statement after Kingdee committed): retried, resumed, each shop once", async () => {
  sim.kingdee.setFaults({ latencyMs: 300 });
  queue = createRunQueue(cfg);
  worker = await startWorker({
    db: workerDb,
    config: cfg,
    logger: pino({ level: "silent" }),
    settings: { ...workerSettings({}), WORKER_CONNECTION_QPS: 1000, WORKER_RECONCILE_INTERVAL_MS: 60_000, WORKER_LOCK_DURATION_MS: 3_000 },
  });
  const scheme = await sim.createScheme();
  const run = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });
  const runOf = () => t.db.run.findUniqueOrThrow({ where: { id: run.id } });
  const batchSaves = () => sim.kingdee.stats().calls.BatchSave ?? 0;

  // 1. While the first batch is at Kingdee, every connection of the worker is idle in its pool.
  await expect.poll(batchSaves, { timeout: 15_000, interval: 10 }).toBe(1);
  expect(await terminateWorkerConnections()).toBeGreaterThan(0);

  // 2. While the second batch is at Kingdee, writes to staging are blocked, so recording its answer
  //    waits on the lock once Kingdee has committed it; then the waiting connections are killed.
  await expect.poll(batchSaves, { timeout: 15_000, interval: 10 }).toBe(2);
  const lock = await lockStaging();
  await expect.poll(() => sim.kingdee.stats().customers, { timeout: 10_000, interval: 10 }).toBe(200);
  const waiting = () => t.db.$queryRaw<unknown[]>`SELECT pid FROM pg_stat_activity WHERE application_name = ${APP} AND wait_event_type = 'Lock'`;
  await new Promise((resolve) => setTimeout(resolve, 200));
  await expect.poll(async () => (await waiting()).length, { timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(1);
  expect(await terminateWorkerConnections()).toBeGreaterThan(0);
  await lock.release();

  sim.kingdee.setFaults({ latencyMs: 0 });
  await expect.poll(async () => (await runOf()).status, { timeout: 30_000, interval: 100 }).toBe("succeeded");
  expect(await runOf()).toMatchObject({ written: SHOPS, failed: 0, unknown: 0 });
  expect(sim.kingdee.stats()).toMatchObject({ customers: SHOPS, duplicateAttempts: 0 });
  const report = await ledgerOf(t.db, sim, scheme.id);
  expect({ lost: report.lost, inconsistent: report.inconsistent, duplicates: report.duplicates }).toEqual({ lost: [], inconsistent: [], duplicates: [] });
  expect(report.written).toBe(SHOPS);
  const logs = (await t.db.runLog.findMany({ where: { runId: run.id }, orderBy: { id: "asc" } })).map((l) => l.message).join("\n");
  // The batch Kingdee had committed (and any after it) was looked up and found, not sent again.
  expect(logs).toMatch(/：[1-9]\d* 条已存在（记为已写入），\d+ 条不存在/);
}, 60_000);
