import { describe, expect, it } from "vitest";
import { anySignal, distinctSignals } from "./signals";

describe("signals", () => {
  it("keeps each signal once, in order, without the missing ones", () => {
    const a = new AbortController().signal;
    const b = new AbortController().signal;
    expect(distinctSignals(a, undefined, a)).toEqual([a]);
    expect(distinctSignals(b, a, b, a)).toEqual([b, a]);
    expect(distinctSignals(undefined, undefined)).toEqual([]);
  });

  it("combines only when there are several: one signal is used as it is", () => {
    const a = new AbortController();
    const b = new AbortController();
    expect(anySignal([])).toBeUndefined();
    expect(anySignal([a.signal])).toBe(a.signal);
    const both = anySignal([a.signal, b.signal])!;
    expect(both).not.toBe(a.signal);
    b.abort("stop");
    expect(both.aborted).toBe(true);
    expect(both.reason).toBe("stop");
  });
});
