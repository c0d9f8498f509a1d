// A run whose worker loses its Postgres connections three times over the run's life, each time
// recovering at once, resumes each time and succeeds (session 31's audit; failing before its fix).
//
// The engine throws when the database is unavailable, leaving the run `running` for its job to try
// again. That used to be the run job's BullMQ attempts (RUN_JOB_OPTIONS: 3), which count over the
// job's whole life: a resumed attempt that got past the outage gave none back, so the third loss —
// hours apart in a long sync, Postgres back within a second each time — failed the job for good and
// the worker's `failed` handler ended the run `failed`. Now the worker delays the job itself after
// such an attempt and counts the failures in a row in the job's data, starting again once an attempt
// gets through to the database (run-job.ts). The limit is set to 3 here, BullMQ's old number, so a
// count over the job's life would still fail the run at the third loss. postgres-drop.test.ts kills
// twice; postgres-outage.test.ts is the outage that does not end, which gives the run up.
import { config, createPrisma, type Config, type Db } from "@qiao/db";
import { testRedisPrefix } from "@qiao/db/testing";
import { openTestDb, simulate, type Simulated, type TestDb } from "@qiao/engine/testing";
import { createRunQueue, deleteRedisPrefix, requestRun } from "@qiao/jobs";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { workerSettings } from "../settings";
import { startWorker, type RunningWorker } from "../worker";

const SHOPS = 1000;
const APP = "qiao-fault-pgdrop3";
let t: TestDb;
let sim: Simulated;
let cfg: Config;
let workerDb: Db;
let queue: Queue | undefined;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  t = await openTestDb("pgdrop3");
  sim = await simulate(t.db, { shops: SHOPS, concurrency: 1 });
  cfg = { ...config(), REDIS_PREFIX: testRedisPrefix("pgdrop3"), QIAO_UNKNOWN_OUTCOME_WAIT_S: 1 };
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
    { timeout: 60_000 },
  );
  await isLocked;
  return {
    async release() {
      release();
      await tx;
    },
  };
}

/** The worker's statement to staging waits on the lock, then its connections are killed (a failover, a killed backend). */
async function dropMidStatement(): Promise<void> {
  const lock = await lockStaging();
  const waiting = () => t.db.$queryRaw<unknown[]>`SELECT pid FROM pg_stat_activity WHERE application_name = ${APP} AND wait_event_type = 'Lock'`;
  await expect.poll(async () => (await waiting()).length, { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(1);
  expect(await terminateWorkerConnections()).toBeGreaterThan(0);
  await lock.release();
}

test("three brief connection losses over a run's life, each recovered at once: the run resumes each time and succeeds, each shop once", async () => {
  sim.kingdee.setFaults({ latencyMs: 300 });
  queue = createRunQueue(cfg);
  worker = await startWorker({
    db: workerDb,
    config: cfg,
    logger: pino({ level: "silent" }),
    settings: {
      ...workerSettings({}),
      WORKER_CONNECTION_QPS: 1000,
      WORKER_RECONCILE_INTERVAL_MS: 60_000,
      WORKER_LOCK_DURATION_MS: 3_000,
      WORKER_DB_FAILURE_LIMIT: 3,
    },
  });
  const scheme = await sim.createScheme();
  const run = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });
  const runOf = () => t.db.run.findUniqueOrThrow({ where: { id: run.id } });
  const batchSaves = () => sim.kingdee.stats().calls.BatchSave ?? 0;

  // Each loss comes once the run is writing again after the one before (a new attempt resumed it).
  await expect.poll(batchSaves, { timeout: 15_000, interval: 10 }).toBe(1);
  await dropMidStatement();
  for (let loss = 2; loss <= 3; loss++) {
    const before = batchSaves();
    await expect.poll(async () => (await runOf()).attempt, { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(loss);
    await expect.poll(batchSaves, { timeout: 30_000, interval: 10 }).toBeGreaterThan(before);
    await dropMidStatement();
  }

  sim.kingdee.setFaults({ latencyMs: 0 });
  await expect.poll(async () => (await runOf()).status, { timeout: 60_000, interval: 100 }).not.toMatch(/^(queued|running)$/);
  const ended = await runOf();
  // Before the fix: `failed` ("工作进程处理失败：terminating connection due to administrator command"), after the
  // third loss, by the worker's `failed` handler (failAbandonedRun); the rest was left to the next run.
  expect({ status: ended.status, error: ended.error }).toEqual({ status: "succeeded", error: null });
  expect(ended).toMatchObject({ written: SHOPS, failed: 0 });
  expect(sim.kingdee.stats()).toMatchObject({ customers: SHOPS, duplicateAttempts: 0 });
}, 120_000);
