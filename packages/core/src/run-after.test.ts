import { describe, expect, it } from "vitest";
import { runAfterCycle } from "./run-after";

describe("runAfterCycle", () => {
  const graph = new Map([
    ["B", ["C"]],
    ["C", []],
    ["D", ["A"]],
  ]);
  it("allows a chain and a diamond", () => {
    expect(runAfterCycle(graph, "A", ["B", "C"])).toBeNull();
    expect(runAfterCycle(graph, "E", ["A", "D"])).toBeNull();
  });
  it("names the cycle a save would close, itself included", () => {
    expect(runAfterCycle(graph, "A", ["D"])).toEqual(["A", "D", "A"]);
    expect(runAfterCycle(new Map([["B", ["C"]], ["C", ["A"]]]), "A", ["B"])).toEqual(["A", "B", "C", "A"]);
    expect(runAfterCycle(graph, "A", ["A"])).toEqual(["A", "A"]);
  });
});
