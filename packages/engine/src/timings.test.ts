import { describe, expect, test } from "vitest";
import { PhaseClock } from "./timings";

/** A clock the test moves by hand, and a call that lasts from `start()` until `end()`. */
function manualClock() {
  let t = 0;
  const clock = new PhaseClock(() => t);
  const call = (phase: "write" | "protocol" = "write") => {
    let end!: () => void;
    const done = clock.time(phase, () => new Promise<void>((resolve) => (end = resolve)));
    return async () => {
      end();
      await done;
    };
  };
  return { clock, call, at: (ms: number) => void (t = ms) };
}

describe("PhaseClock", () => {
  test("targetIdle: the time with no target call in flight between the first call and the last", async () => {
    const { clock, call, at } = manualClock();
    // Before the first call: not idle time (the run was reading, not waiting between calls).
    at(100);
    const first = call();
    at(110);
    await first();
    // 110 → 125: idle. Then two calls overlap (125 → 140 and 130 → 150): not idle while either is out.
    at(125);
    const second = call();
    at(130);
    const third = call();
    // Statements of the write protocol are not target calls.
    const mark = call("protocol");
    at(140);
    await second();
    at(150);
    await third();
    // 150 → 160: idle; 160 → 170 marked, not a call.
    at(160);
    await mark();
    const fourth = call();
    at(170);
    await fourth();
    // After the last call: not idle time.
    at(500);
    expect(clock.totals()).toMatchObject({ write: 10 + 15 + 20 + 10, protocol: 30, targetIdle: 15 + 10 });
    // From the first call's start (100) to the last call's end (170), not to now (500).
    expect(clock.totals().targetSpan).toBe(70);
  });

  test("a run without target calls has no idle time", async () => {
    const { clock, call, at } = manualClock();
    const read = clock.time("read", async () => at(50));
    await read;
    const mark = call("protocol");
    at(80);
    await mark();
    expect(clock.totals()).toMatchObject({ read: 50, protocol: 30, write: 0, targetIdle: 0, targetSpan: 0 });
  });

  test("a call that fails still ends its time in flight", async () => {
    const { clock, at } = manualClock();
    await expect(clock.time("write", async () => { at(20); throw new Error("refused"); })).rejects.toThrow("refused");
    at(50);
    await clock.time("write", async () => at(60));
    expect(clock.totals()).toMatchObject({ write: 30, targetIdle: 30, targetSpan: 60 });
  });

  test("targetSpan runs to now while a call is under way", async () => {
    const { clock, call, at } = manualClock();
    at(40);
    const first = call();
    at(90);
    expect(clock.totals().targetSpan).toBe(50);
    await first();
    at(200);
    expect(clock.totals().targetSpan).toBe(50);
  });
});
