// The retry policy end to end (issue #14): the worker in-process against real Postgres, Redis (own
// prefix) and the simulators, with short schedules set in the scheme. 金蝶's 网控 conflict (MsgCode
// 13, queued in the simulator) is the transient failure; a shop without a name is the data error.
import { countFailedRecords, listFailedRecords, listRecordAttempts, type Config } from "@qiao/db";
import { ledgerOf, type Simulated, type TestDb } from "@qiao/engine/testing";
import { requestRun, retryJobId, scheduleRetry } from "@qiao/jobs";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { WorkerDeps } from "./follow-ups";
import { createWorkerMetrics } from "./metrics";
import { restoreRetries, retryFollowUp, type RecordsDeadLettered } from "./retries";
import { workerSettings } from "./settings";
import { startWorker, type RunningWorker } from "./worker";

const log = pino({ level: "silent" });
const SHOPS = 30;
let bed: QueueTestBed;
let t: TestDb;
let sim: Simulated;
let cfg: Config;
let queue: Queue;
let worker: RunningWorker | undefined;

beforeEach(async () => {
  bed = await openQueueTestBed("retries", SHOPS);
  ({ t, sim, cfg, queue } = bed);
});

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  await bed?.close();
});

async function start(): Promise<void> {
  worker = await startWorker({
    db: t.db,
    config: cfg,
    logger: log,
    settings: { ...workerSettings({}), WORKER_CONNECTION_QPS: 1000, WORKER_RECONCILE_INTERVAL_MS: 60_000 },
  });
}

function scheme(backoffMs: number[]) {
  return sim.createScheme((def) => {
    def.retry = { backoffMs };
  });
}

const netControl = (n: number) => Array.from({ length: n }, () => ({ fault: "netControl" as const, service: "BatchSave" }));

function runsOf(schemeId: string) {
  return t.db.run.findMany({ where: { schemeId }, orderBy: { createdAt: "asc" } });
}

/** Until the scheme has no active run and `done` holds. */
async function settle(schemeId: string, done: () => Promise<boolean>, timeout = 20_000) {
  await expect
    .poll(async () => (await runsOf(schemeId)).every((r) => r.status !== "queued" && r.status !== "running") && (await done()), { timeout, interval: 100 })
    .toBe(true);
}

/** When a delayed job really fires: its score in the delayed set (BullMQ keeps `timestamp` from when it was added). */
async function firesAt(jobId: string): Promise<number | null> {
  const client = await queue.getBackend().client;
  const score = await client.zscore(`${cfg.REDIS_PREFIX}:runs:delayed`, jobId);
  return score === null ? null : Math.floor(Number(score) / 0x1000);
}

function expectOnceEach(report: Awaited<ReturnType<typeof ledgerOf>>, written: number) {
  expect({ lost: report.lost, inconsistent: report.inconsistent, duplicates: report.duplicates }).toEqual({ lost: [], inconsistent: [], duplicates: [] });
  expect(report.duplicateAttempts).toBe(0);
  expect(report.written).toBe(written);
}

