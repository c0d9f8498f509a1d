// What a cron tick does when the scheme is busy, or when the scheduler that fired it no longer ticks
// on the scheme's cron. Session 30's audit found a tick that met the scheme busy dropped for good
// (processTick: SchemeBusyError → "skipped", one line in the other run's log), whatever kept the
// scheme busy: a `dependency` run (released waiting records, started by another scheme's writes) or
// an automatic `retry` run reads nothing, so a daily schedule (the nightly 02:00 sync) whose tick met
// one did not read its source that day. Now such a tick is deferred (@qiao/jobs deferred-ticks.ts)
// and its run requested once the scheme is free, as run-after chains were in session 17; a tick that
// meets a run which reads the source is still skipped (worker.test.ts). And the same audit found a
// scheduler left on an older cron by a save racing a sync: a tick it fires does not run, and puts the
// scheduler back to the scheme's cron (the reconciler's pass does too: @qiao/jobs schedules-drift.test.ts).
// Real Postgres (own database), Redis (own prefix) and the simulators, as in schedules.test.ts.
import { createRun, type Config } from "@qiao/db";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import { JOB, syncSchemeSchedule } from "@qiao/jobs";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { workerSettings } from "./settings";
import { startWorker, type RunningWorker } from "./worker";

const log = pino({ level: "silent" });
let bed: QueueTestBed;
let t: TestDb;
let sim: Simulated;
let cfg: Config;
let queue: Queue;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  bed = await openQueueTestBed("auditbusytick", 5);
  ({ t, sim, cfg, queue } = bed);
}, 120_000);

afterEach(async () => {
  await worker?.close();
  worker = undefined;
});

afterAll(() => bed?.close());

test("a daily tick that meets a dependency run (which reads nothing) still reads the source once the scheme is free", async () => {
  const scheme = await sim.createScheme();
  // A daily cron (UTC) due 3 s from now: the nightly sync.
  const at = new Date(Math.ceil((Date.now() + 3_000) / 1000) * 1000);
  const cron = `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
  await t.db.scheme.update({ where: { id: scheme.id }, data: { cron, timezone: "UTC", enabled: true } });
  await syncSchemeSchedule(queue, { id: scheme.id, cron, timezone: "UTC", enabled: true });

  // Another scheme's writes released this scheme's waiting records: a dependency run is queued, and a
  // worker takes it a couple of seconds after the tick.
  const dependency = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "dependency" });
  await queue.add(JOB.run, { runId: dependency.id }, { jobId: dependency.id, delay: at.getTime() + 2_000 - Date.now() });

  worker = await startWorker({
    db: t.db,
    config: cfg,
    logger: log,
    settings: { ...workerSettings({}), WORKER_CONNECTION_QPS: 1000, WORKER_RECONCILE_INTERVAL_MS: 60_000 },
  });

  // The dependency run ends; the tick that fell due during it was skipped (its log says so).
  await expect.poll(async () => (await t.db.run.findUniqueOrThrow({ where: { id: dependency.id } })).status, { timeout: 20_000, interval: 200 }).toBe("succeeded");
  const logs = await t.db.runLog.findMany({ where: { runId: dependency.id }, select: { message: true } });
  expect(logs.map((l) => l.message)).toContain("定时触发已跳过：本方案的这次运行尚未结束");

  // The scheme is free again: the day's scheduled read must still happen (not tomorrow at this time).
  await expect
    .poll(() => t.db.run.count({ where: { schemeId: scheme.id, trigger: "schedule" } }), { timeout: 10_000, interval: 250 })
    .toBeGreaterThan(0);
}, 60_000);

test("a tick fired by a scheduler left on a cron that is no longer the scheme's does not run, and puts the scheduler back", async () => {
  const scheme = await sim.createScheme();
  // The scheme's cron is daily; a racing sync left its scheduler ticking every second.
  await t.db.scheme.update({ where: { id: scheme.id }, data: { cron: "0 2 * * *", timezone: "UTC", enabled: true } });
  await syncSchemeSchedule(queue, { id: scheme.id, cron: "*/1 * * * * *", timezone: "UTC", enabled: true });

  worker = await startWorker({
    db: t.db,
    config: cfg,
    logger: log,
    settings: { ...workerSettings({}), WORKER_RECONCILE_INTERVAL_MS: 60_000 },
  });
  // The start's sync put it right already (it reads Redis, then the database); the racing sync again:
  await syncSchemeSchedule(queue, { id: scheme.id, cron: "*/1 * * * * *", timezone: "UTC", enabled: true });
  await expect.poll(async () => (await queue.getJobScheduler(scheme.id))?.pattern, { timeout: 10_000, interval: 200 }).toBe("0 2 * * *");
  expect(await queue.getJobScheduler(scheme.id)).toMatchObject({ tz: "UTC" });
  expect(await t.db.run.count({ where: { schemeId: scheme.id } })).toBe(0);
}, 60_000);
