// Records that wait for a dependency (等待依赖, issue #13): what releases them when the dependency
// writes what they wait for, and how a run counts them. The release itself (a worker's follow-up,
// the once-a-minute sweep) is the worker's; here are the conditions both read: schemeWroteDuring
// (the follow-up of the dependency's run) and waitsReadyToRelease (the sweep). Edits while records
// wait (of the waiting scheme, of the dependency's name): waiting-edits.test.ts.
import { DEMO_NAMES, seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition } from "@qiao/core";
import { cancelRun, claimResync, createReconciliation, expireWaiting, lookupWritten, schemeWroteDuring, waitsReadyToRelease } from "@qiao/db";
import { afterEach, describe, expect, test } from "vitest";
import type { EngineContext } from "./context";
import type { TestRunResult } from "./test-run";
import { executeRun } from "./execute-run";
import { executeReconciliation } from "./reconcile";
import { expectedBills, forgetSchemes, runScheme } from "./testing/bills";
import { putFilterNode, runToEnd, simulate, sourceConfig, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";
import { beforeDeliveryPage, stopOnceWaiting } from "./testing/waits";

const t = useTestDb("waiting");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await forgetSchemes(t.db);
});

const run = (ctx: EngineContext, s: Simulated, schemeId: string, trigger: "manual" | "dependency" = "manual") => runScheme(t.db, ctx, s, schemeId, trigger);

/** The customer (FCustomerID) of a 销售出库单 in the 金蝶 simulator, read as a person checking would. */
function billCustomer(s: Simulated, billNo: string): string | undefined {
  const rows = s.kingdee.forms.get("SAL_OUTSTOCK")!.query({ FormId: "SAL_OUTSTOCK", FieldKeys: "FBillNo,FCustomerID.FNumber", StartRow: 0, Limit: 2000 });
  const row = rows.find(([no]) => no === billNo);
  return row === undefined ? undefined : String(row[1]);
}

