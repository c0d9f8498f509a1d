// The heartbeat's `runs` (linked as /runs/<id> on the overview's 工作进程 panel) are runs only. Found
// by session 33's audit: they were the keys of the worker's lockLost map, which holds every job that
// watches its lock, so a reconciliation (对账) in progress was listed, linked to a run that does not exist.
import type { Config } from "@qiao/db";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import { aliveWorkers, requestReconciliation } from "@qiao/jobs";
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
