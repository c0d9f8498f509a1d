// Bills saved but not audited (audit "separate", 负库存) in UPSERT mode whose record changes before
// the retry audits them (session 32's audits; each test failed before its fix).
//
// Detail rows changed. Defect: the retry audited the bill as it was saved (the old quantities moved
// stock), and the update the next run sent was refused without a call because the bill was audited
// by then (已审核的单据不能修改): the changed quantities never reached 金蝶. Fix: a saved bill whose
// record maps to something else than what was saved is not audited in upsert mode; the retry reopens
// it (金蝶 CancelAssign, 撤销: the submission Qiao made is withdrawn), makes it pending, and its own
// write phase saves the change as an update of the same bill, then submits and audits it
// (audit-saved.ts, docs/decisions.md "Session 32: saved bills whose delivery changed").
//
// FBillNo mapping changed (the audit of the session's own changes). Defect: the retry reopened the
// bill under its OLD number and made the record pending; the mark's renumber check only fires for
// rows with a written hash, which a bill only ever saved has not, so the upsert looked the NEW number
// up, found nothing and created a second 销售出库单 beside the reopened one. Fix: auditSavedBills
// leaves such a bill saved, saying its number changed, as the mark does for a written record.
//
// Reopened and its re-save refused (session 33's audit of session 32): the record is failed with no
// written hash, its bill in 金蝶 (创建) under its number. A later FBillNo mapping saved a second
// 销售出库单, and a switch to create mode created every such bill again. Fix: a target id says a
// document exists under the number, for the mark's renumber check and for staleWrittenRecords.
//
// Submitted by a person (session 34): a bill is saved also when Qiao's own Submit was refused; a
// person then submitted it in 金蝶 (审核中), and the retry of its changed record withdrew that
// submission (CancelAssign) to save the change. Fix: staging records whether the bill's submission is
// Qiao's own (source_records.submitted_by_qiao), and the target withdraws no other: the bill stays
// saved, saying a person submitted it and what to do.
//
// Qiao's own Submit whose answer was lost (session 35): it went through, so the bill is 审核中 by
// Qiao's own submission, but Qiao could not know it (recorded as not submitted by Qiao). The retry
// of its changed record rightly leaves it alone, but said "这次提交不是 Qiao 做的…Qiao 不会撤销他人的
// 提交": a person reading it looks for a colleague who never touched the bill. Fix: the reason says
// Qiao cannot tell whose submission it is — its own earlier Submit whose answer was lost, or a
// person's — and what to do either way (audit.ts submittedNotKnownOurs).
import { seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { insertSchemeVersion } from "@qiao/db";
import type { Delivery } from "@qiao/simulators";
import { afterEach, expect, test } from "vitest";
import { billRows, runToEnd, simulate, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("savedupsert");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/**
 * Customers and materials written, then the deliveries scheme (upsert, audit separate) run once with
 * no stock in 金蝶: every bill is saved, its audit refused (负库存). `code`: the first saved delivery.
 */
async function savedBills(beforeDeliveries?: (s: Simulated) => void) {
  const s = await simulate(t.db, { shops: 10, items: 20, deliveries: 12 });
  sim = s;
  const ctx = testContext(t.db);
  const runOf = async (schemeId: string, trigger: "manual" | "retry" = "manual", extra = {}) => {
    const r = await s.requestRun(schemeId, trigger, extra);
    expect((await runToEnd(ctx, r.id)).kind).toBe("finished");
    return t.db.run.findUniqueOrThrow({ where: { id: r.id } });
  };
  for (const base of [seedSchemeDefinition, seedItemsSchemeDefinition]) await runOf((await s.createScheme(undefined, base)).id);
  const deliveries = await s.createScheme((d) => {
    targetConfig(d).mode = "upsert";
    targetConfig(d).audit = "separate";
    targetConfig(d).options = { IsAutoSubmitAndAudit: false, IsVerifyBaseDataField: true };
    targetConfig(d).entries.FEntity!.mapping.FStockID = "CK001";
  }, seedDeliveriesSchemeDefinition);
  beforeDeliveries?.(s);
  const first = await runOf(deliveries.id);
  expect(first.saved).toBeGreaterThan(0);
  const saved = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, status: "saved" }, orderBy: { id: "asc" } });
  const code = saved.sourceId;
  expect(saved.targetNumber).toBe(code);
  expect(billRows(s).some((r) => r.billNo === code)).toBe(true);
  /** Stock arrives for every material the bills name. */
  const stockArrives = () => {
    for (const row of billRows(s)) s.kingdee.forms.stock.set("100", "CK001", row.material, 1_000_000);
  };
  return { s, runOf, deliveries, first, code, stockArrives };
}

