// How the filter node's condition compares dates and date-times (docs/filters.md): as wall-clock
// points in time, whatever the shape (2026-12-01 08:00:00, 2026/12/1 8:00, 2026-12-01T08:00:00.5);
// a bare date is the whole day (both sides compare by their day); impossible dates are text; numbers
// stay numbers; a missing value is as before.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { passes, rule } from "../test/condition-helpers";
import { wallClockOf } from "./condition-dates";
import type { ConditionOp } from "./scheme";


/** Whether `{{t}} op value` holds for the record { t }. */
const holds = (t: unknown, op: ConditionOp, value: string) => passes({ t }, [rule("{{t}}", op, value)]);

const ORDERINGS = ["gt", "gte", "lt", "lte"] as const;
const COMPARISONS = ["eq", "ne", ...ORDERINGS] as const;

describe("wallClockOf", () => {
  it("reads the shapes a date or date-time is written in", () => {
    const at8 = { day: "2026-12-01", time: "08:00:00.000000000" };
    expect(wallClockOf("2026-12-01")).toEqual({ day: "2026-12-01" });
    expect(wallClockOf("2026/12/01")).toEqual({ day: "2026-12-01" });
    expect(wallClockOf("2026-12-1")).toEqual({ day: "2026-12-01" });
    expect(wallClockOf(" 2026/1/9 ")).toEqual({ day: "2026-01-09" });
    for (const text of ["2026-12-01 08:00:00", "2026-12-01T08:00:00", "2026-12-01 08:00", "2026/12/1 8:00", "2026-12-01T08:00:00.0", "2026-12-01  08:00"]) {
      expect(wallClockOf(text), text).toEqual(at8);
    }
    expect(wallClockOf("2026-12-01 23:59:59.999")).toEqual({ day: "2026-12-01", time: "23:59:59.999000000" });
    expect(wallClockOf("2026-12-01 08:00:00.123456789")?.time).toBe("08:00:00.123456789");
  });

  it("leaves out impossible dates and times, and other shapes", () => {
    for (const text of [
      "2026-02-30",
      "2025-02-29",
      "1900-02-29",
      "2026-04-31",
      "2026-13-01",
      "2026-00-10",
      "2026-12-00",
      "2026-12-32",
      "2026-12-01 24:00",
      "2026-12-01 08:60",
      "2026-12-01 08:00:60",
      "2026-12-01 08",
      "2026-12-01 08:00:00.1234567890",
      "2026-12/01",
      "2026.12.01",
      "20261201",
      "26-12-01",
      "2026-12",
      "2026-12-01Z",
      "2026-12-01T08:00:00Z",
      "2026-12-01 08:00:00+08:00",
      "2026-12-001",
      "2026年12月1日",
      "",
    ]) {
      expect(wallClockOf(text), text).toBeUndefined();
    }
    expect(wallClockOf("2024-02-29")).toEqual({ day: "2024-02-29" });
    expect(wallClockOf("2000-02-29")).toEqual({ day: "2000-02-29" });
  });
});

describe("condition: a date-time field against a bare date (the whole day)", () => {
  // [field, eq, ne, gt, gte, lt, lte] against the rule value 2026-12-01.
  const table: [string, boolean, boolean, boolean, boolean, boolean, boolean][] = [
    ["2026-11-30 23:59:59.999", false, true, false, false, true, true],
    ["2026-12-01 00:00:00", true, false, false, true, false, true],
    ["2026-12-01 08:00", true, false, false, true, false, true],
    ["2026-12-01 23:59:59.999", true, false, false, true, false, true],
    ["2026-12-02 00:00:00", false, true, true, true, false, false],
  ];
  for (const [field, ...expected] of table) {
    it(`${field} against 2026-12-01`, () => {
      expect(COMPARISONS.map((op) => holds(field, op, "2026-12-01"))).toEqual(expected);
    });
  }

  it("takes the day whatever the shape of either side", () => {
    expect(holds("2026-12-01 08:00:00", "lte", "2026/12/1")).toBe(true);
    expect(holds("2026/12/01 08:00", "eq", "2026-12-01")).toBe(true);
    expect(holds("2026-12-01T08:00:00", "lt", "2026-12-02")).toBe(true);
    expect(holds("2026-12-1 8:00", "gt", "2026-11-30")).toBe(true);
    expect(holds("2026-12-9 08:00", "lt", "2026-12-10")).toBe(true); // as text, "9" > "1"
  });

  it("is symmetric: a bare date field against a date-time rule compares by the day too", () => {
    expect(holds("2026-12-01", "eq", "2026-12-01 08:00")).toBe(true);
    expect(holds("2026-12-01", "lte", "2026-12-01 00:00:00")).toBe(true);
    expect(holds("2026-12-01", "gte", "2026-12-01 23:59:59")).toBe(true);
    expect(holds("2026-12-01", "lt", "2026-12-01 23:59:59")).toBe(false);
    expect(holds("2026-12-01", "gt", "2026-11-30 23:59:59")).toBe(true);
    expect(holds("2026-12-01", "lt", "2026-12-02T00:00")).toBe(true);
  });

  it("reads a Date value as the wall clock of the scheme's time zone", () => {
    // 2026-12-01 08:30 in Asia/Shanghai.
    const t = new Date("2026-12-01T00:30:00Z");
    expect(holds(t, "eq", "2026-12-01")).toBe(true);
    expect(holds(t, "gt", "2026-12-01 08:29:59")).toBe(true);
    expect(holds(t, "lt", "2026-12-01T08:30:01")).toBe(true);
  });

  it("lists dates for 属于 / 不属于, each the whole day", () => {
    expect(holds("2026-12-01 08:00:00", "in", "2026-11-30, 2026/12/1")).toBe(true);
    expect(holds("2026-12-02 00:00:00", "in", "2026-11-30, 2026/12/1")).toBe(false);
    expect(holds("2026-12-01 08:00:00", "notIn", "2026-12-01")).toBe(false);
    expect(holds(["2026-12-01 08:00:00"], "contains", "2026-12-01")).toBe(true);
  });
});

