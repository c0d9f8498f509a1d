// TargetClient.reopen (./audit.ts reopenBills) against the Kingdee simulator: a saved, unaudited bill
// whose record changed since it was saved is brought back to where an update can save it (session
// 32). A submitted bill's submission is withdrawn (CancelAssign, 撤销) when Qiao made it (session 34:
// a person's never is); an open one needs no call; an audited one is left as it is (Qiao never
// reverses an audit) and stays saved with what to do; a missing one fails. Save is never called.
import { createKingdeeSimulator } from "@qiao/simulators";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { simulatorPolicy as outbound } from "../testing";
import type { ConnectionConfig, WriteRequest } from "../types";
import { kingdee } from "./index";

const sim = createKingdeeSimulator({});
let baseUrl = "";

const config = (): ConnectionConfig => ({
  baseUrl,
  credentials: { acctId: "qiao-demo", username: "administrator", password: "888888" },
  outbound,
  qps: 1000,
});
const target = () => kingdee.createTarget!(config());
const row = (FMaterialID: string, FRealQty: number) => ({ FMaterialID, FUnitID: "Pcs", FRealQty, FTaxPrice: 25, FEntryTaxRate: 13, FStockID: "CK001" });
const bill = (FBillNo: string, qty = 2) => ({
  FBillTypeID: "XSCKD01_SYS",
  FBillNo,
  FDate: "2026-12-03",
  FSaleOrgId: "100",
  FStockOrgId: "100",
  FCustomerID: "RMSHOP001",
  "SubHeadEntity.FSettleCurrID": "PRE001",
  FEntity: [row("F01108", qty)],
});
const write = (formId: string, records: Record<string, unknown>[], extra: Partial<WriteRequest> = {}): WriteRequest => ({
  api: "batchSave",
  formId,
  records,
  options: { IsAutoSubmitAndAudit: true },
  mode: "create",
  ...extra,
});
const material = (FNumber: string) => ({
  FCreateOrgId: "100",
  FUseOrgId: "100",
  FNumber,
  FName: `物料${FNumber}`,
  FMaterialGroup: "01",
  "SubHeadEntity.FErpClsID": "1",
  "SubHeadEntity.FBaseUnitId": "Pcs",
  "SubHeadEntity.FTaxRateId": "SL31_SYS",
  "SubHeadEntity1.FStoreUnitID": "Pcs",
});
const billOf = (number: string) => sim.forms.outstock.list().find((b) => b.FBillNo === number);
const calls = () => sim.stats().calls;
let seeded: Record<string, number> = {};
const since = (service: string) => (calls()[service] ?? 0) - (seeded[service] ?? 0);
const ref = (number: string, submittedByQiao = false) => ({ targetId: String(billOf(number)?.FID ?? ""), targetNumber: number, submittedByQiao });

beforeAll(async () => {
  baseUrl = await sim.listen(0);
});
afterAll(() => sim.close());
beforeEach(async () => {
  sim.reset();
  const client = target();
  expect(await client.write(write("BD_Customer", [{ FNumber: "RMSHOP001", FName: "天猫旗舰店", FCreateOrgId: "100", FUseOrgId: "100" }]))).toMatchObject([{ ok: true }]);
  expect(await client.write(write("BD_MATERIAL", [material("F01108")]))).toMatchObject([{ ok: true }]);
  seeded = { ...calls() };
});

