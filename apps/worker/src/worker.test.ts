// The worker in-process against real Postgres, Redis (own prefix) and the simulators: requesting,
// refusing, cancelling, scheduling and reconciling runs.
import { cancelRun, config, createRun, pruneRuns, type Config } from "@qiao/db";
import { testRedisPrefix } from "@qiao/db/testing";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openTestDb, simulate, type Simulated, type TestDb } from "@qiao/engine/testing";
import { createRunQueue, JOB } from "./queue";
import { createSharedLimiters } from "./rate-limiter";
import { reconcileRuns } from "./reconciler";
import { requestRun, RunRequestError } from "./request-run";
import { syncSchedules, syncSchemeSchedule } from "./schedules";
import { SchemeBusyError } from "./index";
import { workerSettings } from "./settings";
import { cleanRedisPrefix } from "./testing";
import { startWorker, type RunningWorker } from "./worker";

const log = pino({ level: "silent" });
let t: TestDb;
let sim: Simulated;
let cfg: Config;
let queue: Queue;

beforeAll(async () => {
  t = await openTestDb("worker");
  sim = await simulate(t.db, { shops: 150 });
  cfg = { ...config(), REDIS_PREFIX: testRedisPrefix("worker") };
  queue = createRunQueue(cfg);
});

afterAll(async () => {
  await queue?.close();
  await sim?.close();
  await t?.close();
  if (cfg) await cleanRedisPrefix(cfg.REDIS_URL, cfg.REDIS_PREFIX);
});

async function withWorker<T>(body: (w: RunningWorker) => Promise<T>): Promise<T> {
  const w = await startWorker({
    db: t.db,
    config: cfg,
    logger: log,
    settings: { ...workerSettings({}), WORKER_CONNECTION_QPS: 1000, WORKER_RECONCILE_INTERVAL_MS: 60_000 },
  });
  try {
    return await body(w);
  } finally {
    await w.close();
  }
}

function finished(runId: string) {
  return expect
    .poll(async () => (await t.db.run.findUniqueOrThrow({ where: { id: runId } })).status, { timeout: 20_000, interval: 100 })
    .not.toMatch(/^(queued|running)$/);
}

describe("requestRun", () => {
  test("writes the run, enqueues its id once, refuses a second active run visibly", async () => {
    const scheme = await sim.createScheme();
    const run = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });
    expect(run).toMatchObject({ status: "queued", trigger: "manual", schemeVersion: 1 });
    const job = await queue.getJob(run.id);
    expect(job?.data).toEqual({ runId: run.id });

    await queue.add(JOB.run, { runId: run.id }, { jobId: run.id });
    expect(await queue.getJobCountByTypes("waiting")).toBe(1);

    const busy = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" }).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(SchemeBusyError);
    expect((busy as SchemeBusyError).activeRun?.id).toBe(run.id);

    // A test run that writes nothing may run beside it.
    const dry = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "test", options: { sampleSize: 3, writeCount: 0 } });
    expect(dry.options).toEqual({ sampleSize: 3 });

    expect(await cancelRun(t.db, run.id)).toMatchObject({ status: "cancelled", cancelRequested: true });
    await cancelRun(t.db, dry.id);
    await queue.drain();
  });

  test("an idempotency key returns the first run; invalid requests are typed errors", async () => {
    const scheme = await sim.createScheme();
    const a = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual", idempotencyKey: `k-${scheme.id}` });
    const b = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual", idempotencyKey: `k-${scheme.id}` });
    expect(b.id).toBe(a.id);
    await cancelRun(t.db, a.id);

    const invalid = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "test", options: { sampleSize: 0 } }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(RunRequestError);
    expect((invalid as RunRequestError).issues[0]?.path).toBe("sampleSize");
    const noTarget = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "retry" }).catch((e: unknown) => e);
    expect(noTarget).toMatchObject({ code: "invalid" });
    const missing = await requestRun(t.db, queue, { schemeId: "00000000-0000-4000-8000-000000000000", trigger: "manual" }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: "not_found" });
    await queue.drain();
  });

  test("an idempotency key counts per user and scheme: another user's same key never gets the first run", async () => {
    const scheme = await sim.createScheme();
    const other = await sim.createScheme();
    const key = `shared-${scheme.id}`;
    const ask = (schemeId: string, createdById: string) =>
      requestRun(t.db, queue, { schemeId, trigger: "manual", createdById, idempotencyKey: key });
    const first = await ask(scheme.id, "user-a");
    expect((await ask(scheme.id, "user-a")).id).toBe(first.id);

    const busy = await ask(scheme.id, "user-b").catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(SchemeBusyError);
    const elsewhere = await ask(other.id, "user-a");
    expect(elsewhere.id).not.toBe(first.id);

    await cancelRun(t.db, first.id);
    const own = await ask(scheme.id, "user-b");
    expect(own).toMatchObject({ createdById: "user-b", status: "queued" });
    expect(own.id).not.toBe(first.id);
    await cancelRun(t.db, own.id);
    await cancelRun(t.db, elsewhere.id);
    await queue.drain();
  });
});