describe("condition: two date-times compare in time", () => {
  it("whatever their shapes", () => {
    expect(holds("2026-12-01T08:00:00", "eq", "2026-12-01 08:00")).toBe(true);
    expect(holds("2026/12/01 08:00", "eq", "2026-12-1 8:00:00.000")).toBe(true);
    expect(holds("2026-12-01 9:00", "gt", "2026-12-01 10:00")).toBe(false); // as text, "9" > "1"
    expect(holds("2026-12-01 9:00", "lt", "2026-12-01 10:00")).toBe(true);
    expect(holds("2026-12-01T08:00:01", "gt", "2026-12-01 08:00")).toBe(true);
    expect(holds("2026-12-01 08:00:00", "ne", "2026-12-01T08:00:00.001")).toBe(true);
    expect(holds("2026-12-01 08:00:00.5", "eq", "2026-12-01 08:00:00.500")).toBe(true);
    expect(holds("2026-12-01 08:00:00.5", "gt", "2026-12-01 08:00:00.49")).toBe(true);
    expect(holds("2026-11-30 23:59:59", "lte", "2026-12-01 00:00")).toBe(true);
    expect(holds("2026-12-01 08:00:00", "gte", "2026-12-01 08:00")).toBe(true);
  });
});

describe("condition: what is not a date compares as before", () => {
  it("compares an impossible date as text", () => {
    expect(holds("2026-02-30 08:00", "lte", "2026-02-30")).toBe(false); // text: a longer text is greater
    expect(holds("2026-02-30", "eq", "2026-02-30")).toBe(true);
    expect(holds("2026-02-30", "gt", "2026-02-28 12:00")).toBe(true);
    expect(holds("2026-03-01", "eq", "2026-02-29")).toBe(false);
    expect(holds("2026-12-01 24:00", "eq", "2026-12-02")).toBe(false);
    expect(holds("2026-12-01T08:00:00Z", "eq", "2026-12-01")).toBe(false);
  });

  it("keeps numbers numbers: 20261201 is a number, not a date", () => {
    expect(holds("20261201", "gt", "20261130")).toBe(true);
    expect(holds(20261201, "eq", "20261201.0")).toBe(true);
    expect(holds("20261201", "eq", "2026-12-01")).toBe(false);
    expect(holds(20261201, "eq", "2026-12-01")).toBe(false);
    expect(holds("9", "lt", "10")).toBe(true);
  });

  it("keeps a missing value missing: equal to no date, ordered with none", () => {
    for (const t of [undefined, null, "", "  ", []]) {
      for (const op of ["eq", ...ORDERINGS] as const) expect(holds(t, op, "2026-12-01"), `${String(t)} ${op}`).toBe(false);
      expect(holds(t, "ne", "2026-12-01 08:00:00")).toBe(true);
    }
    expect(holds(["2026-12-01"], "gte", "2026-12-01")).toBe(false); // a list is not ordered
  });
});

// ---- properties ----

const DAY = 86_400_000;
const MIN = Date.UTC(1900, 0, 1);
const MAX = Date.UTC(2199, 11, 31, 23, 59, 59, 999);

/** How a date-time is written: separators, padding, the time's separator, seconds and fraction. */
const shape = fc.record({
  sep: fc.constantFrom("-", "/"),
  padDate: fc.boolean(),
  t: fc.constantFrom("T", " "),
  padHour: fc.boolean(),
  seconds: fc.boolean(),
  fraction: fc.constantFrom("ms", "trimmed", "micro"),
});
type Shape = typeof shape extends fc.Arbitrary<infer S> ? S : never;

const two = (n: number, pad: boolean) => (pad ? String(n).padStart(2, "0") : String(n));

function writeDay(ms: number, s: Shape): string {
  const d = new Date(ms);
  return [String(d.getUTCFullYear()), two(d.getUTCMonth() + 1, s.padDate), two(d.getUTCDate(), s.padDate)].join(s.sep);
}

