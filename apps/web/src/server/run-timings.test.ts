import { describe, expect, test } from "vitest";
import { parseRunTimings } from "./run-timings";

const connectionId = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

describe("parseRunTimings", () => {
  test("the logged totals become the span's busy and idle parts, with the target's concurrent calls", () => {
    const logged = { timings: { total: 8_060, read: 590, map: 400, write: 5_170, targetIdle: 2_350, targetSpan: 7_400 }, target: { connectionId, concurrency: 2 } };
    expect(parseRunTimings(logged)).toEqual({
      totalMs: 8_060,
      readMs: 590,
      targetSpanMs: 7_400,
      targetBusyMs: 5_050,
      targetIdleMs: 2_350,
      concurrency: 2,
      concurrencySteps: null,
      maxConcurrency: 16,
      targetConnectionId: connectionId,
    });
  });

  test("nothing to show: no target call, a line from before targetSpan, or no line shape at all", () => {
    expect(parseRunTimings({ timings: { total: 300, read: 250, targetIdle: 0, targetSpan: 0 }, target: { connectionId, concurrency: 2 } })).toBeNull();
    expect(parseRunTimings({ timings: { total: 8_000, read: 500, targetIdle: 2_000 }, target: null })).toBeNull();
    expect(parseRunTimings({ timings: null, target: null })).toBeNull();
  });

  test("a setting changed during the attempt: the values its batches went with; a malformed list is left out", () => {
    const timings = { total: 9_000, read: 300, targetIdle: 1_000, targetSpan: 8_000 };
    expect(parseRunTimings({ timings, target: { connectionId, concurrency: 3, steps: [4, 1, 3] } })).toMatchObject({ concurrency: 3, concurrencySteps: [4, 1, 3] });
    for (const steps of [[3], [4, 0], "4,3", Array.from({ length: 11 }, (_, i) => i + 1)]) {
      expect(parseRunTimings({ timings, target: { connectionId, concurrency: 3, steps } })).toMatchObject({ concurrency: 3, concurrencySteps: null });
    }
  });

  test("a line without its target still shows the time, without a concurrency to advise on", () => {
    const parsed = parseRunTimings({ timings: { total: 5_000, read: 100, targetIdle: 500, targetSpan: 4_000 }, target: undefined });
    expect(parsed).toMatchObject({ targetBusyMs: 3_500, concurrency: null, targetConnectionId: null });
  });
});
