// Issue 7: the worker's Postgres connections are killed (pg_terminate_backend) mid-run: once while
// idle, once while the worker records the answer of a batch Kingdee has already committed. The
// run is retried by its job, resumes, looks the batch up instead of resending it, and succeeds.
import { ledgerOf } from "@qiao/engine/testing";
import { requestRun } from "@qiao/jobs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { openPostgresFaultBed, type PostgresFaultBed } from "../testing";

const SHOPS = 500;
let bed: PostgresFaultBed;

beforeAll(async () => {
  bed = await openPostgresFaultBed("pgdrop", { shops: SHOPS, lockHoldMs: 20_000 });
});

afterAll(async () => {
  await bed?.close();
}, 30_000);

test("the worker's Postgres connections killed mid-run (idle, then mid-statement after Kingdee committed): retried, resumed, each shop once", async () => {
  const { t, sim, queue } = bed;
  sim.kingdee.setFaults({ latencyMs: 300 });
  await bed.startWorker();
  const scheme = await sim.createScheme();
  const run = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });
  const runOf = () => t.db.run.findUniqueOrThrow({ where: { id: run.id } });
  const batchSaves = () => sim.kingdee.stats().calls.BatchSave ?? 0;

  // 1. While the first batch is at Kingdee, every connection of the worker is idle in its pool.
  await expect.poll(batchSaves, { timeout: 15_000, interval: 10 }).toBe(1);
  expect(await bed.terminateWorkerConnections()).toBeGreaterThan(0);

  // 2. While the second batch is at Kingdee, writes to staging are blocked, so recording its answer
  //    waits on the lock once Kingdee has committed it; then the waiting connections are killed.
  await expect.poll(batchSaves, { timeout: 15_000, interval: 10 }).toBe(2);
  const lock = await bed.lockStaging();
  await expect.poll(() => sim.kingdee.stats().customers, { timeout: 10_000, interval: 10 }).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await bed.workerWaitsOnLock(10_000);
  expect(await bed.terminateWorkerConnections()).toBeGreaterThan(0);
  await lock.release();

  sim.kingdee.setFaults({ latencyMs: 0 });
  await expect.poll(async () => (await runOf()).status, { timeout: 30_000, interval: 100 }).toBe("succeeded");
  expect(await runOf()).toMatchObject({ written: SHOPS, failed: 0, unknown: 0 });
  expect(sim.kingdee.stats()).toMatchObject({ customers: SHOPS, duplicateAttempts: 0 });
  const report = await ledgerOf(t.db, sim, scheme.id);
  expect({ lost: report.lost, inconsistent: report.inconsistent, duplicates: report.duplicates }).toEqual({ lost: [], inconsistent: [], duplicates: [] });
  expect(report.written).toBe(SHOPS);
  const logs = (await t.db.runLog.findMany({ where: { runId: run.id }, orderBy: { id: "asc" } })).map((l) => l.message).join("\n");
  // The batch Kingdee had committed (and any after it) was looked up and found, not sent again.
  expect(logs).toMatch(/：[1-9]\d* 条已存在（记为已写入），\d+ 条不存在/);
}, 60_000);
