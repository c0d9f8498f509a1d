// The producer side against real Postgres and Redis (own prefix), no worker: requesting, refusing,
// cancelling and reconciling runs, and syncing schedules. Executing them is apps/worker's test.
import { validateCron } from "@qiao/core";
import { createRun, type Config } from "@qiao/db";
import { transientFailures } from "@qiao/db/testing";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cancelRun } from "./cancel-run";
import type { JobsLogger } from "./logger";
import { createRunQueue, JOB, RUN_JOB_OPTIONS } from "./queue";
import { reconcileRuns } from "./reconciler";
import { requestRun, RunRequestError } from "./request-run";
import { retryJobId, scheduleRetry } from "./retries";
import { syncSchedules, syncSchemeSchedule } from "./schedules";
import { SchemeBusyError } from "./index";
import { openQueueTestBed, type QueueTestBed } from "./testing";

const warnings: string[] = [];
const log: JobsLogger = { warn: (_details, message) => void warnings.push(message) };
let bed: QueueTestBed;
let t: TestDb;
let sim: Simulated;
let cfg: Config;
let queue: Queue;

beforeAll(async () => {
  bed = await openQueueTestBed("jobs", 5);
  ({ t, sim, cfg, queue } = bed);
});

afterAll(() => bed?.close());

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

    expect(await cancelRun(t.db, queue, run.id)).toMatchObject({ status: "cancelled", cancelRequested: true });
    // The cancelled run's job left the queue; the dry run's is still there until it is cancelled too.
    expect(await queue.getJob(run.id)).toBeUndefined();
    expect(await queue.getJob(dry.id)).toBeDefined();
    await cancelRun(t.db, queue, dry.id);
    expect(await queue.getJobCountByTypes("waiting")).toBe(0);
  });

  test("an idempotency key returns the first run; invalid requests are typed errors", async () => {
    const scheme = await sim.createScheme();
    const a = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual", idempotencyKey: `k-${scheme.id}` });
    const b = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual", idempotencyKey: `k-${scheme.id}` });
    expect(b.id).toBe(a.id);
    await cancelRun(t.db, queue, a.id);

    const invalid = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "test", options: { sampleSize: 0 } }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(RunRequestError);
    expect((invalid as RunRequestError).issues[0]?.path).toBe("sampleSize");
    const noTarget = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "retry" }).catch((e: unknown) => e);
    expect(noTarget).toMatchObject({ code: "invalid" });
    const missing = await requestRun(t.db, queue, { schemeId: "00000000-0000-4000-8000-000000000000", trigger: "manual" }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: "not_found" });
    await queue.drain();
  });

  test("a retry of a run says so in its options: retention deleting that run makes it fail, not retry the whole scheme (session 31)", async () => {
    const scheme = await sim.createScheme();
    const retried = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
    await t.db.run.update({ where: { id: retried.id }, data: { status: "failed", phase: "done", finishedAt: new Date() } });
    const retry = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "retry", retryOfId: retried.id });
    expect(retry.options).toMatchObject({ scope: "run" });
    await cancelRun(t.db, queue, retry.id);
    const whole = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "retry", options: { scope: "scheme" } });
    expect(whole.options).toMatchObject({ scope: "scheme" });
    await cancelRun(t.db, queue, whole.id);
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

    await cancelRun(t.db, queue, first.id);
    const own = await ask(scheme.id, "user-b");
    expect(own).toMatchObject({ createdById: "user-b", status: "queued" });
    expect(own.id).not.toBe(first.id);
    await cancelRun(t.db, queue, own.id);
    await cancelRun(t.db, queue, elsewhere.id);
    await queue.drain();
  });
});

