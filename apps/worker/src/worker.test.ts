// The worker in-process against real Postgres, Redis (own prefix) and the simulators: executing
// requested and reconciled runs, schedule ticks, retention, the shared limiter. The producer side
// alone is tested in @qiao/jobs.
import { cancelRun, createRun, pruneRuns, type Config } from "@qiao/db";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import { aliveWorkers, JOB, reconcileRuns, requestRun, syncSchemeSchedule } from "@qiao/jobs";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import { createSharedLimiters } from "./rate-limiter";
import { workerSettings } from "./settings";
import { startWorker, type RunningWorker } from "./worker";

const log = pino({ level: "silent" });
let bed: QueueTestBed;
let t: TestDb;
let sim: Simulated;
let cfg: Config;
let queue: Queue;

beforeAll(async () => {
  bed = await openQueueTestBed("worker", 150);
  ({ t, sim, cfg, queue } = bed);
});

afterAll(() => bed?.close());

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

describe("the worker", () => {
  test("is listed alive by its heartbeat while it runs, and not after it stopped", async () => {
    const id = await withWorker(async (w) => {
      expect((await aliveWorkers(queue)).map((b) => b.id)).toEqual([w.id]);
      expect((await aliveWorkers(queue))[0]).toMatchObject({ pid: process.pid, runs: [] });
      return w.id;
    });
    expect((await aliveWorkers(queue)).map((b) => b.id)).not.toContain(id);
  });

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

  test("a schedule tick runs the scheme, or is skipped while it is busy", async () => {
    const scheme = await sim.createScheme();
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

test("holds many runs at once by default (WORKER_CONCURRENCY): schemes scheduled together start together", async () => {
  // Slow pages keep every run in progress while the others are picked up.
  sim.guanyi.setFaults({ latencyMs: 1_500 });
  const schemes = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      sim.createScheme((def) => {
        for (const node of def.nodes) if (node.type === "target") node.config.mapping.FNumber = `P${i}-{{code}}`;
      }),
    ),
  );
  try {
    await withWorker(async () => {
      const runs = await Promise.all(schemes.map((s) => requestRun(t.db, queue, { schemeId: s.id, trigger: "manual" })));
      const ids = runs.map((r) => r.id);
      await expect.poll(() => t.db.run.count({ where: { id: { in: ids }, status: "running" } }), { timeout: 20_000, interval: 100 }).toBe(12);
      sim.guanyi.setFaults({ latencyMs: 0 });
      for (const id of ids) await finished(id);
    });
  } finally {
    sim.guanyi.setFaults({ latencyMs: 0 });
  }
}, 60_000);

test("retention prunes finished runs (with their logs and records) older than the retention days", async () => {
  const scheme = await sim.createScheme();
  const old = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
  const days = (n: number) => new Date(Date.now() - n * 86_400_000);
  await t.db.run.update({ where: { id: old.id }, data: { status: "succeeded", createdAt: days(41), finishedAt: days(40) } });
  await t.db.runLog.create({ data: { runId: old.id, level: "info", message: "old" } });
  await t.db.runRecord.create({ data: { runId: old.id, sourceRecordId: 1n, sourceId: "old", status: "written", payload: {} } });
  const recent = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
  await t.db.run.update({ where: { id: recent.id }, data: { status: "succeeded", finishedAt: days(2) } });
  expect(await pruneRuns(t.db, 30)).toEqual({ expired: 1, quiet: 0 });
  expect(await t.db.run.findMany({ where: { schemeId: scheme.id }, select: { id: true } })).toEqual([{ id: recent.id }]);
  expect(await t.db.runLog.count({ where: { runId: old.id } })).toBe(0);
  expect(await t.db.runOutcome.count({ where: { runId: old.id } })).toBe(0);
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