/** The instant (read as UTC wall clock) written in the shape; seconds / fraction only dropped when zero. */
function writeDateTime(ms: number, s: Shape): string {
  const d = new Date(ms);
  let text = `${writeDay(ms, s)}${s.t}${two(d.getUTCHours(), s.padHour)}:${two(d.getUTCMinutes(), true)}`;
  const milli = d.getUTCMilliseconds();
  if (s.seconds || d.getUTCSeconds() !== 0 || milli !== 0) text += `:${two(d.getUTCSeconds(), true)}`;
  if (milli !== 0) {
    const digits = String(milli).padStart(3, "0");
    text += `.${s.fraction === "trimmed" ? digits.replace(/0+$/, "") : s.fraction === "micro" ? `${digits}000` : digits}`;
  }
  return text;
}

const instant = fc.integer({ min: MIN, max: MAX });
/** Two instants, often close together or equal, so that ties and the same day come up. */
const nearPair = fc.tuple(instant, fc.constantFrom(0, 1, 999, 60_000, DAY - 1, DAY, 3 * DAY), fc.integer({ min: -1, max: 1 }), fc.integer({ min: -2 * DAY, max: 2 * DAY }), fc.boolean()).map(
  ([a, step, sign, random, useStep]) => [a, Math.min(MAX, Math.max(MIN, a + (useStep ? sign * step : random)))] as const,
);

const expectedOrder = (a: number, b: number) => Math.sign(a - b);
const opHolds = (op: (typeof COMPARISONS)[number], o: number) =>
  op === "eq" ? o === 0 : op === "ne" ? o !== 0 : op === "gt" ? o > 0 : op === "gte" ? o >= 0 : op === "lt" ? o < 0 : o <= 0;

describe("condition: date properties", () => {
  it("two date-times, in any shapes, compare as their instants", () => {
    fc.assert(
      fc.property(nearPair, shape, shape, fc.constantFrom(...COMPARISONS), ([a, b], sa, sb, op) => {
        expect(holds(writeDateTime(a, sa), op, writeDateTime(b, sb))).toBe(opHolds(op, expectedOrder(a, b)));
      }),
    );
  });

  it("a date-time against a bare date: the date is the whole day [00:00, next day 00:00)", () => {
    fc.assert(
      fc.property(nearPair, shape, shape, fc.constantFrom(...COMPARISONS), ([t, day], st, sd, op) => {
        const start = day - (((day % DAY) + DAY) % DAY);
        const end = start + DAY;
        const want = {
          eq: t >= start && t < end,
          ne: t < start || t >= end,
          gt: t >= end,
          gte: t >= start,
          lt: t < start,
          lte: t < end,
        }[op];
        expect(holds(writeDateTime(t, st), op, writeDay(day, sd))).toBe(want);
      }),
    );
  });

  it("swapping the sides turns the ordering round; exactly one of lt / eq / gt holds", () => {
    const value = fc.oneof(
      fc.tuple(instant, shape).map(([t, s]) => writeDateTime(t, s)),
      fc.tuple(instant, shape).map(([t, s]) => writeDay(t, s)),
      fc.constantFrom("2026-02-30", "2026-12-01 24:00", "20261201", "007", "abc", "2026-12-01T08:00Z", "10", "9.5"),
    );
    const swapped = { gt: "lt", gte: "lte", lt: "gt", lte: "gte", eq: "eq", ne: "ne" } as const;
    fc.assert(
      fc.property(value, value, fc.constantFrom(...COMPARISONS), (a, b, op) => {
        expect(holds(a, op, b)).toBe(holds(b, swapped[op], a));
        expect([holds(a, "lt", b), holds(a, "eq", b), holds(a, "gt", b)].filter(Boolean)).toHaveLength(1);
        expect(holds(a, "ne", b)).toBe(!holds(a, "eq", b));
      }),
    );
  });

  it("an impossible date compares as text, as before", () => {
    const impossible = fc
      .tuple(fc.integer({ min: 1900, max: 2199 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 29, max: 40 }), fc.constantFrom("", " 08:00", "T23:59:59"))
      .filter(([y, m, d]) => new Date(Date.UTC(y, m - 1, d)).getUTCDate() !== d)
      .map(([y, m, d, time]) => `${y}-${two(m, true)}-${two(d, true)}${time}`);
    const other = fc.oneof(
      impossible,
      fc.tuple(instant, shape).map(([t, s]) => writeDateTime(t, s)),
      fc.tuple(instant, shape).map(([t, s]) => writeDay(t, s)),
    );
    fc.assert(
      fc.property(impossible, other, fc.boolean(), fc.constantFrom(...COMPARISONS), (bad, good, badIsField, op) => {
        const [x, y] = badIsField ? [bad, good] : [good, bad];
        expect(holds(x, op, y)).toBe(opHolds(op, x < y ? -1 : x > y ? 1 : 0));
      }),
    );
  });

  it("digit strings such as 20261201 compare as numbers", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 99_999_999n }), fc.bigInt({ min: 1n, max: 99_999_999n }), fc.constantFrom(...COMPARISONS), (a, b, op) => {
        expect(holds(String(a), op, String(b))).toBe(opHolds(op, a < b ? -1 : a > b ? 1 : 0));
      }),
    );
  });
});