describe("automatic retries", () => {
  test("a 金蝶 that fails transiently for the first two retry steps recovers with no user action and writes every record once", async () => {
    const s = await scheme([200, 400, 800]);
    // The first run's BatchSave and those of the first two retries meet a 网控 conflict.
    sim.kingdee.injectNext(...netControl(3));
    await start();
    await requestRun(t.db, queue, { schemeId: s.id, trigger: "manual" });

    await settle(s.id, async () => sim.kingdee.stats().customers === SHOPS);
    const runs = await runsOf(s.id);
    expect(runs.map((r) => [r.trigger, r.status, r.written, r.failed])).toEqual([
      ["manual", "failed", 0, SHOPS],
      ["retry", "failed", 0, SHOPS],
      ["retry", "failed", 0, SHOPS],
      ["retry", "succeeded", SHOPS, 0],
    ]);
    expect(runs.slice(1).every((r) => (r.options as { automatic?: boolean }).automatic === true && r.createdById === null)).toBe(true);
    expect(sim.kingdee.stats().calls.BatchSave).toBe(4);
    expectOnceEach(await ledgerOf(t.db, sim, s.id), SHOPS);

    // Each failure was recorded as transient, and the retries followed the schedule.
    const failures = await t.db.runOutcome.findMany({ where: { runId: runs[0]!.id } });
    expect(new Set(failures.map((f) => f.errorClass))).toEqual(new Set(["transient"]));
    // From the moment each failure was recorded (its RunRecords: the same statement sets retry_at
    // to now() + the step) to the retry's creation. Not from the run's finishedAt, which comes after
    // the recording by however long finishing takes on a loaded machine.
    const recordedAt = await Promise.all(
      runs.slice(0, 3).map(async (r) => (await t.db.runRecord.aggregate({ where: { runId: r.id }, _max: { createdAt: true } }))._max.createdAt!.getTime()),
    );
    const gaps = runs.slice(1).map((r, i) => r.createdAt.getTime() - recordedAt[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(200);
    expect(gaps[1]).toBeGreaterThanOrEqual(400);
    expect(gaps[2]).toBeGreaterThanOrEqual(800);
    const staged = await t.db.sourceRecord.findMany({ where: { schemeId: s.id } });
    expect(staged.every((r) => r.status === "written" && r.retryAt === null && r.deadAt === null && r.retryStep === 0 && r.errorClass === null)).toBe(true);
    expect(await queue.getJob(retryJobId(s.id))).toBeUndefined();
  }, 40_000);

  test("a data error is not retried automatically", async () => {
    const blank = sim.guanyi.modifyShops([{ id: 710944500000, set: { name: "   " } }, { id: 710944500007, set: { name: "   " } }]);
    expect(blank).toBeDefined();
    const s = await scheme([200, 400]);
    await start();
    await requestRun(t.db, queue, { schemeId: s.id, trigger: "manual" });
    await settle(s.id, async () => (await countFailedRecords(t.db, s.id)) === 2);

    const failed = await listFailedRecords(t.db, { schemeId: s.id, afterId: 0n, limit: 10 });
    expect(failed.map((f) => [f.errorClass, f.retryAt, f.deadAt])).toEqual([
      ["data", null, null],
      ["data", null, null],
    ]);
    // Longer than the whole schedule: still one run, no retry job.
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await runsOf(s.id)).map((r) => r.trigger)).toEqual(["manual"]);
    expect(await queue.getJob(retryJobId(s.id))).toBeUndefined();
    expect(sim.kingdee.stats().customers).toBe(SHOPS - 2);
  }, 30_000);

  test("after the last step the records are dead letters, with their attempts; retried by hand they are written once", async () => {
    const s = await scheme([200, 400]);
    sim.kingdee.injectNext(...netControl(3));
    await start();
    await requestRun(t.db, queue, { schemeId: s.id, trigger: "manual" });
    await settle(s.id, async () => (await countFailedRecords(t.db, s.id, "dead")) === SHOPS);

    const runs = await runsOf(s.id);
    expect(runs.map((r) => [r.trigger, r.status])).toEqual([
      ["manual", "failed"],
      ["retry", "failed"],
      ["retry", "failed"],
    ]);
    const [dead] = await listFailedRecords(t.db, { schemeId: s.id, afterId: 0n, limit: 1, only: "dead" });
    expect(dead).toMatchObject({ errorClass: "transient", retryAt: null, retryStep: 2 });
    const attempts = await listRecordAttempts(t.db, { schemeId: s.id, recordId: dead!.id, limit: 10 });
    expect(attempts.map((a) => [a.trigger, a.status, a.errorClass])).toEqual([
      ["retry", "failed", "transient"],
      ["retry", "failed", "transient"],
      ["manual", "failed", "transient"],
    ]);
    expect(attempts[0]!.error).toContain("网控");
    // Nothing left to retry automatically.
    await new Promise((r) => setTimeout(r, 800));
    expect(await runsOf(s.id)).toHaveLength(3);

    // The seam for alerts: the run that dead-lettered them says how many.
    const heard: RecordsDeadLettered[] = [];
    const deps: WorkerDeps = { db: t.db, queue, cfg, log, metrics: createWorkerMetrics() };
    await retryFollowUp(async (_, e) => void heard.push(e)).run(deps, runs[2]!);
    await retryFollowUp(async (_, e) => void heard.push(e)).run(deps, runs[1]!);
    expect(heard).toEqual([{ schemeId: s.id, runId: runs[2]!.id, count: SHOPS }]);
    // A run that failed nothing asks nothing: its records cannot have become due or dead.
    let asked = 0;
    const counting = new Proxy(t.db, {
      get: (target, key, receiver) => {
        if (typeof key === "string" && key.startsWith("$query")) asked++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    await retryFollowUp(async (_, e) => void heard.push(e)).run({ ...deps, db: counting }, { ...runs[2]!, failed: 0 });
    expect(asked).toBe(0);
    await retryFollowUp(async (_, e) => void heard.push(e)).run({ ...deps, db: counting }, runs[2]!);
    expect(asked).toBeGreaterThan(0);

    // By hand: one of them, then all the others; each written once.
    const one = await requestRun(t.db, queue, { schemeId: s.id, trigger: "retry", options: { scope: "scheme", deadLetters: true, sourceRecordIds: [String(dead!.id)] } });
    await settle(s.id, async () => sim.kingdee.stats().customers === 1);
    expect(await t.db.run.findUniqueOrThrow({ where: { id: one.id } })).toMatchObject({ status: "succeeded", written: 1 });
    await requestRun(t.db, queue, { schemeId: s.id, trigger: "retry", options: { scope: "scheme", deadLetters: true } });
    await settle(s.id, async () => sim.kingdee.stats().customers === SHOPS);
    expect(await countFailedRecords(t.db, s.id)).toBe(0);
    expectOnceEach(await ledgerOf(t.db, sim, s.id), SHOPS);
  }, 40_000);

  test("a retry job Redis lost is restored from Postgres by the maintenance step", async () => {
    const s = await scheme([60_000, 120_000]);
    sim.kingdee.injectNext(...netControl(1));
    await start();
    await requestRun(t.db, queue, { schemeId: s.id, trigger: "manual" });
    await settle(s.id, async () => (await queue.getJob(retryJobId(s.id))) !== undefined);
    const [first] = await listFailedRecords(t.db, { schemeId: s.id, afterId: 0n, limit: 1 });
    const due = first!.retryAt!.getTime();

    await (await queue.getJob(retryJobId(s.id)))!.remove();
    await restoreRetries.run({ db: t.db, queue, cfg, log, metrics: createWorkerMetrics() }, new Date());
    const restored = await queue.getJob(retryJobId(s.id));
    expect(await restored!.getState()).toBe("delayed");
    expect(Math.abs(restored!.timestamp + restored!.delay - due)).toBeLessThan(1_000);
  }, 30_000);

  test("a retry job that was moved to later by its own firing still moves earlier for a new, earlier failure", async () => {
    const s = await sim.createScheme();
    const now = Date.now();
    // A transient failure due in an hour.
    await t.db.sourceRecord.create({
      data: { schemeId: s.id, sourceId: "later", data: {}, payloadHash: "x", status: "failed", errorClass: "transient", retryStep: 2, retryAt: new Date(now + 3_600_000), lastError: "busy" },
    });
    // The scheme's retry job, scheduled for a record due now (since written by hand, so nothing is
    // due when the job fires).
    expect(await scheduleRetry(queue, s.id, new Date(now))).toBe("added");

    // The worker takes the job: nothing due, so the job delays itself to the record due in an hour.
    await start();
    await expect.poll(async () => (await firesAt(retryJobId(s.id))) ?? 0, { timeout: 15_000, interval: 100 }).toBeGreaterThan(now + 3_000_000);

    // A new transient failure, due in one minute (what the run's retry-policy follow-up schedules).
    const due = new Date(Date.now() + 60_000);
    await t.db.sourceRecord.create({
      data: { schemeId: s.id, sourceId: "soon", data: {}, payloadHash: "y", status: "failed", errorClass: "transient", retryStep: 0, retryAt: due, lastError: "busy" },
    });
    expect(await scheduleRetry(queue, s.id, due)).toBe("moved");
    // …and the maintenance step that restores retry jobs.
    await restoreRetries.run({ db: t.db, queue, cfg, log, metrics: createWorkerMetrics() }, new Date());

    // The job must fire by the new due time, not an hour later.
    expect((await firesAt(retryJobId(s.id)))!).toBeLessThanOrEqual(due.getTime() + 1_000);
  }, 40_000);
});
