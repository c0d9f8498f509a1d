// A scheme B that runs after A and C, where A is then deleted. B's definition still lists A's id,
// runAfterDue needed a success of every listed predecessor, and a deleted scheme never succeeds
// again: B's chain silently never ran again, however often C succeeded (session 27's audit). Now
// DELETE /api/schemes/:id refuses a scheme others run after (its route test), and runAfterDue no
// longer waits for a predecessor that is gone (a save racing the delete, or deleteScheme called
// directly as here).
import { createRun, deleteScheme, type Config } from "@qiao/db";
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
  bed = await openQueueTestBed("run_after_deleted", 5);
  ({ t, sim, cfg, queue } = bed);
});

afterAll(() => bed?.close());

const deps = (): WorkerDeps => ({ db: t.db, queue, cfg, log: pino({ level: "silent" }), metrics: createWorkerMetrics() });

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
