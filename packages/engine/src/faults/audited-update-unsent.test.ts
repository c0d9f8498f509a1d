// Upsert of 销售出库单 with IsAutoSubmitAndAudit (bills audited as they are saved): an update that
// never went out is not recorded as written because its bill is found audited (session 23's audit).
// The connector's lookup before the save answers HTTP 500 twice and the run fails. Until session 32
// the records stayed `sending`, and the next run parked them as unknown; its lookup found the bill
// audited, but by the FIRST run's save, before this update existed: session 18's "audited → written"
// would record the new payload as written while 金蝶 keeps the old 快递单号, and every later run would
// skip the delivery. A record written before and parked without an answer is sent again instead
// (engine/src/outcomes.ts foundByBillState); since session 32 a batch the target threw out of before
// sending is put back at once. Either way the connector finds the bill audited and refuses the
// update, saying what to do.
import { seedDeliveriesSchemeDefinition } from "@qiao/core";
import { afterEach, describe, expect, test } from "vitest";
import type { EngineContext } from "../context";
import { expectedBills, runScheme as runSchemeToEnd, simulate, type Simulated, targetConfig, testContext, writeMasterData } from "../testing/harness";
import { useTestDb } from "../testing/use-test-db";

const t = useTestDb("auditedunsent");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A manual run of the scheme, to its end (testing/bills.ts). */
const runScheme = (ctx: EngineContext, schemeId: string) => runSchemeToEnd(t.db, ctx, sim!, schemeId);

/**
 * The deliveries scheme in upsert mode with IsAutoSubmitAndAudit, run once (every bill audited), then
 * one delivery's 快递单号 changed at the source: the update the next run must send.
 */
async function auditedThenChanged(express: string) {
  sim = await simulate(t.db, { shops: 10, items: 20, deliveries: 6 });
  const plain = testContext(t.db);
  await writeMasterData(t.db, plain, sim);
  const deliveries = await sim.createScheme((d) => {
    targetConfig(d).mode = "upsert";
    targetConfig(d).options = { IsAutoSubmitAndAudit: true, IsVerifyBaseDataField: true, InterationFlags: "STK_InvCheckResult" };
  }, seedDeliveriesSchemeDefinition);
  const expected = expectedBills(sim);
  expect(await runScheme(plain, deliveries.id)).toMatchObject({ written: expected.length, failed: expected.rowless });
  const code = expected[0]!.code;
  const billOf = () => sim!.kingdee.forms.outstock.list().find((b) => b.FBillNo === code)!;
  expect(billOf().FDocumentStatus).toBe("C");
  const oldCarriage = billOf().FCarriageNO;
  sim.guanyi.modifyDeliveries([{ code, set: { express_no: express } }]);
  const ctx = testContext(t.db, { connectorDefaults: { qps: 1000, timeoutMs: 2_000, maxRetries: 1 }, unknownOutcomeWaitMs: 500 });
  return { deliveries, code, billOf, oldCarriage, ctx, savesBefore: sim.kingdee.stats().calls.BatchSave ?? 0 };
}

/** The delivery's staging row: not written with the new payload (金蝶 holds the old 快递单号). */
async function notWrittenAsNew(schemeId: string, code: string) {
  const row = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId, sourceId: code } });
  expect(row.status === "written" && row.writtenHash === row.payloadHash).toBe(false);
  return row;
}

describe("upsert with IsAutoSubmitAndAudit: an update never sent", () => {
  test("its bill, audited by the first save, does not make the unsent update written", { timeout: 60_000 }, async () => {
    const { deliveries, code, billOf, oldCarriage, ctx, savesBefore } = await auditedThenChanged("SF-NEW-0001");
    // The upsert's lookup fails (both tries): no BatchSave is made.
    sim!.kingdee.injectNext({ fault: "http500", service: "ExecuteBillQuery" }, { fault: "http500", service: "ExecuteBillQuery" });
    const failedRun = await runScheme(ctx, deliveries.id);
    expect(sim!.kingdee.stats().faultsInjected).toMatchObject({ http500: 2 });
    expect(failedRun.status).toBe("failed");
    // Nothing went out, so the failed run put the record back (session 32's audit: before, it stayed
    // `sending` and the next run parked it as unknown and looked it up).
    expect(await t.db.sourceRecord.count({ where: { schemeId: deliveries.id, status: "sending" } })).toBe(0);
    expect(await t.db.sourceRecord.count({ where: { schemeId: deliveries.id, sourceId: code, status: "pending" } })).toBe(1);
    // The next run sends it again: the connector finds the bill audited and makes no BatchSave.
    await runScheme(ctx, deliveries.id);
    expect((sim!.kingdee.stats().calls.BatchSave ?? 0) - savesBefore).toBe(0);
    expect(billOf().FCarriageNO).toBe(oldCarriage);
    // Refused, saying what to do.
    expect(await notWrittenAsNew(deliveries.id, code)).toMatchObject({ status: "failed", lastError: expect.stringContaining("反审核") });
  });

  // The same with a dropped connection (session 27's audit of the connectors' errors): the 金蝶 client
  // threw `unknown_outcome` for a read cut off, so the lookup before the save threw one out of
  // write() with nothing sent; the engine took it for a save that may have happened, and after the
  // wait its lookup found the bill audited by the FIRST run's save and recorded the update written.
  // Now a read cut off is `network`, retried, and "nothing sent".
  test("its lookup before the save losing its connection does not make the unsent update written", { timeout: 60_000 }, async () => {
    const { deliveries, code, billOf, oldCarriage, ctx, savesBefore } = await auditedThenChanged("SF-NEW-0002");
    // The upsert's lookup (a read) loses its connection on both tries: no BatchSave is made.
    sim!.kingdee.injectNext({ fault: "drop", service: "ExecuteBillQuery" }, { fault: "drop", service: "ExecuteBillQuery" });
    await runScheme(ctx, deliveries.id);
    expect(sim!.kingdee.stats().faultsInjected).toMatchObject({ drop: 2 });
    expect((sim!.kingdee.stats().calls.BatchSave ?? 0) - savesBefore).toBe(0);
    expect(billOf().FCarriageNO).toBe(oldCarriage);
    await notWrittenAsNew(deliveries.id, code);
  });
});