/**
 * Delivery `code`'s detail rows change in 管易云: every quantity goes up by 1. Returns the new rows
 * (a run must read them for Qiao to know).
 */
function changeDelivery(s: Simulated, code: string): { sku_code: string; qty: number }[] {
  const store = s.guanyi.state.deliveries;
  let delivery: Delivery | undefined;
  for (let i = 0; i < store.size && !delivery; i++) if (store.get(i).code === code) delivery = store.get(i);
  if (!delivery) throw new Error(`delivery ${code} is not in the simulator`);
  const newLines = delivery.details.map((l) => ({ sku_code: l.sku_code, qty: l.qty + 1 }));
  s.guanyi.modifyDeliveries([{ code, details: newLines }]);
  return newLines;
}

test("upsert: a saved bill whose delivery's quantities changed before the retry ends with the new quantities in 金蝶", async () => {
  const { s, runOf, deliveries, first, code, stockArrives } = await savedBills();

  // Only the delivery's detail rows change: every quantity goes up by 1.
  const newLines = changeDelivery(s, code);
  await runOf(deliveries.id);

  // Stock arrives; the user retries the scheme's failed and saved records, then the scheme runs again.
  stockArrives();
  const retry = await runOf(deliveries.id, "retry", { options: { scope: "scheme" } });
  // Every saved bill is audited by the retry, the changed one after it was saved again with the new
  // rows (the delivery without rows fails again, as in the first run).
  expect(retry).toMatchObject({ written: first.saved, saved: 0, failed: first.failed });
  const logs = (await t.db.runLog.findMany({ where: { runId: retry.id } })).map((l) => l.message);
  expect(logs.some((m) => m.includes("1 张的源记录在保存后已变更：已撤销提交"))).toBe(true);
  await runOf(deliveries.id);

  const expectedQty = newLines.filter((l) => l.qty > 0).reduce((a, l) => a + l.qty, 0);
  const inKingdee = billRows(s).filter((r) => r.billNo === code);
  const staged = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: code } });
  // Before the fix: 金蝶 held (and had audited, moving stock for) the old quantities, and the record
  // was `failed` with 已审核的单据不能修改.
  expect.soft(staged.lastError ?? "").not.toContain("已审核的单据不能修改");
  expect(inKingdee.reduce((a, r) => a + r.qty, 0)).toBe(expectedQty);
  // One bill under the number, audited with the new rows; the record is written as it is now.
  expect(new Set(inKingdee.map((r) => r.status))).toEqual(new Set(["C"]));
  expect(staged).toMatchObject({ status: "written", targetNumber: code });
  expect(staged.writtenHash).toBe(staged.payloadHash);
}, 90_000);

test("upsert: a saved bill whose FBillNo mapping changed is not saved a second time under the new number by the retry", async () => {
  const { s, runOf, deliveries, code, stockArrives } = await savedBills();

  // A new version puts a prefix on FBillNo; stock arrives; the user retries the saved bills.
  await s.saveVersion(deliveries.id, (d) => {
    targetConfig(d).mapping.FBillNo = "GY-{{code}}";
  });
  stockArrives();
  await runOf(deliveries.id, "retry", { options: { scope: "scheme" } });

  // One delivery, one 销售出库单.
  const numbers = new Set(billRows(s).map((r) => r.billNo));
  expect([...numbers].filter((n) => n.endsWith(code))).toEqual([code]);
}, 90_000);

/**
 * savedBills, then a version whose warehouse 金蝶 does not have: the retry reopens each saved bill
 * and its re-save is refused, so the record is `failed` with no written hash while its bill stays in
 * 金蝶 (创建) under its number.
 */
async function reopenedAndFailed() {
  const bills = await savedBills();
  const { s, runOf, deliveries, code } = bills;
  await s.saveVersion(deliveries.id, (d) => {
    targetConfig(d).entries.FEntity!.mapping.FStockID = "CK999";
  });
  await runOf(deliveries.id, "retry", { options: { scope: "scheme" } });
  const afterResave = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: code } });
  expect(afterResave).toMatchObject({ status: "failed", targetNumber: code, writtenHash: null });
  expect(billRows(s).some((r) => r.billNo === code)).toBe(true);
  return bills;
}

