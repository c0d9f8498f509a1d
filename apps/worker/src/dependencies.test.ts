// Issue #13, "Done when" (the worker half): the 出库单 scheme runs first and its records wait (0
// sent); 客户 and 物料 are then run, and the waiting bills are written exactly once by themselves —
// released by the dependency's follow-up, or by the run-after chain, whichever comes first.
import { seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition } from "@qiao/core";
import { readMetricTotals, readOverview, refreshRecordCounts } from "@qiao/db";
import { requestRun } from "@qiao/jobs";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import { billRows, expectedBills } from "@qiao/engine/testing";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { expireWaitingStep } from "./dependencies";
import { runMaintenance, type WorkerDeps } from "./follow-ups";
import { workerSettings } from "./settings";
import { MAINTENANCE_STEPS } from "./steps";
import { startWorker } from "./worker";

let bed: QueueTestBed;
beforeAll(async () => {
  bed = await openQueueTestBed("dependencies", 8, { items: 15, deliveries: 30 });
});
afterAll(() => bed?.close());

const settled = (runId: string) =>
  expect.poll(async () => (await bed.t.db.run.findUniqueOrThrow({ where: { id: runId } })).status, { timeout: 60_000, interval: 200 }).toMatch(/^(succeeded|partial|failed)$/);

test("出库单 first waits; after 客户 and 物料 its bills are written once, by themselves, linked to the run that released them", { timeout: 180_000 }, async () => {
  const { t, sim, queue, cfg } = bed;
  const worker = await startWorker({ db: t.db, config: cfg, logger: pino({ level: "silent" }), settings: { ...workerSettings({}), WORKER_CONNECTION_QPS: 1000 } });
  try {
    const shops = await sim.createScheme(undefined, seedSchemeDefinition);
    const items = await sim.createScheme(undefined, seedItemsSchemeDefinition);
    const deliveries = await sim.createScheme((d) => (d.runAfter = [shops.id, items.id]), seedDeliveriesSchemeDefinition);
    const expected = expectedBills(sim);

    const first = await requestRun(t.db, queue, { schemeId: deliveries.id, trigger: "manual" });
    await settled(first.id);
    expect(await t.db.run.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({ written: 0, waiting: expected.length });
    expect(sim.kingdee.forms.get("SAL_OUTSTOCK")!.size).toBe(0);

    // Only the master data is run by hand.
    const shopRun = await requestRun(t.db, queue, { schemeId: shops.id, trigger: "manual" });
    await settled(shopRun.id);
    const itemRun = await requestRun(t.db, queue, { schemeId: items.id, trigger: "manual" });
    await settled(itemRun.id);

    await expect
      .poll(async () => t.db.sourceRecord.count({ where: { schemeId: deliveries.id, status: "written" } }), { timeout: 60_000, interval: 250 })
      .toBe(expected.length);
    const rows = billRows(sim);
    expect(new Set(rows.map((r) => r.billNo)).size).toBe(expected.length);
    expect(rows).toHaveLength(expected.flatMap((b) => b.lines).length);
    expect(sim.kingdee.stats().duplicateAttempts).toBe(0);
    // The runs that wrote them were started by the worker, linked to a master-data run.
    const automatic = await t.db.run.findMany({ where: { schemeId: deliveries.id, trigger: { in: ["dependency", "chain"] } } });
    expect(automatic.length).toBeGreaterThan(0);
    expect(automatic.every((r) => r.triggeredById === shopRun.id || r.triggeredById === itemRun.id)).toBe(true);
    expect(automatic.reduce((n, r) => n + r.written, 0)).toBe(expected.length);
  } finally {
    await worker.close();
  }
});

// Session 19: records that waited too long fail outside any run (the expire-waiting maintenance
// step); the overview's and /api/metrics' staging counts (scheme_record_counts) follow.
test("bills failed by the wait limit show as failed in the overview and metrics, not as still waiting", async () => {
  const db = bed.t.db;
  const customers = await db.scheme.create({ data: { name: "客户 (dependency)", definition: {} } });
  // A 出库单 scheme run only after others (no schedule of its own): its last run left two bills
  // waiting for customers that were never written.
  const bills = await db.scheme.create({ data: { name: "出库单 (waits)", definition: {} } });
  const longAgo = new Date(Date.now() - 80 * 3600_000);
  const run = await db.run.create({
    data: { schemeId: bills.id, schemeVersion: 1, trigger: "chain", status: "succeeded", phase: "done", waiting: 2, startedAt: longAgo, finishedAt: longAgo },
  });
  for (const code of ["D1", "D2"]) {
    const rec = await db.sourceRecord.create({
      data: { schemeId: bills.id, sourceId: code, data: {}, payloadHash: "h", status: "waiting", lastRunId: run.id, lastError: "等待依赖" },
    });
    await db.waitingRecord.create({
      data: { sourceRecordId: rec.id, waitsForSchemeId: customers.id, schemeId: bills.id, waitsFor: "客户", key: `C-${code}`, field: "FCustomerID", since: longAgo, checkedAt: longAgo },
    });
  }
  // The run's follow-up counted them.
  await refreshRecordCounts(db, bills.id);
  expect((await readOverview(db)).schemes.find((s) => s.id === bills.id)!.records).toEqual({ waiting: 2 });

  // The once-a-minute maintenance tick: the wait limit (72 h) is past, the bills fail with the reason.
  const deps = { db, cfg: { ...bed.cfg, QIAO_WAIT_LIMIT_HOURS: 72 }, log: pino({ level: "silent" }), queue: undefined, metrics: undefined } as unknown as WorkerDeps;
  const steps = MAINTENANCE_STEPS.filter((s) => s.name === expireWaitingStep.name || s.name === "overview-stats");
  expect(steps).toHaveLength(2);
  expect((await runMaintenance(deps, steps)).failed).toEqual([]);
  expect(await db.sourceRecord.count({ where: { schemeId: bills.id, status: "failed" } })).toBe(2);

  // Nothing runs the scheme afterwards (its dependency never writes): the overview's 暂存记录 and
  // qiao_records say 2 failed, not 2 still waiting, however many ticks pass.
  await runMaintenance(deps, steps);
  expect((await readOverview(db)).schemes.find((s) => s.id === bills.id)!.records).toEqual({ failed: 2 });
  expect((await readMetricTotals(db)).schemes.find((s) => s.schemeId === bills.id)!.records).toEqual({ failed: 2 });
});
