// FilterString: the SQL-like fragments ExecuteBillQuery callers send.
import { describe, expect, it } from "vitest";
import { FilterError, parseFilter } from "./filter";

const row: Record<string, unknown> = { FNumber: "O'NEIL", FName: "天猫旗舰店", FCUSTID: 100005, FDescription: null };
const matches = (filter: string) => parseFilter(filter).filter((key) => row[key]);

describe("parseFilter", () => {
  it("evaluates in, not in, comparisons, like, and, or and parentheses", () => {
    expect(matches("FNumber in ('A','O''NEIL')")).toBe(true);
    expect(matches("FNumber not in ('O''NEIL')")).toBe(false);
    expect(matches("FCUSTID >= 100005 and FCUSTID < 100006")).toBe(true);
    expect(matches("FCUSTID = '100005'")).toBe(true);
    expect(matches("FName LIKE '%旗舰%'")).toBe(true);
    expect(matches("FName like '天猫_'")).toBe(false);
    expect(matches("(FNumber = 'X' or FName like '天猫%') and FCUSTID <> 1")).toBe(true);
    expect(matches("FDescription = ''")).toBe(true);
    expect(matches("   ")).toBe(true);
  });

  it("compares text as SQL Server's = and in do: trailing spaces do not count, like keeps them", () => {
    expect(matches("FNumber = 'O''NEIL  '")).toBe(true);
    expect(matches("FNumber in ('O''NEIL ')")).toBe(true);
    expect(matches("FNumber <> 'O''NEIL '")).toBe(false);
    expect(matches("FNumber = ' O''NEIL'")).toBe(false);
    expect(matches("FNumber like 'O''NEIL '")).toBe(false);
  });

  it("names the fields it reads and offers an index lookup for a lone `in` or `=`", () => {
    expect(parseFilter("FNumber in ('A','B')")).toMatchObject({ fields: ["FNumber"], lookup: { field: "FNumber", values: ["A", "B"] } });
    expect(parseFilter("FCUSTID = 7")).toMatchObject({ lookup: { field: "FCUSTID", values: [7] } });
    expect(parseFilter("FNumber in ('A') and FName = 'x'").lookup).toBeUndefined();
    expect(parseFilter("FNumber not in ('A')").lookup).toBeUndefined();
  });

  it("refuses what it cannot read", () => {
    for (const bad of ["FNumber in ('A'", "FNumber ==", "'A' = FNumber", "FNumber = 'A' extra", "FNumber not = 'A'", "FNumber = 'A"]) {
      expect(() => parseFilter(bad), bad).toThrow(FilterError);
    }
  });
});
