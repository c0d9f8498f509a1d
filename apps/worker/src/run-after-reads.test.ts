// Run-after chains through the worker's follow-ups and sweep. First, a run-after successor whose
// records also wait for the predecessor (the demo 出库单 scheme: it looks its customers up in
// 店铺→客户 and runs after it). The predecessor's success first releases the
// waiting records (`releaseDependents`, a `dependency` run that reads nothing), then asks
// `runAfterChain`: only runs that read the source (manual, schedule, chain) use up a predecessor's
// success, so the chain run still starts, once. Both tests failed before session 25 (its audit):
// the release run, or an automatic retry run, counted as the successor's run since the success.
import { createRun, deleteScheme, runAfterDue, type Config } from "@qiao/db";
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
  bed = await openQueueTestBed("run-after-reads", 3);
  ({ t, sim, cfg, queue } = bed);
});

afterAll(() => bed?.close());

const deps = (): WorkerDeps => ({ db: t.db, queue, cfg, log: pino({ level: "silent" }), metrics: createWorkerMetrics() });

test("run after: a predecessor's success still starts the successor's chain run when it also released the successor's waiting records", async () => {
  const a = await sim.createScheme();
  const b = await sim.createScheme((def) => {
    def.runAfter = [a.id];
  });
  // One record of B waits for A (its lookup found nothing in A's writes yet).
  const waiting = await t.db.sourceRecord.create({
    data: { schemeId: b.id, sourceId: "B-1", data: { id: "B-1" }, payloadHash: "x", status: "waiting" },
  });
  await t.db.waitingRecord.create({
    data: { sourceRecordId: waiting.id, waitsForSchemeId: a.id, schemeId: b.id, waitsFor: "A", key: "k", field: "FCustId", checkedAt: new Date(Date.now() - 60_000) },
  });

  // A's run succeeds and wrote records.
  const aRun = await createRun(t.db, { schemeId: a.id, schemeVersion: 1, trigger: "manual" });
  await t.db.runWriteStat.create({ data: { runId: aRun.id, written: 3, failed: 0 } });
  const aDone = await t.db.run.update({ where: { id: aRun.id }, data: { status: "succeeded", phase: "done", finishedAt: new Date(), written: 3, fetched: 3 } });
  await runFollowUps(deps(), aDone, FOLLOW_UPS);

  // Its follow-up released B's waiting records: a dependency run of B (reads nothing).
  const [release] = await t.db.run.findMany({ where: { schemeId: b.id, trigger: "dependency" } });
  expect(release).toMatchObject({ triggeredById: aRun.id });

  // The release run ends; its follow-ups and the maintenance tick run.
  const releaseDone = await t.db.run.update({ where: { id: release!.id }, data: { status: "succeeded", phase: "done", finishedAt: new Date() } });
  await runFollowUps(deps(), releaseDone, FOLLOW_UPS);
  await runMaintenance(deps(), MAINTENANCE_STEPS);

  // B must still run after A's success (a run that reads its source), exactly once.
  const chains = await t.db.run.findMany({ where: { schemeId: b.id, trigger: "chain" } });
  expect(chains).toMatchObject([{ triggeredById: aRun.id }]);
}, 60_000);

test("run after: an automatic retry run of the successor does not use up the predecessor's success", async () => {
  const a = await sim.createScheme();
  const b = await sim.createScheme((def) => {
    def.runAfter = [a.id];
  });
  const aRun = await createRun(t.db, { schemeId: a.id, schemeVersion: 1, trigger: "schedule" });
  await t.db.run.update({ where: { id: aRun.id }, data: { status: "succeeded", phase: "done", finishedAt: new Date() } });
  // Before A's follow-up asks, B's retry job queued an automatic retry run (it reads nothing: only
  // B's due transient failures are sent again), which then ends.
  const retry = await createRun(t.db, { schemeId: b.id, schemeVersion: 1, trigger: "retry", options: { scope: "scheme", automatic: true } });
  await t.db.run.update({ where: { id: retry.id }, data: { status: "succeeded", phase: "done", finishedAt: new Date() } });

  expect(await runAfterDue(t.db)).toContainEqual({ schemeId: b.id, runId: aRun.id });
}, 60_000);

// A scheme B that runs after A and C, where A is then deleted. B's definition still lists A's id,
// runAfterDue needed a success of every listed predecessor, and a deleted scheme never succeeds
// again: B's chain silently never ran again, however often C succeeded (session 27's audit). Now
// DELETE /api/schemes/:id refuses a scheme others run after (its route test), and runAfterDue no
// longer waits for a predecessor that is gone (a save racing the delete, or deleteScheme called
// directly as here).
test("run after: a predecessor deleted does not stop the successor's chain for good", async () => {
  const a = await sim.createScheme();
  const c = await sim.createScheme();
  const b = await sim.createScheme((def) => {
    def.runAfter = [a.id, c.id];
  });
  // The person deletes A (no run active: the route allows it).
  await deleteScheme(t.db, a.id);

  // C succeeds; its follow-ups and the maintenance tick run.
  const cRun = await createRun(t.db, { schemeId: c.id, schemeVersion: 1, trigger: "manual" });
  const cDone = await t.db.run.update({ where: { id: cRun.id }, data: { status: "succeeded", phase: "done", finishedAt: new Date(), written: 5, fetched: 5 } });
  await runFollowUps(deps(), cDone, FOLLOW_UPS);
  await runMaintenance(deps(), MAINTENANCE_STEPS);

  // B still lists A, and runs after C alone: the one predecessor that exists has succeeded.
  const bDef = (await t.db.scheme.findUniqueOrThrow({ where: { id: b.id } })).definition as { runAfter?: string[] };
  expect(bDef.runAfter).toEqual([a.id, c.id]);
  expect(await t.db.run.count({ where: { schemeId: b.id, trigger: "chain", triggeredById: cRun.id } })).toBe(1);
}, 40_000);
