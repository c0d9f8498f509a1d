// Session 18: upsert of 销售出库单 whose update's outcome is unknown. Looking a bill's number up
// proves nothing about an update (the bill existed before), but its status (FDocumentStatus) does:
// - audit "withSave" with IsAutoSubmitAndAudit: save, submit and audit are one transaction, and an
//   update is only sent to an unaudited bill, so a bill found audited is the update that happened
//   (sent again it would be refused: 已审核的单据不能修改), and one found unaudited after the wait is
//   an update that did not commit (sent again).
// - audit "separate": a bill found unaudited may or may not hold the update; saving it again with its
//   FID is idempotent in effect, so the update is sent again before the bill is audited.
import { seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterEach, describe, expect, test } from "vitest";
import type { EngineContext } from "../context";
import { expectedBills, runToEnd, simulate, targetConfig, testContext, type Simulated } from "../testing/harness";
import { useTestDb } from "../testing/use-test-db";

const t = useTestDb("billupdate");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function runScheme(ctx: EngineContext, schemeId: string) {
  const r = await sim!.requestRun(schemeId, "manual");
  expect((await runToEnd(ctx, r.id)).kind).toBe("finished");
  return t.db.run.findUniqueOrThrow({ where: { id: r.id } });
}

/**
 * Customers and materials, then the deliveries scheme in upsert mode, first run saving its bills
 * without auditing them (IsAutoSubmitAndAudit false: 创建, still editable); then the scheme is
 * switched by `then` and one delivery gets a new 快递单号, so the next run sends one update.
 */
async function unauditedBillsThenChange(then: (d: SchemeDefinition) => void) {
  const s = sim!;
  const plain = testContext(t.db);
  for (const base of [seedSchemeDefinition, seedItemsSchemeDefinition]) {
    const scheme = await s.createScheme(undefined, base);
    expect(await runScheme(plain, scheme.id)).toMatchObject({ status: "succeeded", failed: 0 });
  }
  const deliveries = await s.createScheme((d) => {
    targetConfig(d).mode = "upsert";
    targetConfig(d).options = { IsAutoSubmitAndAudit: false, IsVerifyBaseDataField: true };
  }, seedDeliveriesSchemeDefinition);
  const expected = expectedBills(s);
  expect(await runScheme(plain, deliveries.id)).toMatchObject({ written: expected.length, failed: expected.rowless });
  await s.saveVersion(deliveries.id, then);
  const code = expected[0]!.code;
  s.guanyi.modifyDeliveries([{ code, set: { express_no: "SF-NEW-0001" } }]);
  return { schemeId: deliveries.id, code, bills: expected.length };
}

async function outcomeOf(schemeId: string, code: string) {
  const row = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId, sourceId: code } });
  const bill = sim!.kingdee.forms.outstock.list().find((b) => b.FBillNo === code);
  return { status: row.status, writtenIsCurrent: row.writtenHash === row.payloadHash, error: row.lastError, carriage: bill?.FCarriageNO, billStatus: bill?.FDocumentStatus };
}

