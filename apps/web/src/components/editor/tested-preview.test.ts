import { describe, expect, it } from "vitest";
import { sampleOf, testedPreview } from "./tested-preview";

const tested = {
  payload: { FStockOrgId: "100", FBillNo: "SDO1", FEntity: [{ FStockID: "CK002", FRealQty: 2 }, { FStockID: "CK003" }] },
  waits: [
    { field: "FCustomerID", scheme: "店铺→客户", key: "S1" },
    { field: "FEntity[1].FMaterialID", scheme: "商品→物料", key: "I9" },
  ],
};
const waitText = (w: { scheme: string; key: string }) => `等待 ${w.scheme} ${w.key}`;

describe("the test run's value of a field in the mapping table", () => {
  it("is the mapped value of a head field or of the first row", () => {
    expect(testedPreview(tested, "FBillNo", waitText)).toBe("SDO1");
    expect(testedPreview(tested, ["FEntity", "FStockID"], waitText)).toBe("CK002");
    expect(testedPreview(tested, ["FEntity", "FRealQty"], waitText)).toBe("2");
  });

  it("says why a field waits, and is nothing for a field the test did not map or without a test", () => {
    expect(testedPreview(tested, "FCustomerID", waitText)).toBe("等待 店铺→客户 S1");
    expect(testedPreview(tested, ["FEntity", "FMaterialID"], waitText)).toBe("等待 商品→物料 I9");
    expect(testedPreview(tested, "FNote", waitText)).toBeUndefined();
    expect(testedPreview(tested, ["FOther", "FStockID"], waitText)).toBeUndefined();
    expect(testedPreview(undefined, "FBillNo", waitText)).toBeUndefined();
  });
});

describe("a test record as the mapping tables' sample", () => {
  const record = { source: { name: "店铺一" }, payload: { FName: "店铺一" }, waits: [] };

  it("carries what the worker mapped while the mapping shown is the one tested", () => {
    expect(sampleOf(record, true)).toEqual({ record: { name: "店铺一" }, tested: { payload: { FName: "店铺一" }, waits: [] } });
  });

  // Unsaved changes, or a version saved since the one tested (a save made while the test ran):
  // session 33's audit found the previews of value maps and lookups showing the old version's values.
  it("carries only the source record once the mapping shown is not the one tested", () => {
    expect(sampleOf(record, false)).toEqual({ record: { name: "店铺一" } });
  });
});
