// A cron tick that meets its scheme busy (./deferred-ticks.ts): skipped when the active run reads the
// source, deferred when it does not, and then run once the scheme is free — once, whoever asks (the
// busy run's follow-up, the sweep of any worker, after a restart: the debt is a row in Postgres).
// Session 30's audit found such ticks dropped for good. Real Postgres and Redis (own prefix).
import { createRun, SchemeBusyError, type RunTrigger } from "@qiao/db";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, expect, test } from "vitest";
import { requestDeferredTicks, tickMetBusyScheme } from "./deferred-ticks";
import { requestRun } from "./request-run";
import { openQueueTestBed, type QueueTestBed } from "./testing";

let bed: QueueTestBed;
let t: TestDb;
let sim: Simulated;
let queue: Queue;
const log = { info: () => undefined, warn: () => undefined };

beforeAll(async () => {
  bed = await openQueueTestBed("deferred-ticks", 1);
  ({ t, sim, queue } = bed);
}, 120_000);

afterAll(() => bed?.close());

/** A scheme on a daily schedule, busy with a run of `trigger`; its tick's run refused as busy. */
async function tickWhileBusy(trigger: RunTrigger) {
  const scheme = await sim.createScheme();
  await t.db.scheme.update({ where: { id: scheme.id }, data: { cron: "0 2 * * *", timezone: "Asia/Shanghai", enabled: true } });
  const busy = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger });
  const idempotencyKey = `schedule:repeat:${scheme.id}:${Date.now()}`;
  const refusal = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "schedule", idempotencyKey }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(refusal).toBeInstanceOf(SchemeBusyError);
  const outcome = await tickMetBusyScheme(t.db, queue, { schemeId: scheme.id, idempotencyKey, busy: refusal as SchemeBusyError }, log);
  const end = () => t.db.run.update({ where: { id: busy.id }, data: { status: "succeeded", phase: "done", finishedAt: new Date() } });
  return { scheme, busy, idempotencyKey, outcome, end };
}

const scheduledRuns = (schemeId: string) => t.db.run.findMany({ where: { schemeId, trigger: "schedule" } });

test("a tick that meets a run which reads the source is skipped: that run does its work", async () => {
  for (const trigger of ["manual", "chain", "schedule"] as const) {
    const { scheme, busy, outcome } = await tickWhileBusy(trigger);
    expect(outcome, trigger).toBe("skipped");
    expect(await t.db.deferredTick.findUnique({ where: { schemeId: scheme.id } }), trigger).toBeNull();
    expect((await t.db.runLog.findMany({ where: { runId: busy.id } })).map((l) => l.message)).toEqual(["定时触发已跳过：本方案的这次运行尚未结束"]);
  }
});

test("a tick that meets a run which reads nothing is run once the scheme is free, once, whoever asks", async () => {
  for (const trigger of ["dependency", "retry"] as const) {
    const { scheme, busy, idempotencyKey, outcome, end } = await tickWhileBusy(trigger);
    expect(outcome, trigger).toBe("deferred");
    expect(await t.db.deferredTick.findUnique({ where: { schemeId: scheme.id } })).toMatchObject({ idempotencyKey, busyRunId: busy.id });
    expect((await t.db.runLog.findMany({ where: { runId: busy.id }, orderBy: { id: "asc" } })).map((l) => l.message)).toEqual([
      "定时触发已跳过：本方案的这次运行尚未结束",
      "本次运行不读取数据源：这次定时读取将在本次运行结束后补上",
    ]);

    // Still busy: nothing yet, and the debt stays.
    expect(await requestDeferredTicks(t.db, queue, log, scheme.id)).toBe(0);
    expect(await t.db.deferredTick.count({ where: { schemeId: scheme.id } })).toBe(1);

    // The busy run ends; its follow-up and two workers' sweeps ask at once (or a worker started after
    // a restart: all they share is the row).
    await end();
    await Promise.all([requestDeferredTicks(t.db, queue, log, scheme.id), requestDeferredTicks(t.db, queue, log), requestDeferredTicks(t.db, queue, log)]);
    const runs = await scheduledRuns(scheme.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.idempotencyKey).toBe(`system:${scheme.id}:${idempotencyKey}`);
    expect(await queue.getJob(runs[0]!.id)).toBeDefined();
    expect(await t.db.deferredTick.count({ where: { schemeId: scheme.id } })).toBe(0);
    // Its own log says it was deferred and by which run, once however many asked.
    const logged = (await t.db.runLog.findMany({ where: { runId: runs[0]!.id } })).map((l) => l.message);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(new RegExp(`^这是 \\S+ 推迟的定时运行：当时本方案的运行 ${busy.id} 尚未结束`));

    // Its run ends too, and a late sweep changes nothing.
    await t.db.run.update({ where: { id: runs[0]!.id }, data: { status: "succeeded", phase: "done", finishedAt: new Date() } });
    expect(await requestDeferredTicks(t.db, queue, log)).toBe(0);
    expect(await scheduledRuns(scheme.id)).toHaveLength(1);
  }
});

test("a deferred tick is forgotten when a run that reads the source came first, or the schedule was switched off", async () => {
  const read = await tickWhileBusy("dependency");
  await read.end();
  // A person ran it by hand before any follow-up or sweep asked: that run read the source.
  const manual = await requestRun(t.db, queue, { schemeId: read.scheme.id, trigger: "manual" });
  expect(await requestDeferredTicks(t.db, queue, log)).toBe(0);
  expect(await t.db.deferredTick.count({ where: { schemeId: read.scheme.id } })).toBe(0);
  await t.db.run.update({ where: { id: manual.id }, data: { status: "succeeded", phase: "done", finishedAt: new Date() } });
  expect(await scheduledRuns(read.scheme.id)).toHaveLength(0);

  const off = await tickWhileBusy("retry");
  await off.end();
  await t.db.scheme.update({ where: { id: off.scheme.id }, data: { enabled: false } });
  expect(await requestDeferredTicks(t.db, queue, log)).toBe(0);
  expect(await t.db.deferredTick.count({ where: { schemeId: off.scheme.id } })).toBe(0);
  expect(await scheduledRuns(off.scheme.id)).toHaveLength(0);
});

test("a second tick deferred while the first still waits replaces it: one read does the work of both", async () => {
  const first = await tickWhileBusy("dependency");
  const later = `schedule:repeat:${first.scheme.id}:${Date.now() + 86_400_000}`;
  const refusal = await requestRun(t.db, queue, { schemeId: first.scheme.id, trigger: "schedule", idempotencyKey: later }).catch((error: unknown) => error);
  expect(await tickMetBusyScheme(t.db, queue, { schemeId: first.scheme.id, idempotencyKey: later, busy: refusal as SchemeBusyError }, log)).toBe("deferred");
  await first.end();
  expect(await requestDeferredTicks(t.db, queue, log, first.scheme.id)).toBe(1);
  expect((await scheduledRuns(first.scheme.id)).map((r) => r.idempotencyKey)).toEqual([`system:${first.scheme.id}:${later}`]);
});
