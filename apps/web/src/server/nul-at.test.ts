// Where a request's values hold a NUL character or a lone UTF-16 surrogate (readJson / readQuery
// refuse either with a 400 naming where): any JSON up to the body limit, however deep, without
// overflowing the call stack.
import { describe, expect, it } from "vitest";
import { unstorableAt } from "./api";

const nulAt = (value: unknown) => unstorableAt(value)?.path;

describe("unstorableAt", () => {
  it("names the path of a NUL in a value or a key, and nothing when there is none", () => {
    expect(nulAt({ name: "管易云", credentials: { appkey: "1\u0000" } })).toEqual(["credentials", "appkey"]);
    expect(nulAt({ list: ["a", { ["k\u0000"]: 1 }] })).toEqual(["list", 1, "k\u0000"]);
    expect(nulAt("x\u0000")).toEqual([]);
    expect(nulAt({ a: [1, true, null, "ok"], b: { c: "fine" } })).toBeUndefined();
  });

  it("walks JSON nested 400,000 deep (what JSON.parse reads from a body under 1 MB) without a stack overflow", () => {
    const depth = 400_000;
    const deep = JSON.parse(`${"[".repeat(depth)}"x\\u0000"${"]".repeat(depth)}`) as unknown;
    const at = nulAt(deep);
    expect(at?.length).toBe(depth);
    expect(at?.every((k) => k === 0)).toBe(true);
    expect(nulAt(JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`))).toBeUndefined();
  });

  it("names a lone surrogate (high or low, anywhere in a value or a key), and passes a pair", () => {
    expect(unstorableAt({ entries: [{ source: "WH\ud800", target: "001" }] })).toEqual({ path: ["entries", 0, "source"], what: "surrogate" });
    expect(unstorableAt({ a: { ["k\udc00"]: 1 } })).toEqual({ path: ["a", "k\udc00"], what: "surrogate" });
    expect(unstorableAt(["\udbffx"])).toEqual({ path: [0], what: "surrogate" });
    expect(unstorableAt({ name: "客户😀", list: ["\ud83d\ude00"] })).toBeUndefined();
    expect(unstorableAt({ a: "\u0000" })).toEqual({ path: ["a"], what: "nul" });
  });
});
