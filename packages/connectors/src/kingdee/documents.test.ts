// 物料 and 销售出库单 against the Kingdee simulator (written separately from the same protocol docs):
// sub-heads and rows arriving, upsert of bills, separate auditing with a stock shortfall, and
// creates whose outcome is unknown.
import { createKingdeeSimulator } from "@qiao/simulators";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { simulatorPolicy as outbound } from "../testing";
import type { ConnectionConfig, WriteOutcome, WriteRequest } from "../types";
import { KingdeeClient } from "./client";
import { kingdee } from "./index";
import { SERVICE } from "./protocol";

const sim = createKingdeeSimulator({});
let baseUrl = "";

const config = (extra: Partial<ConnectionConfig> = {}): ConnectionConfig => ({
  baseUrl,
  credentials: { acctId: "qiao-demo", username: "administrator", password: "888888" },
  outbound,
  qps: 1000,
  ...extra,
});
const target = (extra: Partial<ConnectionConfig> = {}) => kingdee.createTarget!(config(extra));

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
const row = (FMaterialID: string, FRealQty: number, FStockID = "CK001") => ({ FMaterialID, FUnitID: "Pcs", FRealQty, FTaxPrice: 25, FEntryTaxRate: 13, FStockID });
const bill = (FBillNo: string, rows: Record<string, unknown>[] = [row("F01108", 2)], extra: Record<string, unknown> = {}) => ({
  FBillTypeID: "XSCKD01_SYS",
  FBillNo,
  FDate: "2026-12-03",
  FSaleOrgId: "100",
  FStockOrgId: "100",
  FCustomerID: "RMSHOP001",
  "SubHeadEntity.FSettleCurrID": "PRE001",
  FEntity: rows,
  ...extra,
});
const write = (formId: string, records: Record<string, unknown>[], extra: Partial<WriteRequest> = {}): WriteRequest => ({
  api: "batchSave",
  formId,
  records,
  options: { IsAutoSubmitAndAudit: true },
  mode: "create",
  ...extra,
});
const ALLOW_NEGATIVE = { IsAutoSubmitAndAudit: true, InterationFlags: "STK_InvCheckResult" };

const bills = () => sim.forms.outstock.list();
const billOf = (number: string) => bills().find((b) => b.FBillNo === number);
const calls = () => sim.stats().calls;

/** ExecuteBillQuery as any caller would send it, through a client of its own. */
async function query(formId: string, FieldKeys: string, FilterString: string): Promise<unknown[][]> {
  return (await new KingdeeClient(config()).call(SERVICE.executeBillQuery, { data: { FormId: formId, FieldKeys, FilterString, StartRow: 0, Limit: 2000 } })) as unknown[][];
}