describe("cancelRun", () => {
  test("a running run is only asked to stop: its job, held or delayed by a worker, stays", async () => {
    const scheme = await sim.createScheme();
    const run = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });
    await t.db.run.update({ where: { id: run.id }, data: { status: "running" } });
    expect(await cancelRun(t.db, queue, run.id, log)).toMatchObject({ status: "running", cancelRequested: true });
    expect(await queue.getJob(run.id)).toBeDefined();
    await t.db.run.update({ where: { id: run.id }, data: { status: "cancelled" } });
    await queue.drain();
  });

  test("a running run whose job is delayed (waiting for unknown outcomes) is resumed at once, so the cancel takes effect now", async () => {
    const scheme = await sim.createScheme();
    const run = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });
    await t.db.run.update({ where: { id: run.id }, data: { status: "running", waitingUntil: new Date(Date.now() + 3_600_000) } });
    // As the worker leaves it (moveToDelayed): due in an hour.
    await (await queue.getJob(run.id))!.remove();
    await queue.add(JOB.run, { runId: run.id }, { ...RUN_JOB_OPTIONS, jobId: run.id, delay: 3_600_000 });
    expect(await (await queue.getJob(run.id))!.getState()).toBe("delayed");
    expect(await cancelRun(t.db, queue, run.id, log)).toMatchObject({ status: "running", cancelRequested: true });
    expect(await (await queue.getJob(run.id))!.getState()).toBe("waiting");
    await t.db.run.update({ where: { id: run.id }, data: { status: "cancelled" } });
    await queue.drain();
  });

  test("an automatic retry whose cancel while queued failed its due records keeps its job, for the follow-ups; one that changed nothing leaves the queue", async () => {
    const scheme = await sim.createScheme();
    const first = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
    await t.db.run.update({ where: { id: first.id }, data: { status: "partial", phase: "done", failed: 2, finishedAt: new Date() } });
    await transientFailures(t.db, { schemeId: scheme.id, runId: first.id, count: 2 });
    const automatic = { scope: "scheme", automatic: true };
    const retry = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "retry", options: automatic });
    // At the schedule's last step: two dead letters, which the worker taking the job announces.
    expect(await cancelRun(t.db, queue, retry.id, log)).toMatchObject({ status: "cancelled", attempt: 0, failed: 2 });
    expect(await queue.getJob(retry.id)).toBeDefined();
    // Nothing is due any more: the next one changes nothing, and its job goes.
    const next = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "retry", options: automatic });
    expect(await cancelRun(t.db, queue, next.id, log)).toMatchObject({ status: "cancelled", failed: 0 });
    expect(await queue.getJob(next.id)).toBeUndefined();
    await queue.drain();
  });

  test("the database decides even when Redis is gone: the run is cancelled and the failure logged", async () => {
    const scheme = await sim.createScheme();
    const run = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });
    const closed = createRunQueue(cfg);
    await closed.close();
    warnings.length = 0;
    expect(await cancelRun(t.db, closed, run.id, log)).toMatchObject({ status: "cancelled" });
    expect(warnings).toEqual([expect.stringContaining("could not remove the cancelled run's job")]);
    await queue.drain();
  });
});

describe("reconcileRuns", () => {
  test("enqueues an active run that has no job, once; leaves a delayed job (a run waiting for unknown outcomes) alone", async () => {
    const scheme = await sim.createScheme();
    const lost = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
    expect(await reconcileRuns(t.db, queue, 0, log)).toBe(1);
    expect((await queue.getJob(lost.id))?.data).toEqual({ runId: lost.id });
    expect(await reconcileRuns(t.db, queue, 0, log)).toBe(0);
    await cancelRun(t.db, queue, lost.id);

    const waiting = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
    await t.db.run.update({ where: { id: waiting.id }, data: { status: "running" } });
    await queue.add(JOB.run, { runId: waiting.id }, { jobId: waiting.id, delay: 60_000 });
    expect(await reconcileRuns(t.db, queue, 0, log)).toBe(0);
    expect(await (await queue.getJob(waiting.id))?.getState()).toBe("delayed");
    await t.db.run.update({ where: { id: waiting.id }, data: { status: "cancelled" } });
    await (await queue.getJob(waiting.id))?.remove();
  });

  test("looks past a backlog of queued runs whose jobs wait: a lost run created after them is enqueued", async () => {
    const backlog = [];
    for (let i = 0; i < 3; i++) {
      const run = await createRun(t.db, { schemeId: (await sim.createScheme()).id, schemeVersion: 1, trigger: "manual" });
      await queue.add(JOB.run, { runId: run.id }, { jobId: run.id, delay: 60_000 });
      backlog.push(run);
    }
    const lost = await createRun(t.db, { schemeId: (await sim.createScheme()).id, schemeVersion: 1, trigger: "manual" });
    // Pages of two: the backlog fills the first page and half the second.
    expect(await reconcileRuns(t.db, queue, 0, log, 2)).toBe(1);
    expect((await queue.getJob(lost.id))?.data).toEqual({ runId: lost.id });
    for (const run of [...backlog, lost]) {
      await t.db.run.update({ where: { id: run.id }, data: { status: "cancelled" } });
      await (await queue.getJob(run.id))?.remove();
    }
  });
});