it("withdraws a submitted bill, leaves an open one, refuses to touch an audited one, fails a missing one; never saves", async () => {
  const client = target();
  // No stock: saved and submitted, the audit refused (B 审核中).
  expect(await client.write(write("SAL_OUTSTOCK", [bill("RO1")], { audit: "separate", options: { IsAutoSubmitAndAudit: false } }))).toMatchObject([{ saved: true }]);
  expect(billOf("RO1")!.FDocumentStatus).toBe("B");
  // Saved only (A 创建).
  expect(await client.write(write("SAL_OUTSTOCK", [bill("RO2")], { options: { IsAutoSubmitAndAudit: false } }))).toMatchObject([{ ok: true }]);
  // Audited (C).
  expect(await client.write(write("SAL_OUTSTOCK", [bill("RO3")], { options: { IsAutoSubmitAndAudit: true, InterationFlags: "STK_InvCheckResult" } }))).toMatchObject([{ ok: true }]);
  const before = { save: since("BatchSave"), submit: since("Submit"), audit: since("Audit") };

  const outcomes = await client.reopen!({ formId: "SAL_OUTSTOCK", bills: [ref("RO1", true), ref("RO2"), ref("RO3"), { targetId: "", targetNumber: "RO9" }] });
  expect(outcomes).toMatchObject([
    { ok: true, index: 0, targetNumber: "RO1" },
    { ok: true, index: 1, targetNumber: "RO2" },
    { ok: false, saved: true, index: 2, targetNumber: "RO3" },
    { ok: false, index: 3, field: "FBillNo" },
  ]);
  expect((outcomes[2] as { message: string }).message).toContain("请先在金蝶中反审核这张单据");
  expect([billOf("RO1")!.FDocumentStatus, billOf("RO2")!.FDocumentStatus, billOf("RO3")!.FDocumentStatus]).toEqual(["A", "A", "C"]);
  // One CancelAssign, for RO1 only; nothing saved, submitted or audited.
  expect(since("CancelAssign")).toBe(1);
  expect({ save: since("BatchSave"), submit: since("Submit"), audit: since("Audit") }).toEqual(before);

  // Open now: an upsert updates it (its rows replaced) instead of refusing it as 审核中.
  const [updated] = await client.write(write("SAL_OUTSTOCK", [bill("RO1", 5)], { mode: "upsert", audit: "separate", options: { IsAutoSubmitAndAudit: false, InterationFlags: "STK_InvCheckResult" } }));
  expect(updated).toMatchObject({ ok: true, targetNumber: "RO1" });
  expect(billOf("RO1")).toMatchObject({ FDocumentStatus: "C", FEntity: [{ FRealQty: 5 }] });
  expect(sim.stats().forms.SAL_OUTSTOCK).toMatchObject({ duplicateAttempts: 0 });
});

it("a withdrawal whose answer is lost keeps the bill saved, saying so; the next reopen looks the status up first", async () => {
  const client = target();
  await client.write(write("SAL_OUTSTOCK", [bill("RO4")], { audit: "separate", options: { IsAutoSubmitAndAudit: false } }));
  sim.injectNext({ fault: "drop", service: "CancelAssign" });
  const [lost] = await client.reopen!({ formId: "SAL_OUTSTOCK", bills: [ref("RO4", true)] });
  expect(lost).toMatchObject({ ok: false, saved: true, code: "unknown_outcome" });
  expect((lost as { message: string }).message).toContain("撤销提交的结果未知");
  // The withdrawal went through before the answer was lost: the bill is open, no second call.
  const calledBefore = since("CancelAssign");
  expect(await client.reopen!({ formId: "SAL_OUTSTOCK", bills: [ref("RO4", true)] })).toMatchObject([{ ok: true }]);
  expect(since("CancelAssign")).toBe(calledBefore);
});

it("a bill a person submitted after Qiao's Submit was refused is never withdrawn: it stays saved, saying so", async () => {
  const client = target();
  // Qiao's Submit is refused (网控冲突): saved, not submitted by Qiao.
  sim.injectNext({ fault: "netControl", service: "Submit" });
  const [saved] = await client.write(write("SAL_OUTSTOCK", [bill("RO5")], { audit: "separate", options: { IsAutoSubmitAndAudit: false } }));
  expect(saved).toMatchObject({ ok: false, saved: true, submitted: false });
  expect(billOf("RO5")!.FDocumentStatus).toBe("A");
  // Saved and submitted by Qiao, the audit refused (no stock): Qiao's own submission.
  const [own] = await client.write(write("SAL_OUTSTOCK", [bill("RO6")], { audit: "separate", options: { IsAutoSubmitAndAudit: false } }));
  expect(own).toMatchObject({ ok: false, saved: true, submitted: true });
  // A person submits RO5 in 金蝶.
  expect(sim.forms.outstock.operate("Submit", [{ number: "RO5" }], []).successes).toHaveLength(1);
  const withdrawals = since("CancelAssign");

  // As recorded: RO5 not submitted by Qiao, RO6 submitted by Qiao. Only RO6 is withdrawn.
  const outcomes = await client.reopen!({ formId: "SAL_OUTSTOCK", bills: [ref("RO5", false), ref("RO6", true)] });
  expect(outcomes).toMatchObject([
    { ok: false, saved: true, index: 0, targetNumber: "RO5" },
    { ok: true, index: 1, targetNumber: "RO6" },
  ]);
  expect((outcomes[0] as { message: string }).message).toContain("Qiao 无法确认这次提交是谁做的，因此不会撤销");
  expect([billOf("RO5")!.FDocumentStatus, billOf("RO6")!.FDocumentStatus]).toEqual(["B", "A"]);
  expect(since("CancelAssign") - withdrawals).toBe(1);
});