async function admin(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(new URL(`/__admin/${path}`, baseUrl), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return res.json();
}

/** The customer and materials the bills refer to, written through the connector itself. */
async function seed(): Promise<void> {
  const client = target();
  expect(await client.write(write("BD_Customer", [{ FNumber: "RMSHOP001", FName: "天猫旗舰店", FCreateOrgId: "100", FUseOrgId: "100" }]))).toMatchObject([{ ok: true }]);
  expect(await client.write(write("BD_MATERIAL", [material("F01108"), material("F01109")]))).toMatchObject([{ ok: true }, { ok: true }]);
}

beforeAll(async () => {
  baseUrl = await sim.listen(0);
});
afterAll(() => sim.close());
let seeded: Record<string, number> = {};
/** Calls of a service since the seed. */
const since = (service: string) => (calls()[service] ?? 0) - (seeded[service] ?? 0);
beforeEach(async () => {
  sim.reset();
  await seed();
  seeded = { ...calls() };
});

describe("物料新增 (BD_MATERIAL)", () => {
  it("saves materials with their sub-heads nested and base data wrapped", async () => {
    const outcomes = await target().write(write("BD_MATERIAL", [material("M1"), { ...material("M2"), "SubHeadEntity2.FSaleUnitId": "Box" }]));
    const stored = sim.forms.materials.list();
    expect(outcomes).toEqual([
      { ok: true, index: 0, targetId: String(stored.find((m) => m.FNumber === "M1")!.FMATERIALID), targetNumber: "M1", response: expect.anything() },
      { ok: true, index: 1, targetId: String(stored.find((m) => m.FNumber === "M2")!.FMATERIALID), targetNumber: "M2", response: expect.anything() },
    ]);
    expect(stored.find((m) => m.FNumber === "M2")).toMatchObject({
      FCreateOrgId: { FNumber: "100" },
      FMaterialGroup: { FNumber: "01" },
      SubHeadEntity: { FErpClsID: "1", FBaseUnitId: { FNumber: "Pcs" }, FTaxRateId: { FNumber: "SL31_SYS" } },
      SubHeadEntity1: { FStoreUnitID: { FNumber: "Pcs" } },
      SubHeadEntity2: { FSaleUnitId: { FNumber: "Box" } },
      FDocumentStatus: "C",
    });
    expect(since("BatchSave")).toBe(1);
  });

  it("upserts a material by FNumber through FMATERIALID, keeping the sub-head fields it does not send", async () => {
    const [before] = await target().findExisting("BD_MATERIAL", ["F01108"]).then((m) => [...m.values()]);
    const outcomes = await target().write(write("BD_MATERIAL", [{ FNumber: "F01108", FName: "新名字", "SubHeadEntity.FBARCODE": "690123" }], { mode: "upsert" }));
    expect(outcomes).toMatchObject([{ ok: true, targetId: before, targetNumber: "F01108" }]);
    expect(sim.forms.materials.list().find((m) => m.FNumber === "F01108")).toMatchObject({
      FName: "新名字",
      SubHeadEntity: { FBARCODE: "690123", FBaseUnitId: { FNumber: "Pcs" } },
      SubHeadEntity1: { FStoreUnitID: { FNumber: "Pcs" } },
    });
    expect(sim.stats().forms.BD_MATERIAL).toMatchObject({ records: 2, duplicateAttempts: 0 });
  });
});

describe("销售出库单新增 (SAL_OUTSTOCK)", () => {
  it("saves bills with their rows: one query row per entry row", async () => {
    const outcomes = await target().write(write("SAL_OUTSTOCK", [bill("XS1", [row("F01108", 2), row("F01109", 1)]), bill("XS2", [row("F01109", 3)])], { options: ALLOW_NEGATIVE }));
    expect(outcomes).toMatchObject([
      { ok: true, targetNumber: "XS1", targetId: String(billOf("XS1")!.FID) },
      { ok: true, targetNumber: "XS2", targetId: String(billOf("XS2")!.FID) },
    ]);
    const rows = await query("SAL_OUTSTOCK", "FBillNo,FMaterialID.FNumber,FRealQty,FStockID.FNumber,FDocumentStatus", "FBillNo in ('XS1','XS2')");
    expect(rows).toEqual([
      ["XS1", "F01108", 2, "CK001", "C"],
      ["XS1", "F01109", 1, "CK001", "C"],
      ["XS2", "F01109", 3, "CK001", "C"],
    ]);
    expect(billOf("XS1")).toMatchObject({ SubHeadEntity: { FSettleCurrID: { FNumber: "PRE001" } }, FCustomerID: { FNumber: "RMSHOP001" } });
  });

  it("names a row's error by the row, as the mapping does (FEntity[2].FStockID)", async () => {
    const [outcome] = await target().write(write("SAL_OUTSTOCK", [bill("ROWS", [row("F01108", 1), { FMaterialID: "F01109", FUnitID: "Pcs", FRealQty: 1 }])], { options: ALLOW_NEGATIVE }));
    expect(outcome).toMatchObject({ ok: false, field: "FEntity[2].FStockID", code: "11" });
    expect(outcome!.ok === false && outcome!.message).toContain("第【2】行");
    expect(billOf("ROWS")).toBeUndefined();
  });

  it("names the row of an unknown base-data code too (IsVerifyBaseDataField true): FEntity[2].FStockID, MsgCode 9", async () => {
    const options = { ...ALLOW_NEGATIVE, IsVerifyBaseDataField: true };
    const [outcome] = await target().write(write("SAL_OUTSTOCK", [bill("GHOST-STOCK", [row("F01108", 1), row("F01109", 1, "CK999")])], { options }));
    expect(outcome).toMatchObject({ ok: false, field: "FEntity[2].FStockID", code: "9" });
    expect(outcome!.ok === false && outcome!.message).toContain("CK999");
    expect(billOf("GHOST-STOCK")).toBeUndefined();
  });

  it("create mode: a bill number already there fails with Kingdee's duplicate message, the bill untouched", async () => {
    await target().write(write("SAL_OUTSTOCK", [bill("DUP")], { options: ALLOW_NEGATIVE }));
    const before = structuredClone(billOf("DUP"));
    const [outcome] = await target().write(write("SAL_OUTSTOCK", [bill("DUP", [row("F01109", 7)])], { options: ALLOW_NEGATIVE }));
    expect(outcome).toMatchObject({ ok: false, field: "FBillNo", code: "11", message: "违反字段唯一性要求：编码唯一。[DUP]在当前系统中已经被使用。" });
    expect(billOf("DUP")).toEqual(before);
  });

  it("fails a bill without saving it when its audit (with the save) meets a stock shortfall", async () => {
    const [outcome] = await target().write(write("SAL_OUTSTOCK", [bill("XS3")]));
    expect(outcome).toMatchObject({ ok: false, index: 0 });
    expect(outcome!.ok === false && outcome!.message).toContain("负库存");
    expect(billOf("XS3")).toBeUndefined();
  });

  it("upsert: an unaudited bill is updated (rows replaced), an audited one is refused without being sent", async () => {
    await target().write(write("SAL_OUTSTOCK", [bill("OPEN", [row("F01108", 1), row("F01109", 1)])], { options: { IsAutoSubmitAndAudit: false } }));
    await target().write(write("SAL_OUTSTOCK", [bill("DONE")], { options: ALLOW_NEGATIVE }));
    const done = structuredClone(billOf("DONE"));
    const saves = since("BatchSave");
    const outcomes = await target().write(
      write("SAL_OUTSTOCK", [bill("OPEN", [row("F01109", 5)], { FNote: "改" }), bill("DONE", [row("F01109", 9)])], { mode: "upsert", options: { IsAutoSubmitAndAudit: false } }),
    );
    expect(outcomes).toEqual([
      { ok: true, index: 0, targetId: String(billOf("OPEN")!.FID), targetNumber: "OPEN", response: expect.anything() },
      { ok: false, index: 1, field: "FBillNo", message: "已审核的单据不能修改：单据 DONE 已审核，Qiao 不会修改它；如需更新，请先在金蝶中反审核这张单据，再重试这条记录", response: expect.anything() },
    ]);
    expect(since("BatchSave") - saves).toBe(1);
    expect(await query("SAL_OUTSTOCK", "FBillNo,FMaterialID.FNumber,FRealQty", "FBillNo = 'OPEN'")).toEqual([["OPEN", "F01109", 5]]);
    expect(billOf("OPEN")).toMatchObject({ FNote: "改", FDocumentStatus: "A" });
    expect(billOf("DONE")).toEqual(done);
    expect(sim.stats().forms.SAL_OUTSTOCK).toMatchObject({ records: 2, duplicateAttempts: 0 });
  });

  it("upsert: a submitted bill (审核中) is refused without being sent, naming what to do in 金蝶", async () => {
    await target().write(write("SAL_OUTSTOCK", [bill("SUB", [row("F01108", 1)])], { options: { IsAutoSubmitAndAudit: false } }));
    // Submitted by a person in 金蝶 (提交), not audited yet.
    billOf("SUB")!.FDocumentStatus = "B";
    const submitted = structuredClone(billOf("SUB"));
    const saves = since("BatchSave");
    const [outcome] = await target().write(write("SAL_OUTSTOCK", [bill("SUB", [row("F01109", 5)])], { mode: "upsert", options: { IsAutoSubmitAndAudit: false } }));
    expect(outcome).toMatchObject({ ok: false, index: 0, field: "FBillNo", response: expect.objectContaining({ FDocumentStatus: "B" }) });
    expect(outcome!.ok === false && outcome!.message).toMatch(/^审核中的单据不能修改：单据 SUB 已提交审核.*撤销提交/);
    expect(since("BatchSave") - saves).toBe(0);
    expect(billOf("SUB")).toEqual(submitted);
  });
});

describe("audit separate", () => {
  it("a shortfall leaves the bill saved, not audited; once stock is set, audit() audits it without saving it again", async () => {
    const [outcome] = await target().write(write("SAL_OUTSTOCK", [bill("SEP1", [row("F01108", 2)])], { audit: "separate" }));
    const saved = billOf("SEP1")!;
    expect(outcome).toMatchObject({ ok: false, saved: true, index: 0, targetId: String(saved.FID), targetNumber: "SEP1" });
    expect((outcome as Extract<WriteOutcome, { saved: true }>).message).toMatch(/^单据已保存，审核失败：.*负库存/);
    expect(saved.FDocumentStatus).toBe("B");
    expect([since("BatchSave"), since("Submit"), since("Audit")]).toEqual([1, 1, 1]);

    await admin("stock", { stock: "CK001", material: "F01108", qty: 10 });
    const client = target();
    const audited = await client.audit!({ formId: "SAL_OUTSTOCK", bills: [{ targetId: String(saved.FID), targetNumber: "SEP1" }] });
    expect(audited).toMatchObject([{ ok: true, index: 0, targetId: String(saved.FID), targetNumber: "SEP1" }]);
    expect(billOf("SEP1")!.FDocumentStatus).toBe("C");
    expect([since("BatchSave"), since("Submit"), since("Audit")]).toEqual([1, 1, 2]);
    expect(sim.forms.stock.get("100", "CK001", "F01108")).toBe(8);

    // Again: already audited, so nothing but the status query.
    expect(await client.audit!({ formId: "SAL_OUTSTOCK", bills: [{ targetId: String(saved.FID), targetNumber: "SEP1" }] })).toMatchObject([{ ok: true }]);
    expect([since("BatchSave"), since("Submit"), since("Audit")]).toEqual([1, 1, 2]);
    expect(sim.stats().forms.SAL_OUTSTOCK).toMatchObject({ records: 1, duplicateAttempts: 0 });
  });

  it("with the interaction flag the shortfall is allowed: saved, submitted and audited in three calls", async () => {
    const outcomes = await target().write(write("SAL_OUTSTOCK", [bill("SEP2"), bill("SEP3", [row("F01109", 1)])], { audit: "separate", options: ALLOW_NEGATIVE }));
    expect(outcomes).toMatchObject([
      { ok: true, targetNumber: "SEP2" },
      { ok: true, targetNumber: "SEP3" },
    ]);
    expect([since("BatchSave"), since("Submit"), since("Audit")]).toEqual([1, 1, 1]);
    expect(sim.forms.stock.get("100", "CK001", "F01108")).toBe(-2);
  });

  it("an Audit whose answer is lost is `saved` (audit unknown); audit() then finds it audited and sends nothing", async () => {
    sim.injectNext({ fault: "drop", service: "Audit" });
    const [outcome] = await target().write(write("SAL_OUTSTOCK", [bill("SEP4")], { audit: "separate", options: ALLOW_NEGATIVE }));
    expect(outcome).toMatchObject({ ok: false, saved: true, targetNumber: "SEP4", code: "unknown_outcome" });
    expect((outcome as Extract<WriteOutcome, { saved: true }>).message).toContain("审核结果未知");
    expect(await target().audit!({ formId: "SAL_OUTSTOCK", bills: [{ targetId: String(billOf("SEP4")!.FID), targetNumber: "SEP4" }], options: ALLOW_NEGATIVE })).toMatchObject([
      { ok: true },
    ]);
    expect([since("BatchSave"), since("Submit"), since("Audit")]).toEqual([1, 1, 1]);
  });

  it("a Submit whose answer is lost is `saved` (submit unknown); audit() finds it submitted and only audits it", async () => {
    sim.injectNext({ fault: "drop", service: "Submit" });
    const [outcome] = await target().write(write("SAL_OUTSTOCK", [bill("SEP5")], { audit: "separate", options: ALLOW_NEGATIVE }));
    expect(outcome).toMatchObject({ ok: false, saved: true, targetNumber: "SEP5", code: "unknown_outcome" });
    expect((outcome as Extract<WriteOutcome, { saved: true }>).message).toContain("提交结果未知");
    expect(billOf("SEP5")!.FDocumentStatus).toBe("B");
    expect(await target().audit!({ formId: "SAL_OUTSTOCK", bills: [{ targetId: String(billOf("SEP5")!.FID), targetNumber: "SEP5" }], options: ALLOW_NEGATIVE })).toMatchObject([
      { ok: true, targetNumber: "SEP5" },
    ]);
    expect([since("BatchSave"), since("Submit"), since("Audit")]).toEqual([1, 1, 1]);
    expect(billOf("SEP5")!.FDocumentStatus).toBe("C");
  });

  it("upsert: an unaudited bill is updated, then submitted and audited; a new one is created and audited", async () => {
    await target().write(write("SAL_OUTSTOCK", [bill("UP1")], { options: { IsAutoSubmitAndAudit: false } }));
    const id = String(billOf("UP1")!.FID);
    const outcomes = await target().write(
      write("SAL_OUTSTOCK", [bill("UP1", [row("F01109", 4)]), bill("UP2")], { mode: "upsert", audit: "separate", options: ALLOW_NEGATIVE }),
    );
    expect(outcomes).toMatchObject([
      { ok: true, targetId: id, targetNumber: "UP1" },
      { ok: true, targetNumber: "UP2" },
    ]);
    expect(await query("SAL_OUTSTOCK", "FBillNo,FMaterialID.FNumber,FRealQty,FDocumentStatus", "FBillNo in ('UP1','UP2')")).toEqual([
      ["UP1", "F01109", 4, "C"],
      ["UP2", "F01108", 2, "C"],
    ]);
    // One save to seed UP1, then one for the create and one for the update; one Submit and one Audit for both.
    expect([since("BatchSave"), since("Submit"), since("Audit")]).toEqual([3, 1, 1]);
  });

  // Session 23: a write's sendBy is its save's deadline (the lease as the batch was marked); the
  // Submit and Audit after a save that went go by followUpSendBy (the lease as renewed since), read
  // right before each call. Before, a save answered after sendBy left every bill saved, unaudited.
  it("a save answered after its sendBy: Submit and Audit go by followUpSendBy, read before each call", async () => {
    sim.setFaults({ slowCommitEvery: 1, slowCommitMs: 300 });
    let reads = 0;
    const outcomes = await target().write(
      write("SAL_OUTSTOCK", [bill("LATE1")], {
        audit: "separate",
        options: ALLOW_NEGATIVE,
        sendBy: Date.now() + 150,
        followUpSendBy: () => (reads++, Date.now() + 5_000),
      }),
    );
    sim.setFaults({ slowCommitEvery: 0 });
    expect(outcomes).toMatchObject([{ ok: true, targetNumber: "LATE1" }]);
    expect(billOf("LATE1")!.FDocumentStatus).toBe("C");
    expect([since("BatchSave"), since("Submit"), since("Audit")]).toEqual([1, 1, 1]);
    expect(reads).toBe(2);
  });

  it("a Submit not sent because its deadline passed is sent when the deadline has moved on since (a renewal)", async () => {
    let reads = 0;
    const [outcome] = await target().write(
      write("SAL_OUTSTOCK", [bill("LATE3")], {
        audit: "separate",
        options: ALLOW_NEGATIVE,
        // The first reading is already past (as after a long wait for a slot); the next is renewed.
        followUpSendBy: () => (reads++ === 0 ? Date.now() - 1 : Date.now() + 5_000),
      }),
    );
    expect(outcome).toMatchObject({ ok: true, targetNumber: "LATE3" });
    expect([since("BatchSave"), since("Submit"), since("Audit")]).toEqual([1, 1, 1]);
  });

  it("a followUpSendBy already past (the attempt lost the run): no Submit, the bill is saved, not audited", async () => {
    const [outcome] = await target().write(
      write("SAL_OUTSTOCK", [bill("LATE2")], { audit: "separate", options: ALLOW_NEGATIVE, sendBy: Date.now() + 5_000, followUpSendBy: () => 0 }),
    );
    expect(outcome).toMatchObject({ ok: false, saved: true, targetNumber: "LATE2", code: "not_sent" });
    expect((outcome as Extract<WriteOutcome, { saved: true }>).message).toMatch(/^单据已保存，提交失败：金蝶 Submit 没有发送/);
    expect(billOf("LATE2")!.FDocumentStatus).toBe("A");
    expect([since("BatchSave"), since("Submit"), since("Audit")]).toEqual([1, 0, 0]);
  });

  it("audit() of a bill that is not there fails it with a clear message", async () => {
    expect(await target().audit!({ formId: "SAL_OUTSTOCK", bills: [{ targetId: "1", targetNumber: "GONE" }] })).toMatchObject([
      { ok: false, index: 0, message: "单据 GONE 在金蝶中不存在（可能已被删除），无法审核；请重新写入这条记录" },
    ]);
    expect([since("Submit"), since("Audit")]).toEqual([0, 0]);
  });
});

describe("a bill create whose outcome is unknown", () => {
  it("slow commit past the timeout: unknown, never resent, and the late commit is the only save", async () => {
    const client = target({ timeoutMs: 150, maxRetries: 3 });
    await client.findExisting("SAL_OUTSTOCK", ["SLOW"]);
    sim.setFaults({ slowCommitEvery: 1, slowCommitMs: 400 });
    const outcomes = await client.write(write("SAL_OUTSTOCK", [bill("SLOW")], { audit: "separate", options: ALLOW_NEGATIVE }));
    expect(outcomes).toMatchObject([{ ok: false, unknown: true, index: 0 }]);
    expect([since("BatchSave"), since("Submit"), since("Audit")]).toEqual([1, 0, 0]);
    await new Promise((r) => setTimeout(r, 500));
    sim.setFaults({ slowCommitEvery: 0 });
    expect(await client.findExisting("SAL_OUTSTOCK", ["SLOW"])).toEqual(new Map([["SLOW", String(billOf("SLOW")!.FID)]]));
    expect(sim.stats().forms.SAL_OUTSTOCK).toMatchObject({ records: 1, duplicateAttempts: 0 });
    expect(since("BatchSave")).toBe(1);
  });
});

// Session 18. An update of an unaudited bill saved with IsAutoSubmitAndAudit: save, submit and audit
// are one transaction, so once it committed the bill is 已审核 and refuses a second save. Resending
// after an unknown outcome turned an update that happened into a data failure; the bill's status
// (FDocumentStatus, in the upsert's lookup) is what tells them apart.
describe("a bill update (IsAutoSubmitAndAudit) whose outcome is unknown", () => {
  it("committed before the answer failed (HTTP 500 after commit): looked up, found audited, reported saved — not resent, not a failure", async () => {
    await target().write(write("SAL_OUTSTOCK", [bill("UA1")], { options: { IsAutoSubmitAndAudit: false } }));
    const id = String(billOf("UA1")!.FID);
    const saves = since("BatchSave");
    sim.injectNext({ fault: "http500AfterCommit", service: "BatchSave" });
    const outcomes = await target().write(write("SAL_OUTSTOCK", [bill("UA1", [row("F01109", 6)])], { mode: "upsert", options: ALLOW_NEGATIVE }));
    expect(outcomes).toMatchObject([{ ok: true, index: 0, targetId: id, targetNumber: "UA1" }]);
    expect(since("BatchSave") - saves).toBe(1);
    expect(await query("SAL_OUTSTOCK", "FBillNo,FMaterialID.FNumber,FRealQty,FDocumentStatus", "FBillNo = 'UA1'")).toEqual([["UA1", "F01109", 6, "C"]]);
    expect(sim.stats().forms.SAL_OUTSTOCK).toMatchObject({ records: 1, duplicateAttempts: 0 });
  });

  it("not committed yet when looked up (slow commit past the timeout): unknown, sent once, and the late commit is the update", async () => {
    await target().write(write("SAL_OUTSTOCK", [bill("UA2")], { options: { IsAutoSubmitAndAudit: false } }));
    const client = target({ timeoutMs: 150, maxRetries: 3 });
    await client.findExisting("SAL_OUTSTOCK", ["UA2"]);
    const saves = since("BatchSave");
    sim.setFaults({ slowCommitEvery: 1, slowCommitMs: 400 });
    const outcomes = await client.write(write("SAL_OUTSTOCK", [bill("UA2", [row("F01109", 7)])], { mode: "upsert", options: ALLOW_NEGATIVE }));
    expect(outcomes).toMatchObject([{ ok: false, unknown: true, index: 0 }]);
    expect(since("BatchSave") - saves).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    sim.setFaults({ slowCommitEvery: 0 });
    expect(billOf("UA2")).toMatchObject({ FDocumentStatus: "C" });
    expect(await query("SAL_OUTSTOCK", "FBillNo,FMaterialID.FNumber,FRealQty", "FBillNo = 'UA2'")).toEqual([["UA2", "F01109", 7]]);
  });

  it("an audited bill is refused before any call, with what to do about it", async () => {
    await target().write(write("SAL_OUTSTOCK", [bill("UA3")], { options: ALLOW_NEGATIVE }));
    const saves = since("BatchSave");
    const [outcome] = await target().write(write("SAL_OUTSTOCK", [bill("UA3", [row("F01109", 1)])], { mode: "upsert", options: ALLOW_NEGATIVE }));
    expect(outcome).toMatchObject({ ok: false, field: "FBillNo" });
    expect(outcome!.ok === false && outcome!.message).toMatch(/^已审核的单据不能修改：单据 UA3 已审核.*反审核/);
    expect(since("BatchSave") - saves).toBe(0);
  });
});
