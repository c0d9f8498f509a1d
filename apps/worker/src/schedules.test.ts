// Cron ticks across worker starts and scheme saves: a tick that falls due while no worker runs is
// kept in Redis, and it must still run once a worker is up (syncSchemeSchedule, syncSchedules).
// Real Postgres (own database), Redis (own prefix) and the simulators, as in worker.test.ts.
import type { Config } from "@qiao/db";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import { reconcileSchedulerId, syncReconcileSchedule, syncSchemeSchedule } from "@qiao/jobs";
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
  bed = await openQueueTestBed("schedules", 5);
  ({ t, sim, cfg, queue } = bed);
});

afterEach(async () => {
  await worker?.close();
  worker = undefined;
});

afterAll(() => bed?.close());

async function start(): Promise<void> {
  worker = await startWorker({
    db: t.db,
    config: cfg,
    logger: log,
    settings: { ...workerSettings({}), WORKER_CONNECTION_QPS: 1000, WORKER_RECONCILE_INTERVAL_MS: 60_000 },
  });
}

const scheduledRuns = (schemeId: string) => t.db.run.count({ where: { schemeId, trigger: "schedule" } });

/** A scheme with a daily cron (UTC) whose time is 2 s from now, e.g. the nightly sync at 02:00; its tick's job id and time. */
async function dailyTickSoon(): Promise<{ schemeId: string; tickId: string; at: Date }> {
  const scheme = await sim.createScheme();
  const at = new Date(Math.ceil((Date.now() + 2_000) / 1000) * 1000);
  const cron = `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
  await t.db.scheme.update({ where: { id: scheme.id }, data: { cron, timezone: "UTC", enabled: true } });
  await syncSchemeSchedule(queue, { id: scheme.id, cron, timezone: "UTC", enabled: true });
  const tickId = `repeat:${scheme.id}:${at.getTime()}`;
  expect(await queue.getJob(tickId)).toBeDefined();
  return { schemeId: scheme.id, tickId, at };
}

/** No worker runs at that time (all were down, or being redeployed): the tick falls due and stays in Redis. */
async function dueWithNoWorker(tickId: string, at: Date): Promise<void> {
  await new Promise((r) => setTimeout(r, at.getTime() - Date.now() + 1_500));
  expect(await (await queue.getJob(tickId))?.getState()).toBe("delayed");
}

test("a cron tick that fell due while no worker was running is run when a worker starts (not dropped by the start's syncSchedules)", async () => {
  const { schemeId, tickId, at } = await dailyTickSoon();
  await dueWithNoWorker(tickId, at);

  // A worker comes up: the tick that fell due runs now, as BullMQ would run it.
  await start();
  await expect.poll(() => scheduledRuns(schemeId), { timeout: 15_000, interval: 200 }).toBe(1);
}, 40_000);

test("a scheme saved with another cron while its tick is due still runs that tick, once, then follows the new cron", async () => {
  const { schemeId, tickId, at } = await dailyTickSoon();
  await dueWithNoWorker(tickId, at);

  // Someone saves the scheme with a new cron before a worker is back.
  const cron = "0 30 3 * * *";
  await t.db.scheme.update({ where: { id: schemeId }, data: { cron } });
  await syncSchemeSchedule(queue, { id: schemeId, cron, timezone: "UTC", enabled: true });
  expect(await queue.getJobScheduler(schemeId)).toMatchObject({ pattern: cron, tz: "UTC" });
  expect((await queue.getJobScheduler(schemeId))!.next).toBeGreaterThan(Date.now());

  await start();
  await expect.poll(() => scheduledRuns(schemeId), { timeout: 15_000, interval: 200 }).toBe(1);
  await new Promise((r) => setTimeout(r, 1_000));
  expect(await scheduledRuns(schemeId)).toBe(1);
}, 40_000);

test("a reconciliation tick that fell due while no worker was running is run when a worker starts", async () => {
  const scheme = await sim.createScheme();
  const at = new Date(Math.ceil((Date.now() + 2_000) / 1000) * 1000);
  const reconcileCron = `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
  await t.db.scheme.update({ where: { id: scheme.id }, data: { reconcileCron, timezone: "UTC", enabled: true } });
  await syncReconcileSchedule(queue, { id: scheme.id, reconcileCron, timezone: "UTC", enabled: true, cron: null });
  const tickId = `repeat:${reconcileSchedulerId(scheme.id)}:${at.getTime()}`;
  expect(await queue.getJob(tickId)).toBeDefined();
  await dueWithNoWorker(tickId, at);

  await start();
  await expect.poll(() => t.db.reconciliation.count({ where: { schemeId: scheme.id } }), { timeout: 15_000, interval: 200 }).toBe(1);
}, 40_000);