describe("release of records waiting for a dependency", () => {
  test(
    "customers written by the lookup of an unknown outcome (its run was cancelled while it waited) release the bills waiting for them",
    { timeout: 120_000 },
    async () => {
      sim = await simulate(t.db, { shops: 5, items: 10, deliveries: 10 });
      const ctx = testContext(t.db, { connectorDefaults: { qps: 1000, timeoutMs: 500, maxRetries: 1 }, unknownOutcomeWaitMs: 1_500 });
      const shops = await sim.createScheme(undefined, seedSchemeDefinition);
      const items = await sim.createScheme(undefined, seedItemsSchemeDefinition);
      const deliveries = await sim.createScheme(undefined, seedDeliveriesSchemeDefinition);
      expect(await run(ctx, sim, items.id)).toMatchObject({ status: "succeeded" });
      // The bills wait for their customers.
      const first = await run(ctx, sim, deliveries.id);
      expect(first.waiting).toBeGreaterThan(0);

      // 店铺→客户: every BatchSave commits after the client gave up (unknown outcome); the run waits
      // to look them up, and a person cancels it meanwhile.
      sim.kingdee.setFaults({ slowCommitEvery: 1, slowCommitMs: 1_000 });
      const s1 = await sim.requestRun(shops.id, "manual");
      expect((await executeRun(ctx, s1.id)).kind).toBe("waiting");
      sim.kingdee.setFaults({ slowCommitEvery: 0 });
      await cancelRun(t.db, s1.id);
      expect((await executeRun(ctx, s1.id)).kind).toBe("finished");
      expect(await t.db.run.findUniqueOrThrow({ where: { id: s1.id } })).toMatchObject({ status: "cancelled" });

      // The scheme's next run settles what is left: the customers are found in 金蝶, written, and
      // counted on s1, the run that sent them (s2 wrote nothing itself).
      const s2 = await run(ctx, sim, shops.id);
      expect(s2).toMatchObject({ status: "succeeded", written: 0 });
      expect(await t.db.sourceRecord.count({ where: { schemeId: shops.id, status: "written" } })).toBe(5);
      // What the bills wait for is there now: their lookups would find every customer.
      const waiting = await t.db.waitingRecord.findMany({ where: { schemeId: deliveries.id, waitsFor: DEMO_NAMES.shops } });
      expect(waiting.length).toBeGreaterThan(0);
      const keys = [...new Set(waiting.map((w) => w.key))];
      const found = await lookupWritten(t.db, { schemeId: shops.id, keyField: "code", returnField: "number", keys });
      expect(found.written.size).toBe(keys.length);

      // Both release paths see it: s2's follow-up (its scheme wrote during it), and the sweep, which
      // links the release to s2 (the same idempotency key as the follow-up).
      expect(await schemeWroteDuring(t.db, s2.id)).toBe(true);
      expect(await waitsReadyToRelease(t.db)).toContainEqual({ schemeId: deliveries.id, runId: s2.id });

      // The 出库单 scheme switched off (启用 off, with a schedule): its records wait, the sweep leaves
      // it alone until it is switched on again (session 27).
      await t.db.scheme.update({ where: { id: deliveries.id }, data: { cron: "0 3 * * *", enabled: false } });
      expect(await waitsReadyToRelease(t.db)).not.toContainEqual(expect.objectContaining({ schemeId: deliveries.id }));
      await t.db.scheme.update({ where: { id: deliveries.id }, data: { enabled: true } });
      expect(await waitsReadyToRelease(t.db)).toContainEqual({ schemeId: deliveries.id, runId: s2.id });
    },
  );

  test(
    "a dependency written while the waiting scheme's run is mapping (between its lookup and its record of the wait) still releases the bills",
    { timeout: 120_000 },
    async () => {
      sim = await simulate(t.db, { shops: 3, items: 10, deliveries: 0 });
      const ctx0 = testContext(t.db);
      const shops = await sim.createScheme(undefined, seedSchemeDefinition);
      const items = await sim.createScheme(undefined, seedItemsSchemeDefinition);
      expect(await run(ctx0, sim, items.id)).toMatchObject({ status: "succeeded" });
      // Two deliveries of one shop not written yet, one per page.
      const sku = sim.guanyi.state.items.get(0).skus[0]!.code;
      const shopCode = sim.guanyi.state.shops.get(0).code;
      sim.guanyi.addDeliveries([
        { code: "SDO-RACE-1", shop_code: shopCode, delivery: 2, details: [{ sku_code: sku, qty: 1 }] },
        { code: "SDO-RACE-2", shop_code: shopCode, delivery: 2, details: [{ sku_code: sku, qty: 2 }] },
      ]);
      const deliveries = await sim.createScheme((d) => {
        sourceConfig(d).pageSize = 1;
        targetConfig(d).batchSize = 50;
      }, seedDeliveriesSchemeDefinition);

      // While the 出库单 run asks for its second page (its first page's lookups answered "absent"),
      // 店铺→客户 runs to its end and writes the customer; the waits are recorded seconds later
      // (past the sweep's margin for clocks), when the batch of both bills is full.
      let shopRun: Awaited<ReturnType<typeof run>> | undefined;
      const ctx = testContext(t.db, {
        getConnector: beforeDeliveryPage(2, async () => {
          for (let i = 0; i < 200; i++) {
            if ((await t.db.sourceRecord.count({ where: { schemeId: deliveries.id } })) >= 1) break;
            await new Promise((r) => setTimeout(r, 25));
          }
          shopRun = await run(ctx0, sim!, shops.id);
          await new Promise((r) => setTimeout(r, 2_500));
        }),
      });
      const d1 = await run(ctx, sim, deliveries.id);
      expect(shopRun).toMatchObject({ status: "succeeded" });
      expect(shopRun!.written).toBeGreaterThan(0);
      // Both bills wait (the run's lookup cache said "absent" for the shop), although the customer
      // was written while the run was still going.
      expect(d1.waiting).toBe(2);
      const found = await lookupWritten(t.db, { schemeId: shops.id, keyField: "code", returnField: "number", keys: [shopCode] });
      expect(found.written.get(shopCode)).toBeDefined();
      // Checked as of the lookup, not as of the record of the wait.
      const checked = await t.db.waitingRecord.findMany({ where: { schemeId: deliveries.id, waitsFor: DEMO_NAMES.shops } });
      expect(checked.every((w) => w.checkedAt < shopRun!.finishedAt!)).toBe(true);

      // The follow-up of the shop run found no waiting record yet (or the scheme busy) and said "the
      // sweep releases them"; the sweep does: the dependency wrote after the records were looked at.
      expect(await waitsReadyToRelease(t.db)).toContainEqual({ schemeId: deliveries.id, runId: shopRun!.id });
      // And the wait limit does not fail them meanwhile, claiming the customer was never written.
      expect(await expireWaiting(t.db, 72, new Date(Date.now() + 73 * 3_600_000))).toEqual([]);

      // The release run maps them again: written, nothing waits, nothing is due any more.
      expect(await run(ctx0, sim, deliveries.id, "dependency")).toMatchObject({ written: 2, waiting: 0 });
      expect(await waitsReadyToRelease(t.db)).toEqual([]);
    },
  );

  test(
    "a bill whose customer reconciliation found missing in 金蝶 (resync claimed, not run yet) waits, and the resync's write releases it",
    { timeout: 120_000 },
    async () => {
      sim = await simulate(t.db, { shops: 5, items: 10, deliveries: 0 });
      const ctx = testContext(t.db, { leaseMs: 30_000 });
      const shops = await sim.createScheme(undefined, seedSchemeDefinition);
      expect(await run(ctx, sim, shops.id)).toMatchObject({ status: "succeeded", written: 5 });
      const items = await sim.createScheme(undefined, seedItemsSchemeDefinition);
      expect(await run(ctx, sim, items.id)).toMatchObject({ status: "succeeded" });
      const deliveries = await sim.createScheme(undefined, seedDeliveriesSchemeDefinition);

      // Someone deletes a customer in 金蝶; a reconciliation finds it missing and 补同步 is pressed.
      const shop = sim.guanyi.state.shops.get(0);
      expect(sim.kingdee.forms.get("BD_Customer")!.delete([shop.code])).toBe(1);
      const row = await createReconciliation(t.db, { schemeId: shops.id, trigger: "manual", keyLimit: 100 });
      expect((await executeReconciliation(ctx, row.id)).kind).toBe("finished");
      expect(await t.db.reconciliation.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ missing: 1, missingWritten: 1 });
      const resync = await claimResync(t.db, { reconciliationId: row.id, schemeVersion: 1 });
      expect(resync).toMatchObject({ created: true, count: 1 });
      // Staging says so: failed, "对账发现金蝶中缺失…", with the number it was written as, and a lookup
      // no longer hands that number out (claimResync cleared the written hash).
      const customer = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: shops.id, status: "failed" } });
      expect(customer.targetNumber).toBe(shop.code);
      expect(await lookupWritten(t.db, { schemeId: shops.id, keyField: "code", returnField: "number", keys: [shop.code] })).toEqual({ written: new Map(), leftOut: new Set() });
      expect(customer.writtenHash).toBeNull();

      // Before the resync run gets to it, the 出库单 scheme runs (its schedule, or run-after): the
      // bill waits (等待依赖) instead of going out with a number 金蝶 no longer has (a data failure
      // nothing retries).
      // (Past the sweep's 2 s margin for clocks after the customers' first run: only a later write of
      // the customer releases the bill.)
      await new Promise((r) => setTimeout(r, 2_500));
      const sku = sim.guanyi.state.items.get(0).skus[0]!.code;
      sim.guanyi.addDeliveries([{ code: "SDO-AFTER-DELETE", shop_code: shop.code, delivery: 2, details: [{ sku_code: sku, qty: 1 }] }]);
      const d1 = await run(ctx, sim, deliveries.id);
      expect(d1).toMatchObject({ failed: 0, waiting: 1, written: 0 });
      const bill = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: "SDO-AFTER-DELETE" } });
      expect(bill.status).toBe("waiting");
      expect(await t.db.waitingRecord.findMany({ where: { sourceRecordId: bill.id } })).toMatchObject([{ waitsFor: DEMO_NAMES.shops, key: shop.code }]);
      expect(await waitsReadyToRelease(t.db)).toEqual([]);

      // The resync writes the customer again; both release paths see it, and the release run writes
      // the bill with the customer.
      expect((await runToEnd(ctx, resync.run.id)).kind).toBe("finished");
      expect(await t.db.run.findUniqueOrThrow({ where: { id: resync.run.id } })).toMatchObject({ status: "succeeded", written: 1 });
      expect(await lookupWritten(t.db, { schemeId: shops.id, keyField: "code", returnField: "number", keys: [shop.code] })).toEqual({ written: new Map([[shop.code, shop.code]]), leftOut: new Set() });
      expect(await schemeWroteDuring(t.db, resync.run.id)).toBe(true);
      expect(await waitsReadyToRelease(t.db)).toContainEqual({ schemeId: deliveries.id, runId: resync.run.id });
      expect(await run(ctx, sim, deliveries.id, "dependency")).toMatchObject({ written: 1, failed: 0, waiting: 0 });
      const sent = await t.db.sourceRecord.findUniqueOrThrow({ where: { id: bill.id } });
      expect(sent.status).toBe("written");
      expect(billCustomer(sim, sent.targetNumber!)).toBe(shop.code);
    },
  );
});

