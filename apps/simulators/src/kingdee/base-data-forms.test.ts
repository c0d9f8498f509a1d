// BD_STOCK and BD_UNIT over HTTP: the catalogs queryable by ExecuteBillQuery (FieldKeys,
// FilterString, paging, unknown fields), in step with the admin base-data API, read-only for Save,
// and counted per form in the stats.
import { describe, expect, it } from "vitest";
import { useSimulator } from "./test-client";

const { sim, client } = useSimulator();

describe("base-data forms", () => {
  it("answers the seeded stocks by name, in id order, 已审核 and 未禁用", async () => {
    const rows = await client.query({ FormId: "BD_STOCK", FieldKeys: "FStockId,FNumber,FName,FDocumentStatus,FForbidStatus", FilterString: "FName in ('主仓','华南仓','不存在')" });
    expect(rows).toEqual([
      [100701, "CK001", "主仓", "C", "A"],
      [100703, "CK003", "华南仓", "C", "A"],
    ]);
    expect(await client.query({ FormId: "bd_stock", FieldKeys: "fname", FilterString: "FNumber = 'CK002' or FNumber = 'CK003'" })).toEqual([["华东仓"], ["华南仓"]]);
    expect(await client.query({ FormId: "BD_STOCK", FieldKeys: "FNumber", FilterString: "FName = '主仓' and FNumber = 'CK002'" })).toEqual([]);
    expect(await client.query({ FormId: "BD_STOCK", FieldKeys: "FNumber", OrderString: "FNumber desc", TopRowCount: 2 })).toEqual([["CK003"], ["CK002"]]);
  });

  it("answers units by FUNITID, FNumber and FName, the array FilterString form included", async () => {
    const rows = await client.query({
      FormId: "BD_UNIT",
      FieldKeys: "FUNITID,FNumber,FName",
      FilterString: [{ Left: "", FieldName: "FNumber", Compare: "in", Value: "Pcs,kg", Right: "", Logic: 0 }],
    });
    expect(rows).toEqual([
      [10101, "Pcs", "件"],
      [10105, "kg", "千克"],
    ]);
  });

  it("finds what the admin API adds and forgets what it deletes; reset brings the seeded catalog back", async () => {
    await client.admin("POST", "base-data", { kind: "stock", entries: [{ number: "CK009", name: "O'Brien 仓" }] });
    expect(await client.query({ FormId: "BD_STOCK", FieldKeys: "FNumber", FilterString: "FName in ('O''Brien 仓')" })).toEqual([["CK009"]]);
    expect(await client.admin("DELETE", "forms/BD_STOCK", { numbers: ["CK009", "CK001"] })).toEqual({ deleted: 2 });
    expect(await client.query({ FormId: "BD_STOCK", FieldKeys: "FNumber" })).toEqual([["CK002"], ["CK003"]]);
    expect(await client.admin("GET", "forms/BD_STOCK")).toMatchObject({ formId: "BD_STOCK", records: [{ FNumber: "CK002" }, { FNumber: "CK003" }] });
    sim.reset();
    await client.login();
    expect(await client.query({ FormId: "BD_STOCK", FieldKeys: "FNumber" })).toEqual([["CK001"], ["CK002"], ["CK003"]]);
  });

  it("pages with StartRow and Limit (at most 2000 rows per call)", async () => {
    const entries = Array.from({ length: 2100 }, (_, i) => ({ number: `P${String(i).padStart(4, "0")}`, name: `分仓${i}` }));
    await client.admin("POST", "base-data", { kind: "stock", entries });
    const first = await client.query({ FormId: "BD_STOCK", FieldKeys: "FNumber", StartRow: 0, Limit: 5000 });
    const second = await client.query({ FormId: "BD_STOCK", FieldKeys: "FNumber", StartRow: 2000, Limit: 2000 });
    expect(first).toHaveLength(2000);
    expect(second).toHaveLength(103);
    expect(second.at(-1)).toEqual(["P2099"]);
  });

  it("refuses an unknown field (in FieldKeys or the filter) with MsgCode 9, naming it", async () => {
    for (const data of [
      { FormId: "BD_STOCK", FieldKeys: "FNumber,FNoSuch" },
      { FormId: "BD_STOCK", FieldKeys: "FNumber", FilterString: "FNoSuch = 'x'" },
      { FormId: "BD_UNIT", FieldKeys: "FName.FNumber" },
    ]) {
      const key = data.FilterString ? "FNoSuch" : data.FieldKeys.split(",").at(-1)!;
      expect(await client.query(data)).toEqual([
        [{ Result: { ResponseStatus: expect.objectContaining({ IsSuccess: false, MsgCode: 9, Errors: [expect.objectContaining({ Message: `元数据中标识为${key}的字段不存在` })] }) } }],
      ]);
    }
  });

  it("is read-only: Save answers MsgCode 2 (no permission) per Model, changes nothing; Submit and Audit find it 已审核", async () => {
    const answer = await client.batchSave("BD_STOCK", [{ FNumber: "CK010", FName: "新仓" }, { FNumber: "CK011", FName: "新仓2" }]);
    expect(answer.Result.ResponseStatus).toMatchObject({ IsSuccess: false, MsgCode: 2, SuccessEntitys: [] });
    expect(answer.Result.ResponseStatus.Errors.map((e) => e.DIndex)).toEqual([0, 1]);
    expect(answer.Result.ResponseStatus.Errors[0]!.Message).toContain("没有“仓库”的新增/修改权限");
    expect(await client.query({ FormId: "BD_STOCK", FieldKeys: "FNumber", FilterString: "FNumber in ('CK010','CK011')" })).toEqual([]);
    const audit = await client.operate("Audit", "BD_UNIT", { Numbers: ["Pcs"] });
    expect(audit.Result.ResponseStatus).toMatchObject({ IsSuccess: false, Errors: [expect.objectContaining({ Message: expect.stringContaining("已审核") })] });
    const view = await client.view("BD_STOCK", { Number: "CK002" });
    expect(view.Result.Result).toEqual({ Id: 100702, Number: "CK002", Name: [{ Key: 2052, Value: "华东仓" }], DocumentStatus: "C", ForbidStatus: "A" });
  });

  it("counts ExecuteBillQuery calls per form in the stats, and reset zeroes them", async () => {
    await client.query({ FormId: "BD_STOCK", FieldKeys: "FNumber" });
    await client.query({ FormId: "bd_stock", FieldKeys: "FNoSuch" });
    await client.query({ FormId: "BD_UNIT", FieldKeys: "FNumber" });
    await client.query({ FormId: "BD_NOSUCH", FieldKeys: "FNumber" });
    const stats = await client.admin("GET", "stats");
    expect(stats).toMatchObject({ queries: { BD_STOCK: 2, BD_UNIT: 1 }, calls: { ExecuteBillQuery: 4 }, forms: { BD_STOCK: { records: 3 }, BD_UNIT: { records: 6 } } });
    expect(stats.queries).not.toHaveProperty("BD_NOSUCH");
    sim.reset();
    expect(sim.stats().queries).toEqual({});
  });
});