describe("the worker", () => {
  test("executes a requested run; the reconciler enqueues a run whose job was lost", async () => {
    await withWorker(async () => {
      const scheme = await sim.createScheme();
      const run = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });
      await finished(run.id);
      expect(await t.db.run.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ status: "succeeded", written: 150 });

      const lost = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
      expect(await reconcileRuns(t.db, queue, 0, log)).toBe(1);
      await finished(lost.id);
      expect(await t.db.run.findUniqueOrThrow({ where: { id: lost.id } })).toMatchObject({ status: "succeeded", written: 0, skipped: 150 });
      expect(await reconcileRuns(t.db, queue, 0, log)).toBe(0);
    });
  }, 30_000);

  test("schedules: one scheduler per enabled scheme with a cron; a tick runs the scheme or is skipped while it is busy", async () => {
    const scheme = await sim.createScheme();
    const other = await sim.createScheme();
    await t.db.scheme.update({ where: { id: other.id }, data: { cron: "0 3 * * *", timezone: "Asia/Shanghai" } });
    await syncSchemeSchedule(queue, { id: "00000000-0000-4000-8000-00000000dead", cron: "0 4 * * *", timezone: "UTC", enabled: true });

    expect(await syncSchedules(t.db, queue)).toMatchObject({ removed: 1 });
    const schedulers = await queue.getJobSchedulers(0, -1);
    expect(schedulers.filter((s) => s.name === JOB.schedule)).toMatchObject([{ key: other.id, pattern: "0 3 * * *", tz: "Asia/Shanghai" }]);
    await t.db.scheme.update({ where: { id: other.id }, data: { enabled: false } });
    expect(await syncSchemeSchedule(queue, { id: other.id, cron: "0 3 * * *", timezone: "Asia/Shanghai", enabled: false })).toBe("removed");

    await withWorker(async () => {
      await t.db.scheme.update({ where: { id: scheme.id }, data: { cron: "*/1 * * * * *", timezone: "Asia/Shanghai" } });
      await syncSchemeSchedule(queue, { id: scheme.id, cron: "*/1 * * * * *", timezone: "Asia/Shanghai", enabled: true });
      await expect.poll(() => t.db.run.count({ where: { schemeId: scheme.id, trigger: "schedule", status: "succeeded" } }), { timeout: 20_000 }).toBeGreaterThan(0);
      await syncSchemeSchedule(queue, { id: scheme.id, cron: null, timezone: "Asia/Shanghai", enabled: true });
      await expect.poll(() => t.db.run.count({ where: { schemeId: scheme.id, status: { in: ["queued", "running"] } } }), { timeout: 10_000 }).toBe(0);

      // While a run is active, a tick is skipped and says so in that run's log.
      const active = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
      const before = await t.db.run.count({ where: { schemeId: scheme.id } });
      await queue.add(JOB.schedule, { schemeId: scheme.id });
      await expect.poll(() => t.db.runLog.count({ where: { runId: active.id, message: { contains: "定时触发已跳过" } } }), { timeout: 10_000 }).toBe(1);
      expect(await t.db.run.count({ where: { schemeId: scheme.id } })).toBe(before);
      await cancelRun(t.db, active.id);
    });
  }, 40_000);
});

test("retention prunes finished runs (with their logs and records) older than the retention days", async () => {
  const scheme = await sim.createScheme();
  const old = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
  const days = (n: number) => new Date(Date.now() - n * 86_400_000);
  await t.db.run.update({ where: { id: old.id }, data: { status: "succeeded", createdAt: days(41), finishedAt: days(40) } });
  await t.db.runLog.create({ data: { runId: old.id, level: "info", message: "old" } });
  await t.db.runRecord.create({ data: { runId: old.id, sourceRecordId: 1n, sourceId: "old", status: "written", payload: {} } });
  const recent = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
  await t.db.run.update({ where: { id: recent.id }, data: { status: "failed", finishedAt: days(2) } });
  expect(await pruneRuns(t.db, 30)).toBe(1);
  expect(await t.db.run.findMany({ where: { schemeId: scheme.id }, select: { id: true } })).toEqual([{ id: recent.id }]);
  expect(await t.db.runLog.count({ where: { runId: old.id } })).toBe(0);
  expect(await t.db.runRecord.count({ where: { runId: old.id } })).toBe(0);
});

test("the Redis limiter holds the quota across processes (two limiter sets share it)", async () => {
  const a = createSharedLimiters({ redisUrl: cfg.REDIS_URL, prefix: cfg.REDIS_PREFIX, defaultQps: 5 });
  const b = createSharedLimiters({ redisUrl: cfg.REDIS_URL, prefix: cfg.REDIS_PREFIX, defaultQps: 5 });
  const conn = { id: "c", platform: "guanyi", settings: {} };
  const started = Date.now();
  await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).forConnection(conn).acquire("guanyi:112194")));
  // 12 calls at 5 per second need at least two more windows after the first.
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  await Promise.all([a.close(), b.close()]);
});
