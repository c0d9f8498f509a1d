import { describe, expect, test } from "vitest";
import type { RunTimingsDto } from "@/lib/api/schemas";
import { busyShare, timingsVerdict } from "./run-timings";

const timings = (busy: number, span: number, concurrency: number | null = 2): RunTimingsDto => ({
  totalMs: span + 1_000,
  readMs: 500,
  targetSpanMs: span,
  targetBusyMs: busy,
  targetIdleMs: span - busy,
  concurrency,
  concurrencySteps: null,
  maxConcurrency: 16,
  targetConnectionId: null,
});

describe("timingsVerdict", () => {
  test("busy most of the span: the target was the limit, and raising is possible below the maximum", () => {
    expect(timingsVerdict(timings(9_000, 10_000))).toEqual({ kind: "target-bound", canRaise: true });
    expect(timingsVerdict(timings(8_000, 10_000, 16))).toEqual({ kind: "target-bound", canRaise: false });
    // Unknown concurrency (a line without the target): no suggestion to raise what we cannot see.
    expect(timingsVerdict(timings(9_500, 10_000, null))).toEqual({ kind: "target-bound", canRaise: false });
  });

  test("idle half the span or more: the run, not the target, was the limit", () => {
    expect(timingsVerdict(timings(5_000, 10_000))).toEqual({ kind: "run-bound" });
    expect(timingsVerdict(timings(1_000, 10_000))).toEqual({ kind: "run-bound" });
  });

  test("in between, or too short to say: no advice", () => {
    expect(timingsVerdict(timings(7_000, 10_000))).toEqual({ kind: "none" });
    expect(timingsVerdict(timings(1_900, 1_900))).toEqual({ kind: "none" });
  });

  test("busyShare", () => {
    expect(busyShare(timings(2_500, 10_000))).toBe(0.25);
  });
});