describe("withSave (IsAutoSubmitAndAudit): an update of an unaudited bill whose outcome is unknown", () => {
  test("committed after the client gave up: the lookup finds the bill audited and records the update written, never sending it again", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 10, items: 20, deliveries: 6 });
    const { schemeId, code, bills } = await unauditedBillsThenChange((d) => {
      targetConfig(d).options = { IsAutoSubmitAndAudit: true, IsVerifyBaseDataField: true, InterationFlags: "STK_InvCheckResult" };
    });
    const ctx = testContext(t.db, { connectorDefaults: { qps: 1000, timeoutMs: 400, maxRetries: 1 }, unknownOutcomeWaitMs: 1_500 });
    const savesBefore = sim.kingdee.stats().calls.BatchSave ?? 0;
    // The update commits (save + submit + audit) 1 s after it was sent; the client gives up at 0.4 s.
    sim.kingdee.setFaults({ slowCommitEvery: 1, slowCommitMs: 1_000 });
    const run = await runScheme(ctx, schemeId);
    sim.kingdee.setFaults({ slowCommitEvery: 0 });
    expect(sim.kingdee.stats().slowCommits).toBeGreaterThan(0);
    // Before: sent again at once, then after the lookup, and refused as audited: a data failure.
    expect(run).toMatchObject({ status: "succeeded", written: 1, failed: 0, unknown: 0 });
    expect(await outcomeOf(schemeId, code)).toEqual({ status: "written", writtenIsCurrent: true, error: null, carriage: "SF-NEW-0001", billStatus: "C" });
    expect((sim.kingdee.stats().calls.BatchSave ?? 0) - savesBefore).toBe(1);
    expect(sim.kingdee.stats().forms.SAL_OUTSTOCK).toMatchObject({ records: bills, duplicateAttempts: 0 });
  });

  test("refused with HTTP 500 before processing: not sent again until the lookup after the wait finds the bill unaudited, then sent and audited", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 10, items: 20, deliveries: 6 });
    const { schemeId, code, bills } = await unauditedBillsThenChange((d) => {
      targetConfig(d).options = { IsAutoSubmitAndAudit: true, IsVerifyBaseDataField: true, InterationFlags: "STK_InvCheckResult" };
    });
    const ctx = testContext(t.db, { connectorDefaults: { qps: 1000, timeoutMs: 2_000, maxRetries: 1 }, unknownOutcomeWaitMs: 1_000 });
    const savesBefore = sim.kingdee.stats().calls.BatchSave ?? 0;
    sim.kingdee.injectNext({ fault: "http500", service: "BatchSave" });
    const run = await runScheme(ctx, schemeId);
    expect(run).toMatchObject({ status: "succeeded", written: 1, failed: 0, unknown: 0 });
    expect(await outcomeOf(schemeId, code)).toEqual({ status: "written", writtenIsCurrent: true, error: null, carriage: "SF-NEW-0001", billStatus: "C" });
    // The unknown send, then the one after the lookup.
    expect((sim.kingdee.stats().calls.BatchSave ?? 0) - savesBefore).toBe(2);
    const logs = (await t.db.runLog.findMany({ where: { runId: run.id }, orderBy: { id: "asc" } })).map((l) => l.message);
    expect(logs).toContainEqual(expect.stringMatching(/1 条已存在但不能证明写入已处理/));
    expect(sim.kingdee.stats().forms.SAL_OUTSTOCK).toMatchObject({ records: bills, duplicateAttempts: 0 });
  });
});

describe("audit separate: an update whose outcome is unknown is not audited unsent", () => {
  for (const fault of ["http500", "http500AfterCommit"] as const) {
    test(`every try answered ${fault}: the bill found unaudited gets the update again, then is audited`, { timeout: 60_000 }, async () => {
      sim = await simulate(t.db, { shops: 10, items: 20, deliveries: 6 });
      const { schemeId, code, bills } = await unauditedBillsThenChange((d) => {
        targetConfig(d).audit = "separate";
        targetConfig(d).options = { IsAutoSubmitAndAudit: false, IsVerifyBaseDataField: true, InterationFlags: "STK_InvCheckResult" };
      });
      const ctx = testContext(t.db, { connectorDefaults: { qps: 1000, timeoutMs: 2_000, maxRetries: 1 }, unknownOutcomeWaitMs: 1_000 });
      // Both tries of the update (maxRetries 1) answer HTTP 500: its outcome is unknown.
      sim.kingdee.injectNext({ fault, service: "BatchSave" }, { fault, service: "BatchSave" });
      const run = await runScheme(ctx, schemeId);
      expect(sim.kingdee.stats().faultsInjected).toMatchObject({ [fault]: 2 });
      // Before: found → saved (a retry would audit it), with 金蝶 holding the old 快递单号 when the
      // update had not been processed.
      expect(run).toMatchObject({ status: "succeeded", written: 1, saved: 0, failed: 0, unknown: 0 });
      expect(await outcomeOf(schemeId, code)).toEqual({ status: "written", writtenIsCurrent: true, error: null, carriage: "SF-NEW-0001", billStatus: "C" });
      expect(sim.kingdee.stats().forms.SAL_OUTSTOCK).toMatchObject({ records: bills, duplicateAttempts: 0 });
    });
  }
});
