// Issue #13, "Done when" (the worker half): the 出库单 scheme runs first and its records wait (0
// sent); 客户 and 物料 are then run, and the waiting bills are written exactly once by themselves —
// released by the dependency's follow-up, or by the run-after chain, whichever comes first.
import { seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition } from "@qiao/core";
import { requestRun } from "@qiao/jobs";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import { billRows, expectedBills } from "@qiao/engine/testing";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { workerSettings } from "./settings";
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
