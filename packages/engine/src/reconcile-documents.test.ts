// Reconciliation (对账) of the documents path, 发货单 → 销售出库单, against the simulators: bills
// whose number 金蝶 gives (FBillNo not mapped), and several deliveries mapped to one bill number.
import { seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition } from "@qiao/core";
import { createReconciliation } from "@qiao/db";
import { afterEach, describe, expect, test } from "vitest";
import { executeReconciliation } from "./reconcile";
import { expectedBills, forgetSchemes } from "./testing/bills";
import { runToEnd, simulate, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("reconcile-docs");
let sim: Simulated | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  // Lookups name schemes: each test starts with none (the demo names are free again).
  await forgetSchemes(t.db);
});

/** A long lease: this machine is shared, and nothing here interrupts a write on purpose. */
const ctx = () => testContext(t.db, { leaseMs: 30_000 });

async function runScheme(id: string) {
  const r = await sim!.requestRun(id, "manual");
  expect((await runToEnd(ctx(), r.id)).kind).toBe("finished");
  return t.db.run.findUniqueOrThrow({ where: { id: r.id } });
}

async function reconcile(schemeId: string) {
  const row = await createReconciliation(t.db, { schemeId, trigger: "manual", keyLimit: 1000 });
  expect((await executeReconciliation(ctx(), row.id)).kind).toBe("finished");
  return t.db.reconciliation.findUniqueOrThrow({ where: { id: row.id }, include: { items: { orderBy: [{ category: "asc" }, { number: "asc" }] } } });
}

/** The customers and materials the bills reference, written. */
async function masterData() {
  for (const base of [seedSchemeDefinition, seedItemsSchemeDefinition]) {
    const s = await sim!.createScheme(undefined, base);
    expect(await runScheme(s.id)).toMatchObject({ status: "succeeded" });
  }
}

describe("reconciliation of 销售出库单", () => {
  test("bills numbered by 金蝶's 编码规则 (FBillNo not mapped) match through staging's target_number: none extra, a deleted one missing by 金蝶's number", { timeout: 120_000 }, async () => {
    sim = await simulate(t.db, { shops: 10, items: 20, deliveries: 30 });
    await masterData();
    // The FBillNo field's own help: "不填时由金蝶编码规则生成". The scheme saves and runs.
    const deliveries = await sim.createScheme((d) => {
      delete targetConfig(d).mapping.FBillNo;
    }, seedDeliveriesSchemeDefinition);
    const expected = expectedBills(sim);
    const run = await runScheme(deliveries.id);
    expect(run).toMatchObject({ written: expected.length, failed: expected.rowless });
    // Staging knows what each delivery was written as (XSCKD000001 …).
    const written = await t.db.sourceRecord.findMany({ where: { schemeId: deliveries.id, status: "written" } });
    expect(written).toHaveLength(expected.length);
    expect(written.every((r) => r.targetNumber?.startsWith("XSCKD"))).toBe(true);

    // Nothing was deleted or added in 金蝶: every bill is one a delivery wrote. docs/reconciliation.md
    // § Matching: a record's number is staging's target_number when it has one, else its template's.
    const report = await reconcile(deliveries.id);
    expect(report).toMatchObject({
      status: "succeeded",
      sourceCount: expected.length,
      targetCount: expected.length,
      matched: expected.length,
      missing: 0,
      extra: 0,
      missingWritten: 0,
      // Only the rowless deliveries (never written: no number in staging nor from a template).
      unmatchable: expected.rowless,
    });
    expect(report.items).toEqual([]);

    // A bill deleted in 金蝶 is found missing by the number 金蝶 gave it: what a resync writes again.
    const gone = written[0]!;
    expect(sim.kingdee.forms.get("SAL_OUTSTOCK")!.delete([gone.targetNumber!])).toBe(1);
    const after = await reconcile(deliveries.id);
    expect(after).toMatchObject({ matched: expected.length - 1, missing: 1, missingWritten: 1, extra: 0, unmatchable: expected.rowless });
    expect(after.items).toMatchObject([{ category: "missing", number: gone.targetNumber, sourceId: gone.sourceId, stagedStatus: "written" }]);
    expect(after.items[0]!.stagedUpdatedAt).not.toBeNull();
  });

  test("two deliveries of one platform order (拆单) under FBillNo = {{platform_code}}: one bill matches one delivery, the others are missing", { timeout: 120_000 }, async () => {
    sim = await simulate(t.db, { shops: 5, items: 10, deliveries: 0 });
    await masterData();
    // kingdee-documents.md § Idempotent writes 1: integrators put 管易 platform_code in FBillNo [K9].
    const deliveries = await sim.createScheme((d) => {
      targetConfig(d).mapping.FBillNo = "{{platform_code}}";
    }, seedDeliveriesSchemeDefinition);
    const shop = sim.guanyi.state.shops.get(0);
    const [a, b] = [sim.guanyi.state.items.get(0).skus[0]!.code, sim.guanyi.state.items.get(1).skus[0]!.code];
    // One platform order shipped in two deliveries (a split order): same platform_code, other lines.
    sim.guanyi.addDeliveries([
      { code: "SDO-SPLIT-1", shop_code: shop.code, platform_code: "TB-ORDER-1", delivery: 2, details: [{ sku_code: a, qty: 1 }] },
      { code: "SDO-SPLIT-2", shop_code: shop.code, platform_code: "TB-ORDER-1", delivery: 2, details: [{ sku_code: b, qty: 2 }] },
      { code: "SDO-OTHER", shop_code: shop.code, platform_code: "TB-ORDER-2", delivery: 2, details: [{ sku_code: a, qty: 3 }] },
    ]);
    const run = await runScheme(deliveries.id);
    // The second delivery of the order is refused, not sent: its bill number belongs to the first
    // (target_number_claims; before session 24 金蝶 refused it as a duplicate number).
    expect(run).toMatchObject({ written: 2, failed: 1 });
    const failed = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, status: "failed" } });
    expect(failed.lastError).toContain("已属于本方案的另一条源记录");
    const wrote = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, targetNumber: "TB-ORDER-1", status: "written" } });
    // A third delivery of the order, read by the reconciliation only (never staged), whose code sorts
    // before both: the bill is still the one staging says a delivery wrote, not the first by id.
    sim.guanyi.addDeliveries([{ code: "SDO-SPLIT-0", shop_code: shop.code, platform_code: "TB-ORDER-1", delivery: 2, details: [{ sku_code: b, qty: 1 }] }]);

    const report = await reconcile(deliveries.id);
    // Two bills match two deliveries; the two deliveries whose goods are in no bill are missing.
    expect(report).toMatchObject({ sourceCount: 4, targetCount: 2, matched: 2, missing: 2, missingWritten: 0, extra: 0, unmatchable: 0 });
    const missing = report.items.filter((i) => i.category === "missing");
    expect(missing.map((i) => i.sourceId).sort()).toEqual(["SDO-SPLIT-0", failed.sourceId].sort());
    expect(missing.every((i) => i.number === "TB-ORDER-1" && i.stagedUpdatedAt === null)).toBe(true);
    expect(missing.some((i) => i.sourceId === wrote.sourceId)).toBe(false);
  });
});