describe("a dependency whose filter node leaves the key out", () => {
  test(
    "the bill waits saying the customer is left out (not 'not written yet'), fails at the wait limit saying so, and is sent once the shop passes the filter",
    { timeout: 120_000 },
    async () => {
      sim = await simulate(t.db, { shops: 4, items: 10, deliveries: 0 });
      const ctx = testContext(t.db);
      const [hidden, shown] = [sim.guanyi.state.shops.get(0), sim.guanyi.state.shops.get(1)];
      sim.guanyi.modifyShops([{ id: hidden.id, set: { name: `停用 ${hidden.name}` } }]);
      // 店铺→客户 leaves out the shops whose name says 停用 (the lookup finds customers by shop code).
      const shops = await sim.createScheme((d) => putFilterNode(d, [{ field: "{{name}}", op: "notContains", value: "停用" }]), seedSchemeDefinition);
      expect(await run(ctx, sim, shops.id)).toMatchObject({ status: "succeeded", written: 3, filtered: 1 });
      const items = await sim.createScheme(undefined, seedItemsSchemeDefinition);
      expect(await run(ctx, sim, items.id)).toMatchObject({ status: "succeeded" });
      const deliveries = await sim.createScheme(undefined, seedDeliveriesSchemeDefinition);
      const sku = sim.guanyi.state.items.get(0).skus[0]!.code;
      sim.guanyi.addDeliveries([
        { code: "SDO-LEFT-OUT", shop_code: hidden.code, delivery: 2, details: [{ sku_code: sku, qty: 1 }] },
        { code: "SDO-KEPT", shop_code: shown.code, delivery: 2, details: [{ sku_code: sku, qty: 1 }] },
      ]);
      const answers = await lookupWritten(t.db, { schemeId: shops.id, keyField: "code", returnField: "number", keys: [hidden.code, shown.code, "NO-SUCH-SHOP"] });
      expect(answers).toEqual({ written: new Map([[shown.code, shown.code]]), leftOut: new Set([hidden.code]) });
      // (Past the sweep's 2 s margin for clocks after the customers' first run: only a later write of
      // the customer releases the bill.)
      await new Promise((r) => setTimeout(r, 2_500));

      // The bill of the left-out shop waits, and its reason says why it will not end by itself.
      expect(await run(ctx, sim, deliveries.id)).toMatchObject({ status: "succeeded", written: 1, waiting: 1, failed: 0 });
      const bill = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: "SDO-LEFT-OUT" } });
      expect(bill.status).toBe("waiting");
      expect(bill.lastError).toContain(`方案 “${DEMO_NAMES.shops}” 的过滤条件排除了 “${hidden.code}”`);
      expect(bill.lastError).not.toContain("尚未写入");
      expect(await t.db.waitingRecord.findMany({ where: { sourceRecordId: bill.id } })).toMatchObject([{ waitsFor: DEMO_NAMES.shops, key: hidden.code, leftOut: true }]);
      // The editor's test run says so too, field by field.
      const test = await sim.requestRun(deliveries.id, "test");
      await runToEnd(ctx, test.id);
      const sampled = ((await t.db.run.findUniqueOrThrow({ where: { id: test.id } })).result as unknown as TestRunResult).records;
      expect(sampled.find((r) => r.sourceId === "SDO-LEFT-OUT")?.waits).toEqual([expect.objectContaining({ scheme: DEMO_NAMES.shops, key: hidden.code, leftOut: true })]);
      expect(sampled.find((r) => r.sourceId === "SDO-KEPT")?.waits).toBeUndefined();

      // The shop is renamed: it passes the filter, the customer is written, and the release run sends the bill.
      sim.guanyi.modifyShops([{ id: hidden.id, set: { name: hidden.name } }]);
      await new Promise((r) => setTimeout(r, 2_500));
      const s2 = await run(ctx, sim, shops.id);
      expect(s2).toMatchObject({ status: "succeeded", written: 1, filtered: 0 });
      expect(await waitsReadyToRelease(t.db)).toContainEqual({ schemeId: deliveries.id, runId: s2.id });
      expect(await run(ctx, sim, deliveries.id, "dependency")).toMatchObject({ written: 1, waiting: 0 });
      expect(await t.db.sourceRecord.findUniqueOrThrow({ where: { id: bill.id } })).toMatchObject({ status: "written" });
      expect(billCustomer(sim, "SDO-LEFT-OUT")).toBe(hidden.code);

      // A written shop is switched off: lookups still find its customer; a shop never written waits,
      // and past the limit its bill fails naming the filter.
      sim.guanyi.modifyShops([{ id: shown.id, set: { name: `停用 ${shown.name}` } }]);
      expect(await run(ctx, sim, shops.id)).toMatchObject({ status: "succeeded", written: 0, filtered: 1 });
      // Written before it was left out: lookups still find the customer 金蝶 has (Qiao never removes it).
      expect((await lookupWritten(t.db, { schemeId: shops.id, keyField: "code", returnField: "number", keys: [shown.code] })).written.get(shown.code)).toBe(shown.code);
      // A shop opened already switched off: never written, so its new bill waits.
      const [third] = sim.guanyi.addShops([{ code: "SHOP-OFF", name: "停用 新开店铺" }]);
      expect(await run(ctx, sim, shops.id)).toMatchObject({ status: "succeeded", written: 0, filtered: 2 });
      sim.guanyi.addDeliveries([{ code: "SDO-NEVER", shop_code: third!.code, delivery: 2, details: [{ sku_code: sku, qty: 1 }] }]);
      expect(await run(ctx, sim, deliveries.id)).toMatchObject({ waiting: 1, written: 0 });
      expect(await expireWaiting(t.db, 72, new Date(Date.now() + 73 * 3_600_000))).toEqual([{ schemeId: deliveries.id, failed: 1 }]);
      const never = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: "SDO-NEVER" } });
      expect(never.status).toBe("failed");
      expect(never.lastError).toContain(`等待依赖超过 72 小时：方案 “${DEMO_NAMES.shops}” 的过滤条件排除了 “SHOP-OFF”，不会写入`);
    },
  );
});