test("syncSchedules: one scheduler per enabled scheme with a cron, in its timezone; others are removed", async () => {
  const other = await sim.createScheme();
  await t.db.scheme.update({ where: { id: other.id }, data: { cron: "0 3 * * *", timezone: "Asia/Shanghai" } });
  await syncSchemeSchedule(queue, { id: "00000000-0000-4000-8000-00000000dead", cron: "0 4 * * *", timezone: "UTC", enabled: true });

  expect(await syncSchedules(t.db, queue)).toMatchObject({ removed: 1 });
  const schedulers = await queue.getJobSchedulers(0, -1);
  expect(schedulers.filter((s) => s.name === JOB.schedule)).toMatchObject([{ key: other.id, pattern: "0 3 * * *", tz: "Asia/Shanghai" }]);
  expect(await syncSchemeSchedule(queue, { id: other.id, cron: "0 3 * * *", timezone: "Asia/Shanghai", enabled: false })).toBe("removed");
  expect(await queue.getJobSchedulers(0, -1)).toEqual([]);
});

test("what the scheme's cron check accepts, BullMQ schedules in the scheme's timezone", async () => {
  const id = "00000000-0000-4000-8000-00000000c0de";
  for (const cron of ["*/5 * * * * *", "@daily", "@weekdays", "0 9 ? * sun", "30 */2 1-15/3 JAN,jul *", "0 0 L * *"]) {
    expect(validateCron(cron)).toEqual({ ok: true });
    expect(await syncSchemeSchedule(queue, { id, cron, timezone: "Asia/Shanghai", enabled: true })).toBe("scheduled");
    const scheduler = await queue.getJobScheduler(id);
    expect(scheduler).toMatchObject({ pattern: cron, tz: "Asia/Shanghai" });
    expect(scheduler?.next).toBeGreaterThan(Date.now() - 1000);
  }
  await syncSchemeSchedule(queue, { id, cron: null, timezone: "Asia/Shanghai", enabled: false });
});

test("scheduleRetry moves the retry job earlier, never later, also when it cannot tell when the job fires", async () => {
  const schemeId = "00000000-0000-4000-8000-0000000be7a1";
  const jobId = retryJobId(schemeId);
  // When the job really fires: its score in the delayed set.
  const firesAt = async () => Math.floor(Number(await (await queue.getBackend().client).zscore(`${cfg.REDIS_PREFIX}:runs:delayed`, jobId)) / 0x1000);
  const now = Date.now();
  expect(await scheduleRetry(queue, schemeId, new Date(now + 3_600_000), now)).toBe("added");
  expect(await scheduleRetry(queue, schemeId, new Date(now + 7_200_000), now)).toBe("kept");
  expect(Math.abs((await firesAt()) - (now + 3_600_000))).toBeLessThan(1_000);
  expect(await scheduleRetry(queue, schemeId, new Date(now + 60_000), now)).toBe("moved");
  expect(Math.abs((await firesAt()) - (now + 60_000))).toBeLessThan(1_000);
  expect(await scheduleRetry(queue, schemeId, new Date(now + 120_000), now)).toBe("kept");

  // A job queued two hours ago, before retry jobs carried their due time (`dueAt`), and delayed since
  // to an hour from now (BullMQ then keeps its timestamp and sets its delay from now).
  await (await queue.getJob(jobId))!.remove();
  const legacy = await queue.add(JOB.retry, { schemeId }, { jobId, timestamp: now - 7_200_000, delay: 7_200_000 + 60_000 });
  await legacy.changeDelay(3_600_000);
  expect(await scheduleRetry(queue, schemeId, new Date(now + 60_000), now)).toBe("moved");
  expect(Math.abs((await firesAt()) - (now + 60_000))).toBeLessThan(1_000);
  await (await queue.getJob(jobId))!.remove();
});

describe("worker heartbeats", () => {
  test("a beat lists the worker until it is forgotten; a malformed key is ignored", async () => {
    const { aliveWorkers, beat, forgetWorker } = await import("./workers");
    const now = new Date().toISOString();
    const w = { id: "w-1", host: "h", pid: 1, version: "0.1.0", startedAt: now, beatAt: now, runs: ["r"] };
    await beat(queue, w);
    await beat(queue, { ...w, id: "w-2", runs: [] });
    const client = await queue.getBackend().client;
    await client.set(`${cfg.REDIS_PREFIX}:qiao:worker:junk`, "{}", { PX: 10_000 });
    expect((await aliveWorkers(queue)).map((b) => [b.id, b.runs])).toEqual([
      ["w-1", ["r"]],
      ["w-2", []],
    ]);
    await forgetWorker(queue, "w-1");
    await forgetWorker(queue, "w-2");
    expect(await aliveWorkers(queue)).toEqual([]);
  });
});
