import { describe, expect, it } from "vitest";
import { DATETIME_PATTERN, compileDatePattern, formatInstant, instantOfWall, toInstant, wallTime } from "./time";
import { isValidTimeZone } from "./timezone";

const wall = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0) => ({
  year,
  month,
  day,
  hour,
  minute,
  second,
  millisecond: 0,
});

describe("time", () => {
  it("knows valid IANA names", () => {
    expect(isValidTimeZone("Asia/Shanghai")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("America/New_York")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
  });

  it("shows an instant as the clock of a timezone", () => {
    const ms = Date.UTC(2026, 0, 1, 16, 0, 0, 7);
    expect(wallTime(ms, "Asia/Shanghai")).toEqual({ year: 2026, month: 1, day: 2, hour: 0, minute: 0, second: 0, millisecond: 7 });
    expect(wallTime(ms, "UTC")).toMatchObject({ day: 1, hour: 16 });
    expect(wallTime(Date.UTC(2026, 0, 1, 0, 0, 0, 0) - 1, "UTC")).toMatchObject({ year: 2025, hour: 23, millisecond: 999 });
  });

  it("finds the instant of a wall time, across daylight saving changes", () => {
    expect(instantOfWall(wall(2026, 11, 28, 18, 30), "Asia/Shanghai")).toBe(Date.UTC(2026, 10, 28, 10, 30));
    expect(instantOfWall(wall(2026, 7, 1, 8), "America/New_York")).toBe(Date.UTC(2026, 6, 1, 12));
    // 2026-11-01 01:30 happens twice in New York: the earlier (EDT) one.
    expect(instantOfWall(wall(2026, 11, 1, 1, 30), "America/New_York")).toBe(Date.UTC(2026, 10, 1, 5, 30));
    // 2026-03-08 02:30 does not exist in New York (or 2026-03-29 02:30 in Berlin): clocks jump ahead.
    expect(instantOfWall(wall(2026, 3, 8, 2, 30), "America/New_York")).toBe(Date.UTC(2026, 2, 8, 7, 30));
    expect(instantOfWall(wall(2026, 3, 29, 2, 30), "Europe/Berlin")).toBe(Date.UTC(2026, 2, 29, 1, 30));
    expect(instantOfWall(wall(2026, 10, 25, 2, 30), "Europe/Berlin")).toBe(Date.UTC(2026, 9, 25, 0, 30));
  });

  it("round-trips wall times through instants", () => {
    for (const tz of ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe", "UTC"]) {
      for (let month = 1; month <= 12; month++) {
        const w = wall(2026, month, 15, 13, 45, 30);
        expect(wallTime(instantOfWall(w, tz), tz)).toEqual(w);
      }
    }
  });

  it("compiles patterns longest token first and copies other characters", () => {
    expect(compileDatePattern("yyyy-M-d")).toEqual([{ field: "yyyy" }, { text: "-" }, { field: "M" }, { text: "-" }, { field: "d" }]);
    expect(compileDatePattern("T")).toEqual([{ text: "T" }]);
    expect(formatInstant(Date.UTC(2026, 0, 5, 3, 4, 5, 6), compileDatePattern("yyyy年MM月dd日 H时 SSS"), "UTC")).toBe("2026年01月05日 3时 006");
  });

  it("reads values as instants", () => {
    expect(toInstant(new Date(5), undefined)).toBe(5);
    expect(toInstant(1_700_000_000, undefined)).toBe(1_700_000_000_000);
    expect(toInstant(1_700_000_000_123, undefined)).toBe(1_700_000_000_123);
    expect(toInstant("1700000000", undefined)).toBe(1_700_000_000_000);
    expect(toInstant("1700000000123", undefined)).toBe(1_700_000_000_123);
    expect(toInstant("2024-03-01", "UTC")).toBe(Date.UTC(2024, 2, 1));
    expect(toInstant("2024-03-01T08:05", "UTC")).toBe(Date.UTC(2024, 2, 1, 8, 5));
    expect(toInstant("2024-03-01 08:05:09.5", "UTC")).toBe(Date.UTC(2024, 2, 1, 8, 5, 9, 500));
    expect(toInstant(" 2024-03-01 08:05:09 ", "Asia/Shanghai")).toBe(Date.UTC(2024, 2, 1, 0, 5, 9));
    expect(toInstant("2024-03-01T08:05:09Z", "Asia/Shanghai")).toBe(Date.UTC(2024, 2, 1, 8, 5, 9));
    expect(toInstant("2024-03-01T08:05:09-0130", "Asia/Shanghai")).toBe(Date.UTC(2024, 2, 1, 9, 35, 9));
    expect(toInstant("2024-02-29", "UTC")).toBe(Date.UTC(2024, 1, 29));
  });

  it("rejects what is not a date", () => {
    for (const v of ["2023-02-29", "2024-13-01", "2024-00-10", "2024-1-1x", "2024-01-01 1:2", "01/02/2024", "abc", "", "2024-01-01+08", "123", Number.NaN, Infinity, 1e20, {}, [], true, null, undefined]) {
      expect(toInstant(v, "UTC")).toBeUndefined();
    }
  });

  it("formats the default pattern", () => {
    expect(formatInstant(Date.UTC(2026, 10, 28, 10, 30, 5), DATETIME_PATTERN, "Asia/Shanghai")).toBe("2026-11-28 18:30:05");
  });
});