test("upsert: a reopened saved bill whose re-save failed is not saved a second time under a new FBillNo", async () => {
  const { s, runOf, deliveries, code, stockArrives } = await reopenedAndFailed();

  // The person fixes the warehouse and, in the same version, prefixes FBillNo; stock arrives; retry.
  await s.saveVersion(deliveries.id, (d) => {
    targetConfig(d).entries.FEntity!.mapping.FStockID = "CK001";
    targetConfig(d).mapping.FBillNo = "GY-{{code}}";
  });
  stockArrives();
  await runOf(deliveries.id, "retry", { options: { scope: "scheme" } });

  // One delivery, one 销售出库单 (as for a written record renumbered, or a saved one): the record is
  // refused naming both numbers, not created again under GY-….
  const numbers = new Set(billRows(s).map((r) => r.billNo));
  expect([...numbers].filter((n) => n.endsWith(code)).sort()).toEqual([code]);
}, 120_000);

test("upsert → create: a reopened saved bill whose re-save failed is not created a second time by create mode", async () => {
  const { s, runOf, deliveries, first, stockArrives } = await reopenedAndFailed();
  const billsBefore = new Set(billRows(s).map((r) => r.billNo));
  expect(billsBefore.size).toBe(first.saved);

  // Back to create mode (金蝶 numbers the bills by its 编码规则), the warehouse fixed, saved as the
  // editor saves (insertSchemeVersion: the harness's saveVersion skips the mode switch's steps);
  // stock arrives; retry. staleWrittenRecords is to leave no record with a bill to be sent again.
  const current = await t.db.scheme.findUniqueOrThrow({ where: { id: deliveries.id } });
  const create = structuredClone(current.definition) as unknown as SchemeDefinition;
  targetConfig(create).mode = "create";
  targetConfig(create).entries.FEntity!.mapping.FStockID = "CK001";
  delete targetConfig(create).mapping.FBillNo;
  await insertSchemeVersion(t.db, deliveries.id, { definition: create }, "editor");
  const left = await t.db.sourceRecord.findMany({ where: { schemeId: deliveries.id, targetId: { not: null } } });
  expect(left.length).toBe(billsBefore.size);
  expect(left.every((r) => r.status === "stale" && r.lastError?.includes("不再发送它"))).toBe(true);
  stockArrives();
  await runOf(deliveries.id, "retry", { options: { scope: "scheme" } });

  // Each delivery saved once has its one bill: none is created again beside it.
  expect(new Set(billRows(s).map((r) => r.billNo)).size).toBe(billsBefore.size);
}, 120_000);

test("upsert: a saved bill a person submitted after Qiao's Submit was refused is not withdrawn by the retry of its changed delivery", async () => {
  // The first run's Submit is refused (网控冲突): its bills are saved, 创建, none submitted by Qiao.
  const { s, runOf, deliveries, code, stockArrives } = await savedBills((sim) => sim.kingdee.injectNext({ fault: "netControl", service: "Submit" }));
  const billOf = () => s.kingdee.forms.outstock.list().find((b) => b.FBillNo === code)!;
  expect(billOf().FDocumentStatus).toBe("A");
  // A person submits the bill in 金蝶; then the delivery's quantities change and a run reads them.
  expect(s.kingdee.forms.outstock.operate("Submit", [{ number: code }], []).successes).toHaveLength(1);
  const linesBefore = billRows(s).filter((r) => r.billNo === code);
  const newLines = changeDelivery(s, code);
  await runOf(deliveries.id);

  stockArrives();
  const withdrawals = () => s.kingdee.stats().calls.CancelAssign ?? 0;
  await runOf(deliveries.id, "retry", { options: { scope: "scheme" } });

  // The person's submission stands: no 撤销, the bill 审核中 with what was saved. Before the fix it
  // was withdrawn, saved again and audited by Qiao.
  expect(withdrawals()).toBe(0);
  expect(billOf().FDocumentStatus).toBe("B");
  expect(billRows(s).filter((r) => r.billNo === code)).toEqual(linesBefore);
  const staged = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: code } });
  expect(staged).toMatchObject({ status: "saved", targetNumber: code, submittedByQiao: false });
  expect(staged.lastError).toContain("Qiao 无法确认这次提交是谁做的，因此不会撤销");

  // The person withdraws it in 金蝶, as the reason asks, and retries: Qiao saves the change and audits it.
  expect(s.kingdee.forms.outstock.operate("CancelAssign", [{ number: code }], []).successes).toHaveLength(1);
  await runOf(deliveries.id, "retry", { options: { scope: "scheme" } });
  expect(withdrawals()).toBe(0);
  expect(billOf().FDocumentStatus).toBe("C");
  expect(await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: code } })).toMatchObject({ status: "written" });
  expect(billRows(s).filter((r) => r.billNo === code).reduce((a, r) => a + r.qty, 0)).toBe(newLines.filter((l) => l.qty > 0).reduce((a, l) => a + l.qty, 0));
}, 120_000);

