// Run after (运行顺序, issue #13): a scheme runs (`chain`) once every scheme it follows has succeeded
// since its last run — also when it was busy at the moment its chain completed. Follow-ups and the
// maintenance tick are called directly; no worker takes the queued runs.
import { createRun, runAfterDue, type Config } from "@qiao/db";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { runFollowUps, runMaintenance, type WorkerDeps } from "./follow-ups";
import { createWorkerMetrics } from "./metrics";
import { FOLLOW_UPS, MAINTENANCE_STEPS } from "./steps";

let bed: QueueTestBed;
let t: TestDb;
let sim: Simulated;
let cfg: Config;
let queue: Queue;

beforeAll(async () => {
  bed = await openQueueTestBed("run-after", 5);
  ({ t, sim, cfg, queue } = bed);
});

afterAll(() => bed?.close());

const deps = (): WorkerDeps => ({ db: t.db, queue, cfg, log: pino({ level: "silent" }), metrics: createWorkerMetrics() });

/** A successor B of A, B busy with a run of its own when A's run succeeds (its follow-ups ran). */
async function busyWhenPredecessorSucceeds() {
  const a = await sim.createScheme();
  const b = await sim.createScheme((def) => {
    def.runAfter = [a.id];
  });
  const busy = await createRun(t.db, { schemeId: b.id, schemeVersion: 1, trigger: "manual" });
  const aRun = await createRun(t.db, { schemeId: a.id, schemeVersion: 1, trigger: "manual" });
  const aDone = await t.db.run.update({ where: { id: aRun.id }, data: { status: "succeeded", phase: "done", finishedAt: new Date(), written: 5, fetched: 5 } });
  await runFollowUps(deps(), aDone, FOLLOW_UPS);
  expect(await t.db.run.count({ where: { schemeId: b.id, trigger: "chain" } })).toBe(0);
  const bDone = await t.db.run.update({ where: { id: busy.id }, data: { status: "succeeded", phase: "done", finishedAt: new Date() } });
  return { a, b, aRun, bDone };
}

test("run after: a successor that was busy when its predecessor succeeded still runs after its busy run ends", async () => {
  const { b, aRun, bDone } = await busyWhenPredecessorSucceeds();
  // B's busy run ends (it read before A had written); its follow-ups run, and the maintenance tick.
  await runFollowUps(deps(), bDone, FOLLOW_UPS);
  await runMaintenance(deps(), MAINTENANCE_STEPS);

  // One chain run of B, linked to A's run.
  const chain = await t.db.run.findMany({ where: { schemeId: b.id, trigger: "chain" } });
  expect(chain).toMatchObject([{ triggeredById: aRun.id, status: "queued" }]);
  // Started, B is no longer due.
  expect(await runAfterDue(t.db)).not.toContainEqual(expect.objectContaining({ schemeId: b.id }));
}, 40_000);

test("run after: the maintenance tick starts a successor whose follow-up was lost, once, with the follow-up's key", async () => {
  const { b, aRun } = await busyWhenPredecessorSucceeds();
  // The worker died before B's run's follow-ups: the tick finds B due.
  expect(await runAfterDue(t.db)).toContainEqual({ schemeId: b.id, runId: aRun.id });
  await runMaintenance(deps(), MAINTENANCE_STEPS);
  const [chain] = await t.db.run.findMany({ where: { schemeId: b.id, trigger: "chain" } });
  expect(chain).toMatchObject({ triggeredById: aRun.id });

  // B's chain run ends at once (it had nothing to do) and the late follow-up of the busy run comes
  // now: the same chain is not started twice.
  const chainDone = await t.db.run.update({ where: { id: chain!.id }, data: { status: "succeeded", phase: "done", finishedAt: new Date() } });
  await runFollowUps(deps(), chainDone, FOLLOW_UPS);
  await runMaintenance(deps(), MAINTENANCE_STEPS);
  expect(await t.db.run.count({ where: { schemeId: b.id, trigger: "chain" } })).toBe(1);
}, 40_000);

test("run after: saving a run-after order does not start the scheme by itself; the predecessor's next success does", async () => {
  const a = await sim.createScheme();
  const aRun = await createRun(t.db, { schemeId: a.id, schemeVersion: 1, trigger: "manual" });
  await t.db.run.update({ where: { id: aRun.id }, data: { status: "succeeded", phase: "done", finishedAt: new Date() } });
  // B is made after A succeeded: A has succeeded since B's (never) last run, but not since B was saved.
  const b = await sim.createScheme((def) => {
    def.runAfter = [a.id];
  });
  await runMaintenance(deps(), MAINTENANCE_STEPS);
  expect(await t.db.run.count({ where: { schemeId: b.id } })).toBe(0);

  const next = await createRun(t.db, { schemeId: a.id, schemeVersion: 1, trigger: "schedule" });
  const nextDone = await t.db.run.update({ where: { id: next.id }, data: { status: "succeeded", phase: "done", finishedAt: new Date() } });
  await runFollowUps(deps(), nextDone, FOLLOW_UPS);
  expect(await t.db.run.findMany({ where: { schemeId: b.id } })).toMatchObject([{ trigger: "chain", triggeredById: next.id }]);
}, 40_000);

test("run after: a scheme with no run schedule of its own follows its predecessor; one whose run schedule is switched off does not", async () => {
  const a = await sim.createScheme();
  // Saved as the editor saves them: `enabled` is the run schedule's switch, false without a schedule.
  const follows = await sim.createScheme((def) => {
    def.runAfter = [a.id];
  });
  await t.db.scheme.update({ where: { id: follows.id }, data: { enabled: false, cron: null } });
  const paused = await sim.createScheme((def) => {
    def.runAfter = [a.id];
  });
  await t.db.scheme.update({ where: { id: paused.id }, data: { enabled: false, cron: "0 2 * * *" } });

  const aRun = await createRun(t.db, { schemeId: a.id, schemeVersion: 1, trigger: "manual" });
  const aDone = await t.db.run.update({ where: { id: aRun.id }, data: { status: "succeeded", phase: "done", finishedAt: new Date() } });
  await runFollowUps(deps(), aDone, FOLLOW_UPS);
  await runMaintenance(deps(), MAINTENANCE_STEPS);
  expect(await t.db.run.findMany({ where: { schemeId: follows.id } })).toMatchObject([{ trigger: "chain", triggeredById: aRun.id }]);
  expect(await t.db.run.count({ where: { schemeId: paused.id } })).toBe(0);
}, 40_000);

