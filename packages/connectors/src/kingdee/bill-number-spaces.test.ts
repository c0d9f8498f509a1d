// A bill number with a space after it (session 27's audit of documents). 金蝶 compares text as SQL
// Server does: `FBillNo in ('X ')` finds a bill stored as "X" (trailing spaces do not count), and
// the simulator now does too (its filters; it stores numbers trimmed). The connector's lookUp
// matched the rows 金蝶 returns to the numbers it asked for by exact text, so the bill it wrote was
// not found: an upsert of that delivery sent a second create, refused as a duplicate number. Rows
// are now matched by targetNumberKey (@qiao/core), as the number claims are.
import { createKingdeeSimulator } from "@qiao/simulators";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
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
const row = (FMaterialID: string, FRealQty: number) => ({ FMaterialID, FUnitID: "Pcs", FRealQty, FTaxPrice: 25, FStockID: "CK001" });
const bill = (FBillNo: string, rows: Record<string, unknown>[]) => ({
  FBillTypeID: "XSCKD01_SYS",
  FBillNo,
  FDate: "2026-12-03",
  FSaleOrgId: "100",
  FStockOrgId: "100",
  FCustomerID: "RMSHOP001",
  FEntity: rows,
});
const write = (formId: string, records: Record<string, unknown>[], extra: Partial<WriteRequest> = {}): WriteRequest => ({
  api: "batchSave",
  formId,
  records,
  options: { IsAutoSubmitAndAudit: false },
  mode: "upsert",
  ...extra,
});

beforeAll(async () => {
  baseUrl = await sim.listen(0, "127.0.0.1");
});
afterAll(() => sim.close());
beforeEach(async () => {
  sim.reset();
  const client = target();
  await client.write(write("BD_Customer", [{ FNumber: "RMSHOP001", FName: "店", FCreateOrgId: "100", FUseOrgId: "100" }], { mode: "create", options: { IsAutoSubmitAndAudit: true } }));
  await client.write(
    write("BD_MATERIAL", [
      { FCreateOrgId: "100", FUseOrgId: "100", FNumber: "F01108", FName: "物料1", "SubHeadEntity.FBaseUnitId": "Pcs" },
      { FCreateOrgId: "100", FUseOrgId: "100", FNumber: "F01109", FName: "物料2", "SubHeadEntity.FBaseUnitId": "Pcs" },
    ], { mode: "create", options: { IsAutoSubmitAndAudit: true } }),
  );
});

describe("upsert of a bill whose number carries a trailing space", () => {
  it("the second write (a line changed) updates the bill it wrote instead of being refused as a duplicate", async () => {
    const [first] = await target().write(write("SAL_OUTSTOCK", [bill("SDO-SPACE-1 ", [row("F01108", 1), row("F01109", 1)])]));
    expect(first).toMatchObject({ ok: true });
    expect(sim.forms.outstock.size).toBe(1);
    // The delivery's second line is removed: the same record, mapped again, is upserted.
    const [second] = await target().write(write("SAL_OUTSTOCK", [bill("SDO-SPACE-1 ", [row("F01108", 1)])]));
    // Before: { ok: false, field: "FBillNo", message: "违反字段唯一性要求：编码唯一。[SDO-SPACE-1]…" }
    expect(second).toMatchObject({ ok: true, targetId: first!.ok ? first!.targetId : "" });
    const stored = sim.forms.outstock.list();
    expect(stored).toHaveLength(1);
    expect((stored[0]!.FEntity as unknown[]).length).toBe(1);
  });
});
