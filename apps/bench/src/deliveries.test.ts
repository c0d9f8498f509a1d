import { describe, expect, it } from "vitest";
import { createGuanyiSimulator } from "@qiao/simulators";
import { DELIVERIES_DATASET } from "./args";
import { expectedDeliveries } from "./deliveries";
import { entryRows } from "./floor-documents";

describe("expectedDeliveries", () => {
  it("counts what the simulator's query serves: 作废 and unshipped hidden, qty-0-only deliveries rowless, one row per kept line", () => {
    const expected = expectedDeliveries(600);
    expect(expected.deliveries).toBe(600);
    expect(expected.cancelled).toBeGreaterThan(0);
    expect(expected.rowless).toBeGreaterThan(0);
    expect(expected.unshipped).toBeGreaterThan(0);
    expect(expected.cancelled + expected.unshipped + expected.rowless + expected.bills).toBe(600);
    expect(expected.codes.size).toBe(expected.bills);

    // The same dataset as the benchmark's child process, read the way the scheme reads it.
    const { deliveries } = createGuanyiSimulator({ shops: DELIVERIES_DATASET.shops, items: DELIVERIES_DATASET.items, deliveries: 600 }).state;
    const served = deliveries.query({ shipped: true }, 0, 1000).deliverys;
    expect(served).toHaveLength(expected.bills + expected.rowless);
    const withRows = served.filter((d) => d.details.some((l) => l.qty > 0));
    expect(new Set(withRows.map((d) => d.code))).toEqual(expected.codes);
    expect(withRows.reduce((sum, d) => sum + d.details.filter((l) => l.qty > 0).length, 0)).toBe(expected.rows);
  });
});

describe("entryRows", () => {
  it("is the length of the entry list, 0 without one", () => {
    expect(entryRows({ FEntity: [{}, {}, {}] }, "FEntity")).toBe(3);
    expect(entryRows({ FBillNo: "x" }, "FEntity")).toBe(0);
    expect(entryRows({ FEntity: "not rows" }, "FEntity")).toBe(0);
  });
});
