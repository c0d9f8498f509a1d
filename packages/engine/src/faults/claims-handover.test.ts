// target_number_claims in whole runs (session 24's audit; each failed with e196cb5): a record handed
// its number is sent by the run that asked for it (a retry makes one pass over its records), and no
// number is handed over from a record whose update may have been saved.
import { seedDeliveriesSchemeDefinition } from "@qiao/core";
import type { WriteRequest } from "@qiao/connectors";
import { afterEach, describe, expect, test } from "vitest";
import { billRows, runScheme, runToEnd, simulate, type Simulated, targetConfig, testContext, wrapKingdeeTarget, writeMasterData } from "../testing/harness";
import { useTestDb } from "../testing/use-test-db";

const t = useTestDb("claimshandover");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Simulators with master data written; 金蝶 refuses every save while `refusing.on` (a data failure: nothing saved). */
async function deliveriesRefusable() {
  sim = await simulate(t.db, { shops: 3, items: 10, deliveries: 0 });
  const s = sim;
  const refusing = { on: false };
  const getConnector = wrapKingdeeTarget((real) => ({
    ...real,
    async write(req: WriteRequest) {
      if (!refusing.on) return real.write(req);
      return req.records.map((_, index) => ({ ok: false as const, index, message: "物料未审核（测试）", errorClass: "data" as const, response: null }));
    },
  }));
  const ctx = testContext(t.db, { connectorDefaults: { qps: 1000, timeoutMs: 2_000, maxRetries: 1 }, unknownOutcomeWaitMs: 500, getConnector });
  await writeMasterData(t.db, ctx, s);
  return { s, ctx, refusing };
}

