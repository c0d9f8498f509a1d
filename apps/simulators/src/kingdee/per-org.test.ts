// Base data per 使用组织 (./number-index.ts): one number in two organisations is two records with
// their own ids, returned as two rows by ExecuteBillQuery; a number is unique within an
// organisation; bills keep one number space.
import { describe, expect, it } from "vitest";
import { outstock, useSimulator } from "./test-client";

const { client } = useSimulator({ parties: true });

const customer = (FNumber: string, org: string, extra: Record<string, unknown> = {}) => ({
  FCreateOrgId: { FNumber: org },
  FUseOrgId: { FNumber: org },
  FNumber,
  FName: `客户${FNumber}@${org}`,
  ...extra,
});
const material = (FNumber: string, org: string) => ({ FCreateOrgId: { FNumber: org }, FUseOrgId: { FNumber: org }, FNumber, FName: `物料${FNumber}@${org}` });

describe("base data per 使用组织", () => {
  it("keeps one customer number in two organisations as two records, each answered by ExecuteBillQuery with its organisation", async () => {
    const first = await client.save("BD_Customer", customer("C-ORG", "100"));
    const second = await client.save("BD_Customer", customer("C-ORG", "101"));
    expect(first.Result.ResponseStatus.IsSuccess).toBe(true);
    expect(second.Result.ResponseStatus.IsSuccess).toBe(true);
    const rows = await client.query({ FormId: "BD_Customer", FieldKeys: "FCUSTID,FNumber,FUseOrgId.FNumber,FName", FilterString: "FNumber in ('C-ORG')" });
    expect(rows).toEqual([
      [first.Result.Id, "C-ORG", "100", "客户C-ORG@100"],
      [second.Result.Id, "C-ORG", "101", "客户C-ORG@101"],
    ]);
    // The organisation can be filtered on, as integrators do.
    expect(await client.query({ FormId: "BD_Customer", FieldKeys: "FCUSTID", FilterString: "FNumber = 'C-ORG' and FUseOrgId.FNumber = '101'" })).toEqual([[second.Result.Id]]);
  });

  it("refuses a second create of a number within one organisation, and an update of one copy leaves the other", async () => {
    const first = await client.save("BD_Customer", customer("C-DUP", "101"));
    await client.save("BD_Customer", customer("C-DUP", "100"));
    const again = await client.save("BD_Customer", customer("C-DUP", "101"));
    expect(again.Result.ResponseStatus).toMatchObject({ IsSuccess: false, Errors: [{ FieldName: "FNumber", Message: expect.stringContaining("[C-DUP]") }] });

    const update = await client.save("BD_Customer", { FCUSTID: first.Result.Id, FName: "改名" }, { NeedUpDateFields: ["FName"] });
    expect(update.Result.ResponseStatus.IsSuccess).toBe(true);
    const names = await client.query({ FormId: "BD_Customer", FieldKeys: "FUseOrgId.FNumber,FName", FilterString: "FNumber = 'C-DUP'" });
    expect(names).toEqual([
      ["101", "改名"],
      ["100", "客户C-DUP@100"],
    ]);
  });

  it("takes a customer without 使用组织 as its 创建组织's, and one without either as 总公司 (100)'s", async () => {
    await client.save("BD_Customer", { FCreateOrgId: { FNumber: "102" }, FNumber: "C-CREATE", FName: "只有创建组织" });
    expect((await client.save("BD_Customer", customer("C-CREATE", "102"))).Result.ResponseStatus.IsSuccess).toBe(false);
    expect((await client.save("BD_Customer", customer("C-CREATE", "100"))).Result.ResponseStatus.IsSuccess).toBe(true);

    const pre = await client.admin("POST", "customers", { customers: [{ FNumber: "C-PRE" }] });
    expect(pre).toMatchObject({ rejected: [] });
    expect((await client.save("BD_Customer", customer("C-PRE", "100"))).Result.ResponseStatus.IsSuccess).toBe(false);
    expect((await client.save("BD_Customer", customer("C-PRE", "103"))).Result.ResponseStatus.IsSuccess).toBe(true);
    // The admin's delete by number removes every organisation's copy.
    expect(await client.admin("DELETE", "customers", { numbers: ["C-PRE"] })).toEqual({ deleted: 2 });
  });

  it("keeps materials per organisation too; bill numbers stay unique across organisations", async () => {
    const a = await client.save("BD_MATERIAL", material("M-ORG", "100"));
    const b = await client.save("BD_MATERIAL", material("M-ORG", "101"));
    expect([a.Result.ResponseStatus.IsSuccess, b.Result.ResponseStatus.IsSuccess]).toEqual([true, true]);
    expect((await client.save("BD_MATERIAL", material("M-ORG", "101"))).Result.ResponseStatus.IsSuccess).toBe(false);
    expect(await client.query({ FormId: "BD_MATERIAL", FieldKeys: "FMATERIALID,FUseOrgId.FNumber", FilterString: "FNumber in ('M-ORG')" })).toEqual([
      [a.Result.Id, "100"],
      [b.Result.Id, "101"],
    ]);

    expect((await client.save("SAL_OUTSTOCK", outstock("BILL-ORG"))).Result.ResponseStatus.IsSuccess).toBe(true);
    const other = await client.save("SAL_OUTSTOCK", outstock("BILL-ORG", undefined, { FSaleOrgId: { FNumber: "101" }, FStockOrgId: { FNumber: "101" } }));
    expect(other.Result.ResponseStatus).toMatchObject({ IsSuccess: false, Errors: [expect.objectContaining({ Message: expect.stringContaining("[BILL-ORG]") })] });
  });
});