test("upsert: a saved bill whose own Submit went through but lost its answer is left to a person, saying the submission may be Qiao's own", async () => {
  // The first run's Submit reaches 金蝶 and is processed, but its answer is lost (the connection
  // drops): the bills are 审核中 by Qiao's Submit, recorded saved with the Submit's outcome unknown.
  const { s, runOf, deliveries, code, stockArrives } = await savedBills((sim) => sim.kingdee.injectNext({ fault: "drop", service: "Submit" }));
  const billOf = () => s.kingdee.forms.outstock.list().find((b) => b.FBillNo === code)!;
  expect(billOf().FDocumentStatus).toBe("B");
  const saved = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: code } });
  expect(saved).toMatchObject({ status: "saved", submittedByQiao: false });
  expect(saved.lastError).toContain("提交结果未知");

  // The delivery changes (a run reads it); stock arrives; the user retries.
  const linesBefore = billRows(s).filter((r) => r.billNo === code);
  changeDelivery(s, code);
  await runOf(deliveries.id);
  stockArrives();
  await runOf(deliveries.id, "retry", { options: { scope: "scheme" } });

  // Not withdrawn (whose submission it is cannot be told), the bill as it was saved.
  expect(s.kingdee.stats().calls.CancelAssign ?? 0).toBe(0);
  expect(billOf().FDocumentStatus).toBe("B");
  expect(billRows(s).filter((r) => r.billNo === code)).toEqual(linesBefore);
  const staged = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: code } });
  expect(staged).toMatchObject({ status: "saved", submittedByQiao: false });
  // Before the fix: "这次提交不是 Qiao 做的（或无法确认是 Qiao 做的）… Qiao 不会撤销他人的提交".
  expect(staged.lastError).not.toContain("不是 Qiao 做的");
  expect(staged.lastError).not.toContain("他人的提交");
  expect(staged.lastError).toContain("Qiao 无法确认这次提交是谁做的");
  expect(staged.lastError).toContain("可能是 Qiao 自己之前的提交");
  expect(staged.lastError).toContain("也可能是有人在金蝶中提交的");
  expect(staged.lastError).toContain("请撤销它的提交");
}, 120_000);

// A reopening whose CancelAssign (撤销) answer was lost may have withdrawn Qiao's submission: a
// submission found afterwards may be a person's, so the record no longer says Qiao submitted it
// (session 34's audit: the flag stayed true and the next retry withdrew a person's submission).
test("upsert: after a 撤销 whose answer was lost, a bill a person then submitted is not withdrawn by the next retry", async () => {
  // No stock: Qiao's Submit goes through, its Audit is refused (负库存): saved, Qiao's own submission.
  const { s, runOf, deliveries, code } = await savedBills();
  const saved = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: code } });
  expect(saved.submittedByQiao).toBe(true);
  const billOf = () => s.kingdee.forms.outstock.list().find((b) => b.FBillNo === code)!;
  expect(billOf().FDocumentStatus).toBe("B");

  // The delivery changes (a run reads it), so the retry reopens the saved bill to save the change.
  changeDelivery(s, code);
  await runOf(deliveries.id);

  // The retry's 撤销 is processed by 金蝶 but its answer is lost: the bill stays saved (unknown).
  s.kingdee.injectNext({ fault: "drop", service: "CancelAssign" });
  await runOf(deliveries.id, "retry", { options: { scope: "scheme" } });
  const afterLost = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: code } });
  expect(afterLost.status).toBe("saved");
  // 金蝶 withdrew Qiao's submission: the bill is open, no submission of Qiao's is left.
  expect(billOf().FDocumentStatus).toBe("A");

  // A person now submits the bill in 金蝶 (审核中): this submission is theirs.
  expect(s.kingdee.forms.outstock.operate("Submit", [{ number: code }], []).successes).toHaveLength(1);
  const withdrawals = () => s.kingdee.stats().calls.CancelAssign ?? 0;
  const before = withdrawals();
  await runOf(deliveries.id, "retry", { options: { scope: "scheme" } });

  // The person's submission stands (no 撤销, the bill still 审核中), as for any bill Qiao did not submit.
  expect(afterLost.submittedByQiao).toBe(false);
  expect(withdrawals() - before).toBe(0);
  expect(billOf().FDocumentStatus).toBe("B");
}, 120_000);
