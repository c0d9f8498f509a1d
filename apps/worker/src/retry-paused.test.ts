// Switching a scheme's run schedule off (启用 off) pauses "the rest of the scheme's automation"
// (docs/decisions.md, session 17: the schedule, the reconciliation cron and run-after; the stale
// alert too). The retry policy's delayed job did not look at the switch (session 27's audit): an
// operator who paused a scheme (金蝶 being closed for the month, or the scheme writing something
// wrong) still got its failed records written into 金蝶 by automatic retries, step after step,
// unattended. Now the retries wait, keeping their due time, and run once the scheme is switched on.
import { changeScheme, schemesWithRetries, type Config } from "@qiao/db";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import { requestRun } from "@qiao/jobs";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterEach, beforeEach, expect, test } from "vitest";
import { createWorkerMetrics } from "./metrics";
import { restoreRetries } from "./retries";
import { workerSettings } from "./settings";
import { startWorker, type RunningWorker } from "./worker";

const log = pino({ level: "silent" });
let bed: QueueTestBed;
let t: TestDb;
let sim: Simulated;
let cfg: Config;
let queue: Queue;
let worker: RunningWorker | undefined;

beforeEach(async () => {
  bed = await openQueueTestBed("retry_paused", 10);
  ({ t, sim, cfg, queue } = bed);
});

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  await bed?.close();
});

test("a scheme whose run schedule was switched off gets no automatic retry run (nothing more is written to 金蝶)", async () => {
  const cron = "0 3 * * *";
  const s = await sim.createScheme((def) => {
    def.retry = { backoffMs: [3_000, 6_000] };
    def.schedule = { cron, enabled: true };
  });
  await t.db.scheme.update({ where: { id: s.id }, data: { cron, enabled: true } });
  // The first run meets a 网控 conflict (transient): its records are due for a retry in 3 s.
  sim.kingdee.injectNext({ fault: "netControl", service: "BatchSave" });
  worker = await startWorker({
    db: t.db,
    config: cfg,
    logger: log,
    settings: { ...workerSettings({}), WORKER_CONNECTION_QPS: 1000, WORKER_RECONCILE_INTERVAL_MS: 60_000 },
  });
  const run = await requestRun(t.db, queue, { schemeId: s.id, trigger: "manual" });
  await expect.poll(async () => (await t.db.run.findUniqueOrThrow({ where: { id: run.id } })).status, { timeout: 20_000, interval: 50 }).toBe("failed");
  expect(await t.db.sourceRecord.count({ where: { schemeId: s.id, status: "failed", errorClass: "transient", retryAt: { not: null } } })).toBe(10);

  // The operator switches the scheme's schedule off (the list's switch) before the retry is due.
  await changeScheme(t.db, s.id, { enabled: false });

  // Well past the first step: no retry run, no further BatchSave.
  await new Promise((r) => setTimeout(r, 6_000));
  const runs = await t.db.run.findMany({ where: { schemeId: s.id }, orderBy: { createdAt: "asc" } });
  expect(runs.map((r) => r.trigger)).toEqual(["manual"]);
  expect(sim.kingdee.stats().customers).toBe(0);
  // The records kept their retry time; the restore step leaves a paused scheme alone.
  expect(await t.db.sourceRecord.count({ where: { schemeId: s.id, status: "failed", retryAt: { not: null } } })).toBe(10);
  expect(await schemesWithRetries(t.db)).toEqual([]);

  // Switched on again: the restore step (once a minute) schedules the retry, which writes them.
  await changeScheme(t.db, s.id, { enabled: true });
  await restoreRetries.run({ db: t.db, queue, cfg, log, metrics: createWorkerMetrics() }, new Date());
  await expect.poll(async () => t.db.run.count({ where: { schemeId: s.id, trigger: "retry", status: "succeeded" } }), { timeout: 20_000, interval: 100 }).toBe(1);
  expect(sim.kingdee.stats().customers).toBe(10);
  expect(sim.kingdee.stats().duplicateAttempts).toBe(0);
}, 60_000);
