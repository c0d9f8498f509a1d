// When one pass of a read is trusted (./read-pass.ts): each sign that the source moved, alone.
import { describe, expect, test } from "vitest";
import { ReadMemory, ReadPass } from "./read-pass";

const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => `s${from + i}`);

describe("ReadPass", () => {
  test("pages that add up to a steady total, each record once: whole", () => {
    const pass = new ReadPass();
    pass.page(25, 10, ids(0, 10));
    pass.page(25, 10, ids(10, 10));
    pass.page(25, 5, ids(20, 5));
    expect(pass.verdict()).toEqual({ kind: "whole" });
  });

  test("a window read in parts (SourcePage.part): each part against its own total, not the window's", () => {
    const steady = new ReadPass();
    steady.page(150, 100, ids(0, 100), 0);
    steady.page(150, 50, ids(100, 50), 0);
    steady.page(30, 30, ids(150, 30), 1);
    // The second neighbouring parts share: s179 comes in both, read once more, not a sign of movement.
    expect(steady.page(12, 12, ids(179, 12), 2)).toEqual(["s179"]);
    expect(steady.verdict()).toEqual({ kind: "whole" });
    // A record left the settled part between its pages: that part's total changed.
    const moved = new ReadPass();
    moved.page(150, 100, ids(0, 100), 0);
    moved.page(149, 49, ids(100, 49), 0);
    moved.page(30, 30, ids(150, 30), 1);
    expect(moved.verdict()).toEqual({ kind: "moved", from: 150, to: 149 });
    // A part whose pages held fewer records than its total.
    const short = new ReadPass();
    short.page(30, 30, ids(0, 30), 0);
    short.page(40, 25, ids(30, 25), 1);
    expect(short.verdict()).toEqual({ kind: "short", read: 25, total: 40 });
  });

  test("a record that comes again within one part of a read in parts: repeated; in the next part, or in a later pass: not", () => {
    // Two tied rows swapped between the part's page requests: s99 again, s100 never returned.
    const tied = new ReadPass();
    tied.page(150, 100, ids(0, 100), 0);
    expect(tied.page(150, 50, ["s99", ...ids(101, 49)], 0)).toEqual(["s99"]);
    tied.page(30, 30, ids(150, 30), 1);
    expect(tied.verdict()).toEqual({ kind: "repeated", sourceId: "s99" });
    // The same id in parts 0 and 1 (their shared second), then in part 2 of the next pass: whole.
    const memory = new ReadMemory();
    const first = new ReadPass(memory, 1);
    first.page(10, 10, ids(0, 10), 0);
    first.page(10, 10, ids(9, 10), 1);
    expect(first.verdict()).toEqual({ kind: "whole" });
    const second = new ReadPass(memory, 2);
    expect(second.page(10, 10, ids(9, 10), 0)).toEqual(ids(9, 10));
    expect(second.verdict()).toEqual({ kind: "whole" });
    // Part indices past what the memory tells apart share its last slot (a repeat at worst, never a miss).
    const far = new ReadPass();
    far.page(5, 5, ids(0, 5), 2 ** 21);
    far.page(5, 5, ids(0, 5), 2 ** 21 + 1);
    expect(far.verdict()).toEqual({ kind: "repeated", sourceId: "s0" });
  });

  test("no page at all (an empty window): whole", () => {
    expect(new ReadPass().verdict()).toEqual({ kind: "whole" });
  });

  test("a total that changes between pages, even back again: moved, with the first other total", () => {
    const pass = new ReadPass();
    pass.page(25, 10, ids(0, 10));
    pass.page(24, 10, ids(10, 10));
    pass.page(25, 5, ids(20, 5));
    expect(pass.verdict()).toEqual({ kind: "moved", from: 25, to: 24 });
  });

  test("pages that hold fewer records than their total (an empty page ended the read early): short", () => {
    const pass = new ReadPass();
    pass.page(30, 10, ids(0, 10));
    pass.page(30, 0, []);
    expect(pass.verdict()).toEqual({ kind: "short", read: 10, total: 30 });
  });

  test("a record that comes again on a later page: repeated, naming it", () => {
    const pass = new ReadPass();
    pass.page(20, 10, ids(0, 10));
    pass.page(20, 10, [...ids(11, 9), "s3"]);
    expect(pass.verdict()).toEqual({ kind: "repeated", sourceId: "s3" });
  });

  test("records without an id count as read (the total counts them), though they have no id to repeat", () => {
    const pass = new ReadPass();
    pass.page(10, 10, ids(0, 8));
    expect(pass.verdict()).toEqual({ kind: "whole" });
  });

  test("past its limit a pass stops looking for repeats (memory stays flat), and says whole", () => {
    const pass = new ReadPass(new ReadMemory(15));
    pass.page(30, 10, ids(0, 10));
    pass.page(30, 10, ids(10, 10));
    pass.page(30, 10, [...ids(20, 9), "s1"]);
    expect(pass.verdict()).toEqual({ kind: "whole" });
  });

  test("a later pass of the same attempt: records the earlier pass read are read again, not repeated", () => {
    const memory = new ReadMemory();
    const first = new ReadPass(memory, 1);
    expect(first.page(20, 10, ids(0, 10))).toEqual([]);
    expect(first.page(20, 9, ids(11, 9))).toEqual([]);
    const second = new ReadPass(memory, 2);
    expect(second.page(20, 10, ids(0, 10))).toEqual(ids(0, 10));
    // s10 is new to the attempt; the others were read by the first pass.
    expect(second.page(20, 10, ids(10, 10))).toEqual(ids(11, 9));
    expect(second.verdict()).toEqual({ kind: "whole" });
    expect(memory.whole).toBe(true);
  });

  test("a record read twice in one pass is read again the second time", () => {
    const memory = new ReadMemory();
    const pass = new ReadPass(memory, 1);
    pass.page(20, 10, ids(0, 10));
    expect(pass.page(20, 10, [...ids(11, 9), "s3"])).toEqual(["s3"]);
  });

  test("past its limit the memory forgets: nothing is read again, and it says it is not whole", () => {
    const memory = new ReadMemory(15);
    new ReadPass(memory, 1).page(30, 20, ids(0, 20));
    expect(memory.whole).toBe(false);
    expect(new ReadPass(memory, 2).page(30, 10, ids(0, 10))).toEqual([]);
  });
});
