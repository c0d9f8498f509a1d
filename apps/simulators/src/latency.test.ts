// The latency profiles as numbers: base times per call, jitter bounds, seeding, and the flat
// latencyMs on top. Over HTTP (the delay really applied, concurrently): kingdee/latency.test.ts.
import { describe, expect, it } from "vitest";
import { guanyiBaseMs, kingdeeBaseMs, LATENCY_JITTER, LatencyDice } from "./latency";
import { InFlight } from "./kingdee/in-flight";

describe("latency profiles", () => {
  it("real: 金蝶 BatchSave 300 ms + 7 ms a record, login 500 ms, query 150 ms, others 200 ms; 管易云 100 ms a call", () => {
    expect(kingdeeBaseMs("real", "BatchSave", 100)).toBe(1000);
    expect(kingdeeBaseMs("real", "BatchSave", 0)).toBe(300);
    expect(kingdeeBaseMs("real", "Save", 1)).toBe(307);
    expect(kingdeeBaseMs("real", "ValidateUser", 0)).toBe(500);
    expect(kingdeeBaseMs("real", "LoginByAppSecret", 0)).toBe(500);
    expect(kingdeeBaseMs("real", "ExecuteBillQuery", 0)).toBe(150);
    for (const m of ["View", "Submit", "Audit", "Logout"]) expect(kingdeeBaseMs("real", m, 0)).toBe(200);
    expect(guanyiBaseMs("real")).toBe(100);
  });

  it("none: nothing", () => {
    expect(kingdeeBaseMs("none", "BatchSave", 100)).toBe(0);
    expect(guanyiBaseMs("none")).toBe(0);
  });

  it("jitter is uniform within ±20 %, centred on the base time, and repeats for a seed", () => {
    const dice = new LatencyDice(20261128);
    const draws = Array.from({ length: 2000 }, () => dice.delayMs(0, 1000));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(1000 * (1 - LATENCY_JITTER));
    expect(Math.max(...draws)).toBeLessThanOrEqual(1000 * (1 + LATENCY_JITTER));
    // Spread over the whole band, not a constant: both ends are reached within 2 %.
    expect(Math.min(...draws)).toBeLessThan(820);
    expect(Math.max(...draws)).toBeGreaterThan(1180);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(990);
    expect(mean).toBeLessThan(1010);
    dice.reset();
    expect(Array.from({ length: 5 }, () => dice.delayMs(0, 1000))).toEqual(draws.slice(0, 5));
    expect(new LatencyDice(1).delayMs(0, 1000)).not.toBe(draws[0]);
  });

  it("the flat latencyMs adds on top of the profile; with no profile it is the whole delay", () => {
    const a = new LatencyDice(7);
    const b = new LatencyDice(7);
    expect(a.delayMs(250, 1000) - b.delayMs(0, 1000)).toBe(250);
    expect(a.delayMs(40, 0)).toBe(40);
    expect(a.delayMs(0, 0)).toBe(0);
  });
});

describe("in-flight counter", () => {
  it("counts per data center, keeps the maximum, and a reset starts from what is in flight", () => {
    const f = new InFlight();
    const a1 = f.enter("a");
    const a2 = f.enter("a");
    const b1 = f.enter("b");
    a1();
    a1(); // a second call of the same leave does not count twice
    const a3 = f.enter("a");
    expect(f.snapshot()).toEqual({ a: { current: 2, max: 2 }, b: { current: 1, max: 1 } });
    const a4 = f.enter("a");
    expect(f.snapshot().a).toEqual({ current: 3, max: 3 });
    b1();
    f.resetMax();
    expect(f.snapshot()).toEqual({ a: { current: 3, max: 3 } });
    a2();
    a3();
    a4();
    f.resetMax();
    expect(f.snapshot()).toEqual({});
  });
});
