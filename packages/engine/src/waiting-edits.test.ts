// Records that wait for a dependency (等待依赖) while the schemes around them are edited, from session
// 31's audit: the waiting scheme saved without lookups (its waiting_records rows must go once nothing
// waits), or with its lookup naming another scheme (the bills must be released for that one), and the
// dependency renamed (the wait limit's reason names it as it is called now). What releases waiting
// records and how a run counts them: waiting.test.ts; the worker's release runs after such an edit:
// apps/worker dependencies-edited.test.ts.
import { DEMO_NAMES } from "@qiao/core";
import { changeScheme, expireWaiting, schemesWaitingFor, waitsReadyToRelease } from "@qiao/db";
import { afterEach, describe, expect, test } from "vitest";
import { forgetSchemes, runScheme } from "./testing/bills";
import { simulate, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";
import { billsWaitingForCustomers, withoutLookups } from "./testing/waits";

const t = useTestDb("waiting_edits");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await forgetSchemes(t.db);
});

describe("the waiting scheme edited while its records wait", () => {
  test(
    "a version without lookups sends the bills that waited, and nothing keeps saying they wait for 店铺→客户 (no release run after each of its writes)",
    { timeout: 120_000 },
    async () => {
      sim = await simulate(t.db, { shops: 4, items: 10, deliveries: 12 });
      const ctx = testContext(t.db);
      const { shops, deliveries, expected } = await billsWaitingForCustomers(t.db, ctx, sim);
      expect(await schemesWaitingFor(t.db, shops.id)).toEqual([deliveries.id]);

      // The customers are written; the person also edits the 出库单 scheme to use the codes as they are.
      expect(await runScheme(t.db, ctx, sim, shops.id)).toMatchObject({ status: "succeeded", written: 4 });
      await sim.saveVersion(deliveries.id, withoutLookups);
      // Its next run sends every bill that waited.
      expect(await runScheme(t.db, ctx, sim, deliveries.id)).toMatchObject({ written: expected.length, waiting: 0 });
      expect(await t.db.sourceRecord.count({ where: { schemeId: deliveries.id, status: "waiting" } })).toBe(0);

      // Nothing of the 出库单 scheme waits any more, so no waiting_records row of it is left (they
      // were cleared only after a run of a plan with lookups): 店铺→客户's follow-up
      // (schemesWaitingFor) and the sweep would start a 'dependency' run of it after every run that
      // writes a customer.
      expect(await t.db.waitingRecord.count({ where: { schemeId: deliveries.id } })).toBe(0);
      expect(await schemesWaitingFor(t.db, shops.id)).toEqual([]);
      expect(await waitsReadyToRelease(t.db)).toEqual([]);
    },
  );

  test(
    "bills waiting for 店铺→客户 whose lookup is edited to another customers scheme are released when that scheme writes the customers",
    { timeout: 120_000 },
    async () => {
      sim = await simulate(t.db, { shops: 4, items: 10, deliveries: 12 });
      const ctx = testContext(t.db);
      const { shops, deliveries, expected } = await billsWaitingForCustomers(t.db, ctx, sim);
      const waits = await t.db.waitingRecord.findMany({ where: { schemeId: deliveries.id } });
      expect(new Set(waits.map((w) => w.waitsForSchemeId))).toEqual(new Set([shops.id]));
      // Nothing is due: 店铺→客户 has written nothing, and the waits are the current version's.
      expect(await waitsReadyToRelease(t.db)).toEqual([]);

      // 店铺→客户 is not used any more (say its filter leaves these shops out, as its reason told the
      // person to "change the lookup"): the bills now look their customer up in another scheme, which
      // then writes the customers (after the bills were looked at: past the sweep's 2 s margin).
      const newShops = await sim.createScheme(undefined, undefined, "店铺→客户（新）");
      const version = await sim.saveVersion(deliveries.id, (d) => {
        targetConfig(d).mapping.FCustomerID = `{{lookup('店铺→客户（新）', shop_code, 'code')}}`;
      });
      await new Promise((r) => setTimeout(r, 2_500));
      expect(await runScheme(t.db, ctx, sim, newShops.id)).toMatchObject({ status: "succeeded", written: 4 });

      // What the bills wait for now is written: the new scheme's follow-up or the sweep must find
      // them. Their waiting_records rows still name 店铺→客户, which never writes; the sweep sees that
      // they were recorded by an older version of the 出库单 scheme. (Found by neither, they failed at
      // the wait limit saying “方案 店铺→客户 仍未写入”.)
      const due = [...(await schemesWaitingFor(t.db, newShops.id)), ...(await waitsReadyToRelease(t.db)).map((r) => r.schemeId)];
      expect(due).toContain(deliveries.id);
      expect(await waitsReadyToRelease(t.db)).toContainEqual({ schemeId: deliveries.id, runId: null, version });
      // Nor does the wait limit fail them before that release has mapped them.
      expect(await expireWaiting(t.db, 72, new Date(Date.now() + 73 * 3_600_000))).toEqual([]);

      // The release run maps them with the version they are sent with: every bill written, nothing
      // waits, nothing is due any more.
      expect(await runScheme(t.db, ctx, sim, deliveries.id, "dependency")).toMatchObject({ written: expected.length, waiting: 0 });
      expect(await t.db.waitingRecord.count({ where: { schemeId: deliveries.id } })).toBe(0);
      expect(await waitsReadyToRelease(t.db)).toEqual([]);
    },
  );
});

describe("a dependency renamed while records wait for it", () => {
  test("the wait limit's reason names the dependency by its name now, not by a name no scheme has", { timeout: 120_000 }, async () => {
    sim = await simulate(t.db, { shops: 3, items: 10, deliveries: 6 });
    const ctx = testContext(t.db);
    const { shops, deliveries, expected } = await billsWaitingForCustomers(t.db, ctx, sim);

    // 店铺→客户 is renamed (session 31: the 出库单 scheme's lookups are rewritten to the new name).
    const renamed = "店铺→客户（改名后）";
    await changeScheme(t.db, shops.id, { name: renamed });
    const current = await t.db.scheme.findUniqueOrThrow({ where: { id: deliveries.id } });
    expect(JSON.stringify(current.definition)).toContain(renamed);
    expect(JSON.stringify(current.definition)).not.toContain(DEMO_NAMES.shops);

    // Nothing writes the customers; 73 hours later the wait limit fails the bills.
    const failed = await expireWaiting(t.db, 72, new Date(Date.now() + 73 * 3_600_000));
    expect(failed).toEqual([{ schemeId: deliveries.id, failed: expected.length }]);
    const bill = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, status: "failed" } });
    // It tells the person to check the runs of the scheme as it is called now (it named one no
    // scheme is called any more: waiting_records.waits_for, written when the bill began to wait).
    expect(bill.lastError).toContain(`方案 “${renamed}” 仍未写入`);
    expect(bill.lastError).toContain(`the scheme "${renamed}" has still not written`);
    expect(bill.lastError).not.toContain(DEMO_NAMES.shops);
  });
});
