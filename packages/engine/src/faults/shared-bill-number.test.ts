// Two source records mapped to one bill number (拆单: one order shipped as two deliveries, FBillNo ←
// {{platform_code}}), session 23's audit. Before: in upsert mode the second delivery's save replaced
// the first delivery's bill rows; in create mode an unknown outcome of the second's save was looked
// up by its number, found the FIRST delivery's bill and recorded the second written, its rows never
// sent. Now the number belongs to the record that claimed it first (target_number_claims): the
// second delivery is not sent, and fails naming the first, until its mapping gives it a number of
// its own.
import { seedDeliveriesSchemeDefinition } from "@qiao/core";
import { afterEach, describe, expect, test } from "vitest";
import { billRows, runScheme as runSchemeToEnd, simulate, type Simulated, targetConfig, testContext, writeMasterData } from "../testing/harness";
import { useTestDb } from "../testing/use-test-db";

const t = useTestDb("sharedbillno");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/**
 * A deliveries scheme (mode `mode`) numbering its bills by the platform order, whose first delivery
 * of order P-SPLIT is written; then the order's second delivery arrives (5 of another item).
 */
async function splitOrder(mode: "create" | "upsert") {
  sim = await simulate(t.db, { shops: 3, items: 10, deliveries: 0 });
  const s = sim;
  const ctx = testContext(t.db, { connectorDefaults: { qps: 1000, timeoutMs: 2_000, maxRetries: 1 }, unknownOutcomeWaitMs: 500 });
  await writeMasterData(t.db, ctx, s);
  const deliveries = await s.createScheme((d) => {
    targetConfig(d).mode = mode;
    targetConfig(d).mapping.FBillNo = "{{platform_code}}";
    // Bills left open (saved, not audited), as upsert needs them to update them.
    if (mode === "upsert") targetConfig(d).options = { IsAutoSubmitAndAudit: false, IsVerifyBaseDataField: true };
  }, seedDeliveriesSchemeDefinition);
  const sku = (i: number) => s.guanyi.state.items.get(i).skus[0]!.code;
  const shop = s.guanyi.state.shops.get(0).code;
  s.guanyi.addDeliveries([{ code: "SDO-SPLIT-1", shop_code: shop, platform_code: "P-SPLIT", delivery: 2, details: [{ sku_code: sku(0), qty: 1 }] }]);
  expect(await runSchemeToEnd(t.db, ctx, s, deliveries.id)).toMatchObject({ status: "succeeded", written: 1 });
  const first = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: "SDO-SPLIT-1" } });
  expect(first).toMatchObject({ status: "written", targetNumber: "P-SPLIT" });
  s.guanyi.addDeliveries([{ code: "SDO-SPLIT-2", shop_code: shop, platform_code: "P-SPLIT", delivery: 2, details: [{ sku_code: sku(1), qty: 5 }] }]);
  return { s, ctx, deliveries, first };
}

/** The bill P-SPLIT's rows in 金蝶 (quantities), and how many bills carry the number. */
const billOf = (s: Simulated) => ({
  qty: billRows(s)
    .filter((r) => r.billNo === "P-SPLIT")
    .map((r) => r.qty),
  bills: s.kingdee.forms.outstock.list().filter((b) => b.FBillNo === "P-SPLIT").length,
});

async function secondDelivery(schemeId: string) {
  return t.db.sourceRecord.findFirstOrThrow({ where: { schemeId, sourceId: "SDO-SPLIT-2" } });
}

describe("two deliveries mapped to one bill number", () => {
  test("create mode, the save's outcome unknown: the second delivery is not sent, so no lookup takes the first's bill for it", { timeout: 90_000 }, async () => {
    const { s, ctx, deliveries, first } = await splitOrder("create");
    const savesBefore = s.kingdee.stats().calls.BatchSave ?? 0;
    // Were the second delivery sent, both tries of its save would answer HTTP 500 (outcome unknown),
    // and the lookup by P-SPLIT would find the first delivery's bill.
    s.kingdee.injectNext({ fault: "http500", service: "BatchSave" }, { fault: "http500", service: "BatchSave" });
    const run = await runSchemeToEnd(t.db, ctx, s, deliveries.id);
    expect(run).toMatchObject({ written: 0, failed: 1, unknown: 0 });
    expect((s.kingdee.stats().calls.BatchSave ?? 0) - savesBefore).toBe(0);
    const second = await secondDelivery(deliveries.id);
    expect(second).toMatchObject({ status: "failed", errorClass: "data", targetId: null, writtenHash: null });
    expect(second.lastError).toContain("FBillNo “P-SPLIT” 已属于本方案的另一条源记录 “SDO-SPLIT-1”");
    const record = await t.db.runOutcome.findFirstOrThrow({ where: { runId: run.id, sourceId: "SDO-SPLIT-2" } });
    expect(record).toMatchObject({ status: "failed", errorField: "FBillNo", errorClass: "data" });
    expect(billOf(s)).toEqual({ qty: [1], bills: 1 });
    expect(await t.db.sourceRecord.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({ status: "written", targetId: first.targetId });
  });

  test("upsert mode: the second delivery does not replace the first's bill rows", { timeout: 90_000 }, async () => {
    const { s, ctx, deliveries } = await splitOrder("upsert");
    const run = await runSchemeToEnd(t.db, ctx, s, deliveries.id);
    expect(run).toMatchObject({ written: 0, failed: 1 });
    expect(billOf(s)).toEqual({ qty: [1], bills: 1 });
    expect(await secondDelivery(deliveries.id)).toMatchObject({ status: "failed", errorClass: "data", lastError: expect.stringContaining("“SDO-SPLIT-1”") });

    // The first delivery changes: it still updates its own bill.
    s.guanyi.modifyDeliveries([{ code: "SDO-SPLIT-1", set: { express_no: "SF-SPLIT-1" } }]);
    expect(await runSchemeToEnd(t.db, ctx, s, deliveries.id)).toMatchObject({ written: 1, failed: 0 });
    expect(s.kingdee.forms.outstock.list().find((b) => b.FBillNo === "P-SPLIT")!.FCarriageNO).toBe("SF-SPLIT-1");
    expect(billOf(s)).toEqual({ qty: [1], bills: 1 });

    // The mapping numbers bills by delivery: the refused delivery is sent again by itself, as its own
    // bill. The first delivery, written as P-SPLIT, is not sent under its new number (session 32: that
    // made a second bill of it, SDO-SPLIT-1 beside P-SPLIT); it fails naming both numbers.
    await s.saveVersion(deliveries.id, (d) => {
      targetConfig(d).mapping.FBillNo = "{{code}}";
    });
    expect(await runSchemeToEnd(t.db, ctx, s, deliveries.id)).toMatchObject({ written: 1, failed: 1 });
    expect(await secondDelivery(deliveries.id)).toMatchObject({ status: "written", targetNumber: "SDO-SPLIT-2" });
    expect(billRows(s).filter((r) => r.billNo === "SDO-SPLIT-2").map((r) => r.qty)).toEqual([5]);
    const firstDelivery = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: "SDO-SPLIT-1" } });
    expect(firstDelivery).toMatchObject({ status: "failed", errorClass: "data", targetNumber: "P-SPLIT" });
    expect(firstDelivery.lastError).toContain("已写入为 FBillNo “P-SPLIT”，映射的单据编号变为 “SDO-SPLIT-1”");
    expect(billRows(s).filter((r) => r.billNo === "SDO-SPLIT-1")).toEqual([]);
    expect(billOf(s)).toEqual({ qty: [1], bills: 1 });
  });
});
