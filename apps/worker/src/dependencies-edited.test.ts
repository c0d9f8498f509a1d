// The release of records waiting for a dependency (等待依赖) after the waiting scheme was edited while
// they waited, from session 31's audit: a version without lookups must leave nothing that starts
// release runs after every write of the dependency; a version whose lookup names another scheme must
// have its bills released (the sweep maps them with the new version once; the new dependency's write
// then releases them). The engine's side (counters, waiting_records, the wait limit): engine
// waiting-edits.test.ts.
import { billsWaitingForCustomers, runScheme, runToEnd, targetConfig, testContext, withoutLookups } from "@qiao/engine/testing";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import { pino } from "pino";
import { afterEach, beforeEach, expect, test } from "vitest";
import { releaseDependents, releaseWaitingSweep } from "./dependencies";
import type { WorkerDeps } from "./follow-ups";
import { createWorkerMetrics } from "./metrics";

// A bed per test: each writes the same bills into its 金蝶 simulator.
let bed: QueueTestBed;
beforeEach(async () => {
  bed = await openQueueTestBed("dependencies_edited", 4, { items: 10, deliveries: 12 });
});
afterEach(() => bed?.close());

const deps = (): WorkerDeps => ({ db: bed.t.db, queue: bed.queue, cfg: bed.cfg, log: pino({ level: "silent" }), metrics: createWorkerMetrics() });

test(
  "after the 出库单 scheme's lookups are edited away and its bills written, 店铺→客户's next write starts no 'dependency' run of it",
  { timeout: 120_000 },
  async () => {
    const { t, sim } = bed;
    const ctx = testContext(t.db);
    const { shops, deliveries, expected } = await billsWaitingForCustomers(t.db, ctx, sim);

    // The customers are written, and the 出库单 scheme is edited to use the codes as they are (no
    // lookup); its next run writes every bill. Nothing of it waits any more.
    expect(await runScheme(t.db, ctx, sim, shops.id)).toMatchObject({ status: "succeeded", written: 4 });
    await sim.saveVersion(deliveries.id, withoutLookups);
    expect(await runScheme(t.db, ctx, sim, deliveries.id)).toMatchObject({ written: expected.length, waiting: 0 });
    expect(await t.db.sourceRecord.count({ where: { schemeId: deliveries.id, status: "waiting" } })).toBe(0);
    const before = await t.db.run.count({ where: { schemeId: deliveries.id } });

    // Weeks later a shop opens; 店铺→客户's run writes its customer, and its follow-ups run (the
    // once-a-minute sweep too).
    sim.guanyi.addShops([{ code: "SHOP-NEW", name: "新开店铺" }]);
    const later = await runScheme(t.db, ctx, sim, shops.id);
    expect(later).toMatchObject({ status: "succeeded", written: 1 });
    await releaseDependents.run(deps(), later);
    await releaseWaitingSweep.run(deps(), new Date());

    // Nothing waits, so nothing is released: no 'dependency' run ("released records waiting for this
    // scheme") of the 出库单 scheme (one was started after every customer written).
    expect(await t.db.run.findMany({ where: { schemeId: deliveries.id, trigger: "dependency" }, select: { id: true } })).toEqual([]);
    expect(await t.db.run.count({ where: { schemeId: deliveries.id } })).toBe(before);
  },
);

test(
  "bills waiting for 店铺→客户 whose lookup is edited to another customers scheme: the sweep maps them again with the new version, once, and that scheme's write releases them",
  { timeout: 120_000 },
  async () => {
    const { t, sim } = bed;
    const ctx = testContext(t.db);
    const { deliveries, expected } = await billsWaitingForCustomers(t.db, ctx, sim);
    const newShops = await sim.createScheme(undefined, undefined, "店铺→客户（新）");
    const version = await sim.saveVersion(deliveries.id, (d) => {
      targetConfig(d).mapping.FCustomerID = `{{lookup('店铺→客户（新）', shop_code, 'code')}}`;
    });

    // The sweep: one release run of the new version, linked to no run (no dependency wrote); asked
    // again while it is queued, none more.
    await releaseWaitingSweep.run(deps(), new Date());
    await releaseWaitingSweep.run(deps(), new Date());
    const released = await t.db.run.findMany({ where: { schemeId: deliveries.id, trigger: "dependency" } });
    expect(released).toMatchObject([{ schemeVersion: version, triggeredById: null, idempotencyKey: expect.stringMatching(new RegExp(`:dependency:${deliveries.id}:v${version}$`)) }]);

    // It maps the bills as the new version does: they wait for the new scheme now, and nothing is due
    // until that scheme writes.
    expect((await runToEnd(ctx, released[0]!.id)).kind).toBe("finished");
    expect(await t.db.run.findUniqueOrThrow({ where: { id: released[0]!.id } })).toMatchObject({ written: 0, waiting: expected.length });
    const waits = await t.db.waitingRecord.findMany({ where: { schemeId: deliveries.id } });
    expect(new Set(waits.map((w) => w.waitsForSchemeId))).toEqual(new Set([newShops.id]));
    await releaseWaitingSweep.run(deps(), new Date());
    expect(await t.db.run.count({ where: { schemeId: deliveries.id, trigger: "dependency" } })).toBe(1);

    // The new scheme writes the customers; its follow-up releases the bills, and they are written.
    const wrote = await runScheme(t.db, ctx, sim, newShops.id);
    expect(wrote).toMatchObject({ status: "succeeded", written: 4 });
    await releaseDependents.run(deps(), wrote);
    const [byFollowUp] = await t.db.run.findMany({ where: { schemeId: deliveries.id, triggeredById: wrote.id } });
    expect(byFollowUp).toMatchObject({ trigger: "dependency" });
    expect((await runToEnd(ctx, byFollowUp!.id)).kind).toBe("finished");
    expect(await t.db.run.findUniqueOrThrow({ where: { id: byFollowUp!.id } })).toMatchObject({ written: expected.length, waiting: 0 });
    expect(sim.kingdee.forms.get("SAL_OUTSTOCK")!.size).toBe(expected.length);
  },
);