describe("a number handed over", () => {
  test("a retry of the refused record, once 金蝶 refused the holder outright, writes it: handed the number, it is sent by the same run", { timeout: 90_000 }, async () => {
    const { s, ctx, refusing } = await deliveriesRefusable();
    const deliveries = await s.createScheme((d) => {
      targetConfig(d).mapping.FBillNo = "{{platform_code}}";
    }, seedDeliveriesSchemeDefinition);
    const sku = (i: number) => s.guanyi.state.items.get(i).skus[0]!.code;
    const shop = s.guanyi.state.shops.get(0).code;
    s.guanyi.addDeliveries([
      { code: "SDO-SPLIT-1", shop_code: shop, platform_code: "P-SPLIT", delivery: 2, details: [{ sku_code: sku(0), qty: 1 }] },
      { code: "SDO-SPLIT-2", shop_code: shop, platform_code: "P-SPLIT", delivery: 2, details: [{ sku_code: sku(1), qty: 5 }] },
    ]);
    // Run 1: the first delivery holds P-SPLIT and 金蝶 refuses its save; the second is refused naming it.
    refusing.on = true;
    expect(await runScheme(t.db, ctx, s, deliveries.id)).toMatchObject({ written: 0, failed: 2 });
    refusing.on = false;
    const first = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: "SDO-SPLIT-1" } });
    const second = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: "SDO-SPLIT-2" } });
    expect(first).toMatchObject({ status: "failed", writtenHash: null, targetId: null });
    expect(second).toMatchObject({ status: "failed", lastError: expect.stringContaining("“SDO-SPLIT-1”") });

    // The person retries the second delivery (the first, refused by 金蝶, never wrote P-SPLIT, so the
    // number may be handed over: session 24). The retry hands it over, then ends without sending it.
    const retry = await s.requestRun(deliveries.id, "retry", { options: { scope: "scheme", sourceRecordIds: [second.id.toString()] } });
    await runToEnd(ctx, retry.id);
    const after = await t.db.sourceRecord.findUniqueOrThrow({ where: { id: second.id } });
    const ran = await t.db.run.findUniqueOrThrow({ where: { id: retry.id } });
    expect({ status: after.status, written: ran.written, bill: billRows(s).filter((r) => r.billNo === "P-SPLIT").map((r) => r.qty) }).toEqual({
      status: "written",
      written: 1,
      bill: [5],
    });
  });

  test("a holder refused under a number and written under another since hands it over: the delivery the number belongs to is written (session 24's open false refusal)", { timeout: 90_000 }, async () => {
    const { s, ctx, refusing } = await deliveriesRefusable();
    // Each bill is numbered by its delivery's express number (one parcel, one bill).
    const deliveries = await s.createScheme((d) => {
      targetConfig(d).mapping.FBillNo = "{{express_no}}";
    }, seedDeliveriesSchemeDefinition);
    const sku = (i: number) => s.guanyi.state.items.get(i).skus[0]!.code;
    const shop = s.guanyi.state.shops.get(0).code;
    s.guanyi.addDeliveries([
      { code: "SDO-TYPO-1", shop_code: shop, delivery: 2, details: [{ sku_code: sku(0), qty: 1 }] },
      { code: "SDO-TYPO-2", shop_code: shop, delivery: 2, details: [{ sku_code: sku(1), qty: 5 }] },
    ]);
    // The first delivery was given the second's express number by mistake.
    s.guanyi.modifyDeliveries([
      { code: "SDO-TYPO-1", set: { express_no: "SF-2" } },
      { code: "SDO-TYPO-2", set: { express_no: "SF-2" } },
    ]);
    // Run 1: 金蝶 refuses the first under SF-2; the second is refused naming it.
    refusing.on = true;
    expect(await runScheme(t.db, ctx, s, deliveries.id)).toMatchObject({ written: 0, failed: 2 });
    refusing.on = false;
    const second = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: "SDO-TYPO-2" } });
    expect(second.lastError).toContain("“SDO-TYPO-1”");
    // The typo is corrected at the source: the first delivery is written under SF-1.
    s.guanyi.modifyDeliveries([{ code: "SDO-TYPO-1", set: { express_no: "SF-1" } }]);
    expect(await runScheme(t.db, ctx, s, deliveries.id)).toMatchObject({ written: 1 });
    // The person retries the second: SF-2 never had a bill (金蝶 refused the only save under it), so it
    // is handed over and the second delivery is written under its own number.
    const retry = await s.requestRun(deliveries.id, "retry", { options: { scope: "scheme", sourceRecordIds: [second.id.toString()] } });
    await runToEnd(ctx, retry.id);
    const bills = (no: string) => billRows(s).filter((r) => r.billNo === no).map((r) => r.qty);
    expect({
      second: (await t.db.sourceRecord.findUniqueOrThrow({ where: { id: second.id } })).status,
      sf1: bills("SF-1"),
      sf2: bills("SF-2"),
    }).toEqual({ second: "written", sf1: [1], sf2: [5] });
  });

  test("upsert of base data: a holder whose update's outcome stayed unknown (reported as a transient failure) may have saved; its number is not handed over", { timeout: 90_000 }, async () => {
    sim = await simulate(t.db, { shops: 2 });
    const s = sim;
    // A customer that exists in 金蝶 already (upsert links to it): every write to it is an update.
    s.kingdee.store.preCreate([{ FNumber: "SHARED-C", FName: "原有客户" }]);
    const scheme = await s.createScheme((d) => {
      targetConfig(d).mode = "upsert";
      // Both shops map to one customer number.
      targetConfig(d).mapping.FNumber = "SHARED-C";
    });
    const ctx = testContext(t.db, { connectorDefaults: { qps: 1000, timeoutMs: 2_000, maxRetries: 1 } });
    // Both tries of the holder's update are saved by 金蝶, whose answers are lost (HTTP 500 after the commit).
    s.kingdee.injectNext({ fault: "http500AfterCommit", service: "BatchSave" }, { fault: "http500AfterCommit", service: "BatchSave" });
    expect(await runScheme(t.db, ctx, s, scheme.id)).toMatchObject({ written: 0, failed: 2 });
    expect(s.kingdee.stats().faultsInjected).toMatchObject({ http500AfterCommit: 2 });
    const rows = await t.db.sourceRecord.findMany({ where: { schemeId: scheme.id }, orderBy: { id: "asc" } });
    const holder = rows.find((r) => r.errorClass === "transient")!;
    const other = rows.find((r) => r.id !== holder.id)!;
    expect(holder).toMatchObject({ status: "failed", writtenHash: null, targetId: null });
    expect(other.lastError).toContain(`“${holder.sourceId}”`);
    // The holder's update was saved: the customer carries its name now.
    const holderName = String((holder.data as Record<string, unknown>).name);
    expect(s.kingdee.store.list().find((c) => String(c.FNumber) === "SHARED-C")!.FName).toBe(holderName);

    // The other shop changes at the source: read again, it asks for SHARED-C and is handed it (the
    // holder "failed without writing"), then sent: its update replaces the holder's saved data.
    const shop = [0, 1].map((i) => s.guanyi.state.shops.get(i)).find((x) => String(x.id) === other.sourceId)!;
    s.guanyi.modifyShops([{ id: Number(shop.id), set: { name: "改名后的另一家店" } }]);
    await runScheme(t.db, ctx, s, scheme.id);
    expect({
      name: s.kingdee.store.list().find((c) => String(c.FNumber) === "SHARED-C")!.FName,
      other: (await t.db.sourceRecord.findUniqueOrThrow({ where: { id: other.id } })).status,
    }).toEqual({ name: holderName, other: "failed" });
  });
});
