import { describe, expect, test } from "vitest";
import { bufferAhead } from "./read-phase";

async function* counted(n: number, log: string[], failAt?: number): AsyncGenerator<number> {
  try {
    for (let i = 1; i <= n; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (i === failAt) throw new Error(`boom at ${i}`);
      log.push(`made ${i}`);
      yield i;
    }
  } finally {
    log.push("closed");
  }
}

describe("bufferAhead", () => {
  test("yields every item in order, never more than `size` ahead of the consumer", async () => {
    const log: string[] = [];
    const seen: number[] = [];
    for await (const item of bufferAhead(counted(6, log), 2)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const made = log.filter((l) => l.startsWith("made")).length;
      // Taken: `item`; waiting: at most 2; one more may be in the making.
      expect(made).toBeLessThanOrEqual(item + 2);
      seen.push(item);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(log.at(-1)).toBe("closed");
  });

  test("a source error reaches the consumer after the items made before it", async () => {
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const item of bufferAhead(counted(6, [], 4), 2)) seen.push(item);
      })(),
    ).rejects.toThrow("boom at 4");
    expect(seen).toEqual([1, 2, 3]);
  });

  test("a consumer that stops early closes the source", async () => {
    const log: string[] = [];
    for await (const item of bufferAhead(counted(100, log), 2)) if (item === 2) break;
    expect(log.at(-1)).toBe("closed");
    expect(log.filter((l) => l.startsWith("made")).length).toBeLessThanOrEqual(5);
  });
});
