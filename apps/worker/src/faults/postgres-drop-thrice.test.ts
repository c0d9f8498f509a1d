// A run whose worker loses its Postgres connections three times over the run's life, each time
// recovering at once, resumes each time and succeeds (session 31's audit; failing before its fix).
//
// The engine throws when the database is unavailable, leaving the run `running` for its job to try
// again. That used to be the run job's BullMQ attempts (RUN_JOB_OPTIONS: 3), which count over the
// job's whole life: a resumed attempt that got past the outage gave none back, so the third loss —
// hours apart in a long sync, Postgres back within a second each time — failed the job for good and
// the worker's `failed` handler ended the run `failed`. Now the worker delays the job itself after
// such an attempt and counts the failures in a row in the job's data, starting again once an attempt
// gets through to the database (run-job.ts). The limit is set to 3 here, BullMQ's old number, so a
// count over the job's life would still fail the run at the third loss. postgres-drop.test.ts kills
// twice; postgres-outage.test.ts is the outage that does not end, which gives the run up.
import { requestRun } from "@qiao/jobs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { openPostgresFaultBed, type PostgresFaultBed } from "../testing";

const SHOPS = 1000;
let bed: PostgresFaultBed;

beforeAll(async () => {
  bed = await openPostgresFaultBed("pgdrop3", { shops: SHOPS, lockHoldMs: 60_000 });
});

afterAll(async () => {
  await bed?.close();
}, 30_000);

/** The worker's statement to staging waits on the lock, then its connections are killed (a failover, a killed backend). */
async function dropMidStatement(): Promise<void> {
  const lock = await bed.lockStaging();
  await bed.workerWaitsOnLock(20_000);
  expect(await bed.terminateWorkerConnections()).toBeGreaterThan(0);
  await lock.release();
}

test("three brief connection losses over a run's life, each recovered at once: the run resumes each time and succeeds, each shop once", async () => {
  const { t, sim, queue } = bed;
  sim.kingdee.setFaults({ latencyMs: 300 });
  await bed.startWorker({ WORKER_DB_FAILURE_LIMIT: 3 });
  const scheme = await sim.createScheme();
  const run = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });
  const runOf = () => t.db.run.findUniqueOrThrow({ where: { id: run.id } });
  const batchSaves = () => sim.kingdee.stats().calls.BatchSave ?? 0;

  // Each loss comes once the run is writing again after the one before (a new attempt resumed it).
  await expect.poll(batchSaves, { timeout: 15_000, interval: 10 }).toBe(1);
  await dropMidStatement();
  for (let loss = 2; loss <= 3; loss++) {
    const before = batchSaves();
    await expect.poll(async () => (await runOf()).attempt, { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(loss);
    await expect.poll(batchSaves, { timeout: 30_000, interval: 10 }).toBeGreaterThan(before);
    await dropMidStatement();
  }

  sim.kingdee.setFaults({ latencyMs: 0 });
  await expect.poll(async () => (await runOf()).status, { timeout: 60_000, interval: 100 }).not.toMatch(/^(queued|running)$/);
  const ended = await runOf();
  // Before the fix: `failed` ("工作进程处理失败：terminating connection due to administrator command"), after the
  // third loss, by the worker's `failed` handler (failAbandonedRun); the rest was left to the next run.
  expect({ status: ended.status, error: ended.error }).toEqual({ status: "succeeded", error: null });
  expect(ended).toMatchObject({ written: SHOPS, failed: 0 });
  expect(sim.kingdee.stats()).toMatchObject({ customers: SHOPS, duplicateAttempts: 0 });
}, 120_000);
