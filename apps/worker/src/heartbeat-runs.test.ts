// The heartbeat's `runs` (linked as /runs/<id> on the overview's 工作进程 panel) are runs only. Found
// by session 33's audit: they were the keys of the worker's lockLost map, which holds every job that
// watches its lock, so a reconciliation (对账) in progress was listed, linked to a run that does not exist.
// And a run's job handed back to the same worker while its first delivery still ran (session 34):
// the first delivery to end removed the second's entries (see ./deliveries.ts).
import type { Config } from "@qiao/db";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import { aliveWorkers, requestReconciliation, requestRun } from "@qiao/jobs";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import { workerSettings } from "./settings";
import { startWorker } from "./worker";

let bed: QueueTestBed;
let t: TestDb;
let sim: Simulated;
let cfg: Config;
let queue: Queue;

beforeAll(async () => {
  bed = await openQueueTestBed("heartbeat-runs", 150);
  ({ t, sim, cfg, queue } = bed);
});

afterAll(() => bed?.close());

test("a reconciliation in progress is not listed among the runs of the worker's heartbeat", async () => {
  const scheme = await sim.createScheme();
  // Slow source pages keep the reconciliation running across a heartbeat (every 10 s).
  sim.guanyi.setFaults({ latencyMs: 7_000 });
  const w = await startWorker({
    db: t.db,
    config: cfg,
    logger: pino({ level: "silent" }),
    settings: { ...workerSettings({}), WORKER_CONNECTION_QPS: 1000, WORKER_RECONCILE_INTERVAL_MS: 60_000 },
  });
  try {
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
  } finally {
    sim.guanyi.setFaults({ latencyMs: 0 });
    await w.close();
  }
}, 90_000);

interface LogLine {
  msg?: string;
  runId?: string;
  attempt?: number;
  lost?: string;
}

test("a run's job handed to the same worker again keeps its second delivery in the heartbeat and its lock-loss abort once the first delivery ends", async () => {
  // Ten records a page, each page slow: the run reads for half a minute.
  const scheme = await sim.createScheme((def) => {
    for (const node of def.nodes) if (node.type === "source") node.config.pageSize = 10;
  });
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
    expect(sim.kingdee.stats()).toMatchObject({ customers: 150, duplicateAttempts: 0 });
  } finally {
    sim.guanyi.setFaults({ latencyMs: 0 });
    await w.close();
  }
}, 150_000);
