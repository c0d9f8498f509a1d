import { describe, expect, it } from "vitest";
import { cellText, hasRows, isRowList, rowColumns, rowPath, sampleRow, splitDocument } from "./documents";

const delivery = {
  code: "SDO842184194341",
  shop_code: "RMSHOP001",
  delivery_statusInfo: { delivery: 2, delivery_date: "2025-03-28 15:13:22" },
  details: [
    { item_code: "F01108", qty: 1 },
    { item_code: "F01109", qty: 0, memo: "赠品" },
  ],
  invoices: [],
};

describe("splitDocument", () => {
  it("puts lists of records in tables and spreads sub-heads, keeping base-data objects as values", () => {
    const view = splitDocument({
      FBillNo: "SDO1",
      FSaleOrgId: { FNumber: "100" },
      SubHeadEntity: { FSettleCurrID: { FNumber: "PRE001" }, FExchangeRate: 1 },
      FEntity: [{ FMaterialID: { FNumber: "F01108" }, FRealQty: 1 }],
    });
    expect(view.head).toEqual([
      ["FBillNo", "SDO1"],
      ["FSaleOrgId", { FNumber: "100" }],
      ["SubHeadEntity.FSettleCurrID", { FNumber: "PRE001" }],
      ["SubHeadEntity.FExchangeRate", 1],
    ]);
    expect(view.tables).toEqual([{ key: "FEntity", rows: [{ FMaterialID: { FNumber: "F01108" }, FRealQty: 1 }] }]);
  });

  it("leaves empty lists and lists of scalars in the head", () => {
    const view = splitDocument({ tags: ["a", "b"], invoices: [] });
    expect(view.tables).toEqual([]);
    expect(view.head.map(([k]) => k)).toEqual(["tags", "invoices"]);
  });

  it("tells a document from a flat record", () => {
    expect(hasRows(delivery)).toBe(true);
    expect(hasRows({ FName: "店", FNumber: "S1" })).toBe(false);
    expect(hasRows(null)).toBe(false);
  });
});

describe("rows", () => {
  it("recognises arrays of records only", () => {
    expect(isRowList(delivery.details)).toBe(true);
    expect(isRowList([])).toBe(false);
    expect(isRowList([{ a: 1 }, 2])).toBe(false);
    expect(isRowList([[1]])).toBe(false);
  });

  it("takes every key of every row as a column, in first-seen order", () => {
    expect(rowColumns(delivery.details)).toEqual(["item_code", "qty", "memo"]);
  });

  it("shows cells compactly and cuts long ones", () => {
    expect(cellText("F01108")).toBe("F01108");
    expect(cellText({ FNumber: "100" })).toBe('{"FNumber":"100"}');
    expect(cellText(undefined)).toBe("");
    expect(cellText("x".repeat(100), 10)).toBe(`${"x".repeat(9)}…`);
  });
});

describe("rowPath", () => {
  it("reads the entry table, the 1-based row and the field of a row error", () => {
    expect(rowPath("FEntity[3].FMaterialID")).toEqual({ table: "FEntity", row: 3, field: "FMaterialID" });
    expect(rowPath("SubHeadEntity.FSettleCurrID")).toBeNull();
    expect(rowPath("FNumber")).toBeNull();
  });
});

describe("sampleRow", () => {
  it("is the list's first item", () => {
    expect(sampleRow(delivery, "details")).toEqual({ item_code: "F01108", qty: 1 });
  });

  it("follows dotted paths and gives nothing for a missing, empty or scalar list", () => {
    expect(sampleRow({ a: { list: [{ x: 1 }] } }, "a.list")).toMatchObject({ x: 1 });
    expect(sampleRow(delivery, "")).toBeUndefined();
    expect(sampleRow(delivery, "invoices")).toBeUndefined();
    expect(sampleRow(delivery, "code")).toBeUndefined();
    expect(sampleRow({ list: [1, 2] }, "list")).toBeUndefined();
  });

  it("skips the items the row filter drops", () => {
    expect(sampleRow(delivery, "details", (item) => Number(item.qty) === 0)).toEqual({ item_code: "F01109", qty: 0, memo: "赠品" });
    expect(sampleRow(delivery, "details", () => false)).toBeUndefined();
  });
});
