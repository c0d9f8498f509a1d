// The worker in-process against real Postgres, Redis (own prefix) and the simulators: executing
// requested and reconciled runs, schedule ticks, retention, the shared limiter, and what its
// heartbeat lists. The producer side alone is tested in @qiao/jobs.
//
// The heartbeat's `runs` (linked as /runs/<id> on the overview's 工作进程 panel) are runs only. Found
// by session 33's audit: they were the keys of the worker's lockLost map, which holds every job that
// watches its lock, so a reconciliation (对账) in progress was listed, linked to a run that does not exist.
// And a run's job handed back to the same worker while its first delivery still ran (session 34):
// the first delivery to end removed the second's entries (see ./deliveries.ts). (These two were
// heartbeat-runs.test.ts, folded in here in session 35: the same test bed.)
import { cancelRun, createRun, pruneRuns, type Config } from "@qiao/db";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import { aliveWorkers, JOB, reconcileRuns, requestReconciliation, requestRun, syncSchemeSchedule } from "@qiao/jobs";
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

// The heartbeat's tests come first: the reconciliation reads the target's customers, and after the
// tests below have written theirs (1,800 more) it takes half as long again.
test("a reconciliation in progress is not listed among the runs of the worker's heartbeat", async () => {
  const scheme = await sim.createScheme();
  // Slow source pages keep the reconciliation running across a heartbeat (every 10 s).
  sim.guanyi.setFaults({ latencyMs: 7_000 });
  try {
    await withWorker(async () => {
      const r = await requestReconciliation(t.db, queue, { schemeId: scheme.id, trigger: "manual" });
      await expect.poll(async () => (await t.db.reconciliation.findUniqueOrThrow({ where: { id: r.id } })).status, { timeout: 20_000, interval: 100 }).toBe("running");
      // Every beat taken while it runs, until it has ended.
      const listed = new Set<string>();
      let beatsDuring = 0;
      const startedAt = Date.now();
      for (;;) {
        const row = await t.db.reconciliation.findUniqueOrThrow({ where: { id: r.id } });
        const [beat] = await aliveWorkers(queue);
        if (beat && Date.parse(beat.beatAt) > startedAt) {
          beatsDuring++;
          for (const id of beat.runs) listed.add(id);
        }
        if (row.status !== "running" && row.status !== "queued") break;
        if (Date.now() - startedAt > 60_000) throw new Error("the reconciliation did not end within 60 s");
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(beatsDuring).toBeGreaterThan(0);
      // Each id the heartbeat lists as a run is a run (the overview links it as /runs/<id>).
      const runs = await t.db.run.findMany({ where: { id: { in: [...listed] } }, select: { id: true } });
      expect([...listed].filter((id) => !runs.some((run) => run.id === id))).toEqual([]);
      expect([...listed]).not.toContain(r.id);
    });
  } finally {
    sim.guanyi.setFaults({ latencyMs: 0 });
  }
}, 90_000);

interface LogLine {
  msg?: string;
  runId?: string;
  attempt?: number;
  lost?: string;
}

test("a run's job handed to the same worker again keeps its second delivery in the heartbeat and its lock-loss abort once the first delivery ends", async () => {
  // Ten records a page, each page slow: the run reads for half a minute. Numbers of its own, so the
  // file's other schemes write the shops under their codes as if this one had not run.
  const scheme = await sim.createScheme((def) => {
    for (const node of def.nodes) if (node.type === "source") node.config.pageSize = 10;
    for (const node of def.nodes) if (node.type === "target") node.config.mapping.FNumber = "HB-{{code}}";
  });
  const kingdeeBefore = sim.kingdee.stats();
  sim.guanyi.setFaults({ latencyMs: 2_000 });
  const lines: LogLine[] = [];
  const w = await startWorker({
    db: t.db,
    config: cfg,
    logger: pino({ level: "warn" }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) }),
    settings: {
      ...workerSettings({}),
      WORKER_CONNECTION_QPS: 1000,
      WORKER_RECONCILE_INTERVAL_MS: 60_000,
      WORKER_LOCK_DURATION_MS: 2_000,
      WORKER_STALLED_INTERVAL_MS: 1_000,
    },
  });
  const redis = await queue.getBackend().client;
  const stopped = (attempt: number) => lines.find((l) => l.attempt === attempt && l.msg?.startsWith("this attempt no longer owns the run"));
  const runRow = (id: string) => t.db.run.findUniqueOrThrow({ where: { id }, select: { status: true, attempt: true } });
  try {
    const run = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });
    const lockKey = `${queue.toKey(run.id)}:lock`;
    await expect.poll(() => runRow(run.id), { timeout: 20_000, interval: 100 }).toEqual({ status: "running", attempt: 1 });
    // The job's lock lapses, as after a stall past it: the stalled-job check hands the job out again,
    // and this worker (free slots) takes it while its first delivery waits for a page.
    await redis.del(lockKey);
    await expect.poll(() => runRow(run.id), { timeout: 20_000, interval: 100 }).toEqual({ status: "running", attempt: 2 });
    await expect.poll(() => stopped(1), { timeout: 20_000, interval: 100 }).toBeDefined();
    const firstEnded = Date.now();

    // A beat after the first delivery ended lists the run its second delivery still executes.
    let beat: { beatAt: string; runs: string[] } | undefined;
    await expect
      .poll(
        async () => {
          [beat] = await aliveWorkers(queue);
          return beat !== undefined && Date.parse(beat.beatAt) > firstEnded;
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBe(true);
    expect(await runRow(run.id)).toEqual({ status: "running", attempt: 2 });
    expect(beat!.runs).toContain(run.id);

    // The second delivery's lock lapses too: the worker stops it as having lost the job's lock.
    await redis.del(lockKey);
    await expect.poll(() => stopped(2)?.lost, { timeout: 20_000, interval: 100 }).toBe("the worker lost the job's lock");

    // Resumed, the run ends with every shop written once.
    sim.guanyi.setFaults({ latencyMs: 0 });
    await expect.poll(async () => (await runRow(run.id)).status, { timeout: 60_000, interval: 200 }).toBe("succeeded");
    expect(sim.kingdee.stats()).toMatchObject({ customers: kingdeeBefore.customers + 150, duplicateAttempts: kingdeeBefore.duplicateAttempts });
  } finally {
    sim.guanyi.setFaults({ latencyMs: 0 });
    await w.close();
  }
}, 150_000);

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