describe("counting waiting records", () => {
  /**
   * A 出库单 scheme read in pages of 5 bills, 店铺→客户 existing with nothing written (every bill
   * waits), and a run of it whose first attempt stopped once some bills were recorded as waiting.
   */
  async function handedBackWhileWaiting(s: Simulated, plain: EngineContext) {
    const shops = await s.createScheme(undefined, seedSchemeDefinition);
    const items = await s.createScheme(undefined, seedItemsSchemeDefinition);
    expect(await run(plain, s, items.id)).toMatchObject({ status: "succeeded" });
    const deliveries = await s.createScheme((d) => {
      sourceConfig(d).pageSize = 5;
      targetConfig(d).batchSize = 5;
    }, seedDeliveriesSchemeDefinition);
    const expected = expectedBills(s);
    expect(expected.length).toBeGreaterThan(10);
    const r = await s.requestRun(deliveries.id, "manual");
    expect((await stopOnceWaiting(t.db, r.id)).kind).toBe("handed-back");
    const afterFirst = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
    expect(afterFirst.waiting).toBeGreaterThan(0);
    expect(afterFirst.phase).toBe("reading");
    return { shops, deliveries, expected, runId: r.id, waitedInAttempt1: afterFirst.waiting };
  }

  test("a run resumed mid-read counts each waiting record once (run.waiting = records waiting)", { timeout: 120_000 }, async () => {
    sim = await simulate(t.db, { shops: 5, items: 10, deliveries: 40 });
    const plain = testContext(t.db);
    const { deliveries, expected, runId } = await handedBackWhileWaiting(sim, plain);

    // Attempt 2 (the next worker) resumes: it reads the window again from page 1, and the bills the
    // first attempt recorded as waiting wait again.
    expect((await runToEnd(plain, runId)).kind).toBe("finished");
    const done = await t.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(await t.db.sourceRecord.count({ where: { schemeId: deliveries.id, status: "waiting" } })).toBe(expected.length);
    expect(await t.db.runOutcome.count({ where: { runId, status: "waiting" } })).toBe(expected.length);
    // The run page's 等待依赖 says how many records wait: each once.
    expect(done.waiting).toBe(expected.length);
  });

  // Session 31's audit: recordWriteResults and recordMappingFailures moved a record's earlier outcome
  // in the run off written / failed / unknown / saved, never off waiting (uncountPrevious).
  test(
    "a bill that waited in attempt 1 and is written by the resumed attempt 2 (its customer written in between) is not still counted as waiting",
    { timeout: 120_000 },
    async () => {
      sim = await simulate(t.db, { shops: 5, items: 10, deliveries: 40 });
      const plain = testContext(t.db);
      const { shops, deliveries, expected, runId, waitedInAttempt1 } = await handedBackWhileWaiting(sim, plain);

      // Before the next worker resumes it, 店铺→客户 writes every customer.
      expect(await run(plain, sim, shops.id)).toMatchObject({ status: "succeeded", written: 5 });

      // Attempt 2 reads the window again: every bill, those that waited included, is written
      // (runToEnd also checks each counter against the run's records).
      expect((await runToEnd(plain, runId)).kind).toBe("finished");
      const done = await t.db.run.findUniqueOrThrow({ where: { id: runId } });
      expect(done.written).toBe(expected.length);
      expect(await t.db.sourceRecord.count({ where: { schemeId: deliveries.id, status: "waiting" } })).toBe(0);
      expect(await t.db.runOutcome.count({ where: { runId, status: "waiting" } })).toBe(0);
      // The run page's 等待依赖 says how many of the run's records wait: none does (it said
      // `waitedInAttempt1` beside written = every bill, counting those bills twice).
      expect(waitedInAttempt1).toBeGreaterThan(0);
      expect(done.waiting).toBe(0);
    },
  );
});
