// 300 sales delivery bills, audited separately, against a faulty simulator: 10% of calls fail
// (HTTP 500 / response_error: after the write committed, or the connection dropped after commit —
// Save, Submit and Audit alike) and half the bills meet a stock shortfall until stock arrives. The
// caller does what the engine does: looks unknown saves up, audits saved bills later. Every bill must
// end audited exactly once: no bill saved twice, no stock moved twice.
import { createKingdeeSimulator } from "@qiao/simulators";
import { afterAll, beforeAll, expect, it } from "vitest";
import { simulatorPolicy as outbound } from "../testing";
import type { TargetClient, WriteOutcome } from "../types";
import { kingdee } from "./index";

const TOTAL = 300;
const BATCH = 10;
const STOCKED = "F01108";
const SHORT = "F01109";

const sim = createKingdeeSimulator({});
let baseUrl = "";
beforeAll(async () => {
  baseUrl = await sim.listen(0);
});
afterAll(() => sim.close());

const bill = (i: number) => ({
  FBillTypeID: "XSCKD01_SYS",
  FBillNo: `SOAK${String(i).padStart(5, "0")}`,
  FDate: "2026-12-03",
  FSaleOrgId: "100",
  FStockOrgId: "100",
  FCustomerID: "RMSHOP001",
  FEntity: [
    { FMaterialID: STOCKED, FUnitID: "Pcs", FRealQty: 1, FStockID: "CK001" },
    ...(i % 2 === 0 ? [{ FMaterialID: SHORT, FUnitID: "Pcs", FRealQty: 2, FStockID: "CK001" }] : []),
  ],
});

type Bill = { targetId: string; targetNumber: string };

/**
 * One batch as the engine handles it: written with audit "separate"; a record whose save is unknown
 * is looked up (this simulator commits before it answers, so at once): present → a saved bill to
 * audit later, absent → written again. Returns the bills saved but not (known to be) audited.
 */
async function writeBatch(target: TargetClient, records: Record<string, unknown>[], depth = 0): Promise<{ audited: number; saved: Bill[] }> {
  const outcomes = await target.write({ api: "batchSave", formId: "SAL_OUTSTOCK", records, options: {}, mode: "create", audit: "separate" });
  const failed = outcomes.filter((o) => !o.ok && !o.unknown && !o.saved);
  expect(failed).toEqual([]);
  const saved = outcomes.flatMap((o) => (!o.ok && o.saved ? [{ targetId: o.targetId, targetNumber: o.targetNumber }] : []));
  let audited = outcomes.filter((o) => o.ok).length;
  const unknown = outcomes.filter((o) => !o.ok && o.unknown).map((o) => String(records[o.index]!.FBillNo));
  if (unknown.length > 0) {
    if (depth >= 5) throw new Error("outcomes still unknown after 5 rounds");
    const existing = await target.findExisting("SAL_OUTSTOCK", unknown);
    saved.push(...[...existing].map(([targetNumber, targetId]) => ({ targetId, targetNumber })));
    const missing = records.filter((r) => unknown.includes(String(r.FBillNo)) && !existing.has(String(r.FBillNo)));
    if (missing.length > 0) {
      const rest = await writeBatch(target, missing, depth + 1);
      audited += rest.audited;
      saved.push(...rest.saved);
    }
  }
  return { audited, saved };
}

it("writes and audits exactly 300 bills, each saved once and its stock moved once, despite faults and shortfalls", async () => {
  const target = kingdee.createTarget!({ baseUrl, credentials: { acctId: "qiao-demo", username: "administrator", password: "888888" }, outbound, qps: 1000 });
  const seed = (formId: string, records: Record<string, unknown>[]) => target.write({ api: "batchSave", formId, records, options: {}, mode: "create" });
  expect(await seed("BD_Customer", [{ FNumber: "RMSHOP001", FName: "天猫旗舰店", FCreateOrgId: "100" }])).toMatchObject([{ ok: true }]);
  expect(await seed("BD_MATERIAL", [STOCKED, SHORT].map((FNumber) => ({ FNumber, FName: FNumber, FCreateOrgId: "100" })))).toMatchObject([{ ok: true }, { ok: true }]);
  sim.forms.stock.set("100", "CK001", STOCKED, 1000);
  sim.setFaults({ errorRate: 0.05, errorAfterCommit: true, dropRate: 0.05 });

  let audited = 0;
  let saved: Bill[] = [];
  const bills = Array.from({ length: TOTAL }, (_, i) => bill(i));
  for (let i = 0; i < TOTAL; i += BATCH) {
    const result = await writeBatch(target, bills.slice(i, i + BATCH));
    audited += result.audited;
    saved.push(...result.saved);
  }
  // Every even bill needs 2 of SHORT, which has none yet: those are saved, not audited.
  expect(saved.length).toBeGreaterThanOrEqual(TOTAL / 2);

  sim.forms.stock.set("100", "CK001", SHORT, 1000);
  for (let round = 0; saved.length > 0; round++) {
    if (round >= 10) throw new Error(`${saved.length} bills still not audited after 10 rounds`);
    const outcomes: WriteOutcome[] = [];
    for (let i = 0; i < saved.length; i += BATCH) outcomes.push(...(await target.audit!({ formId: "SAL_OUTSTOCK", bills: saved.slice(i, i + BATCH) })).map((o) => ({ ...o, index: o.index + i })));
    expect(outcomes.filter((o) => !o.ok && !o.saved && !o.unknown)).toEqual([]);
    audited += outcomes.filter((o) => o.ok).length;
    saved = outcomes.flatMap((o) => (o.ok ? [] : [saved[o.index]!]));
  }

  const stats = sim.stats();
  expect(audited).toBe(TOTAL);
  expect(stats.forms.SAL_OUTSTOCK).toMatchObject({ records: TOTAL, duplicateAttempts: 0 });
  expect(sim.forms.outstock.list().every((b) => b.FDocumentStatus === "C")).toBe(true);
  // Stock moved exactly once per audited bill: 1 of STOCKED per bill, 2 of SHORT per even bill.
  expect(sim.forms.stock.get("100", "CK001", STOCKED)).toBe(1000 - TOTAL);
  expect(sim.forms.stock.get("100", "CK001", SHORT)).toBe(1000 - 2 * (TOTAL / 2));
  // The faults really happened, to saves and to audits.
  expect(stats.faultsInjected.drop ?? 0).toBeGreaterThan(3);
  expect((stats.faultsInjected.http500AfterCommit ?? 0) + (stats.faultsInjected.responseErrorAfterCommit ?? 0)).toBeGreaterThan(1);
}, 60_000);
