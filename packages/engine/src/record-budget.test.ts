import { describe, expect, test } from "vitest";
import { bufferAhead } from "./read-phase";
import { RecordBudget, withinBudget } from "./record-budget";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("RecordBudget", () => {
  test("a page waits for room, and room given back goes first come, first served", async () => {
    const budget = new RecordBudget(250);
    const order: string[] = [];
    await budget.acquire(100);
    await budget.acquire(100);
    const a = budget.acquire(100).then(() => order.push("a"));
    const b = budget.acquire(50).then(() => order.push("b"));
    await tick();
    // 50 would fit, but the larger page asked first: not overtaken.
    expect(order).toEqual([]);
    expect(budget.waiting).toBe(2);
    budget.release(100);
    await Promise.all([a, b]);
    expect(order).toEqual(["a", "b"]);
    expect(budget.inUse).toBe(250);
  });

  test("records already in memory are counted without waiting; a page larger than the budget goes once it is empty", async () => {
    const budget = new RecordBudget(100);
    budget.take(80);
    budget.take(80);
    expect(budget.inUse).toBe(160);
    expect(budget.peak).toBe(160);
    let big = false;
    const waited = budget.acquire(500).then(() => (big = true));
    budget.release(80);
    await tick();
    expect(big).toBe(false);
    budget.release(80);
    await waited;
    expect(budget.inUse).toBe(500);
  });

  test("an account gives back whatever it still holds when it is closed, and never more than it took", async () => {
    const budget = new RecordBudget(1000);
    budget.take(5);
    const account = budget.account();
    await account.acquire(100);
    account.take(30);
    account.release(1000);
    expect(account.holding).toBe(0);
    expect(budget.inUse).toBe(5);
    await account.acquire(200);
    account.close();
    expect(budget.inUse).toBe(5);
  });

  test("a wait given up leaves nothing counted, and the waiters behind it go on if they fit now", async () => {
    const budget = new RecordBudget(100);
    budget.take(60);
    const giveUp = new AbortController();
    const order: string[] = [];
    const big = budget.acquire(100, giveUp.signal).then(
      () => order.push("big"),
      (error: unknown) => order.push(`big gave up: ${(error as Error).name}`),
    );
    // Fits (60 + 40), but queued behind the larger page.
    const small = budget.acquire(40).then(() => order.push("small"));
    await tick();
    expect(order).toEqual([]);
    giveUp.abort();
    await Promise.all([big, small]);
    expect(order).toEqual(["big gave up: AbortError", "small"]);
    expect(budget.inUse).toBe(100);
    expect(budget.waiting).toBe(0);
    // Aborted already: refused at once, nothing counted; an account counts nothing either.
    await expect(budget.acquire(1, giveUp.signal)).rejects.toThrow();
    const account = budget.account();
    await expect(account.acquire(1, giveUp.signal)).rejects.toThrow();
    expect(account.holding).toBe(0);
    expect(budget.inUse).toBe(100);
  });

  test("refuses a budget of no records", () => {
    expect(() => new RecordBudget(0)).toThrow(/at least 1/);
  });
});

describe("withinBudget", () => {
  async function* pages(n: number, made: number[], failAt?: number): AsyncGenerator<number> {
    for (let i = 1; i <= n; i++) {
      if (i === failAt) throw new Error(`page ${i} failed`);
      made.push(i);
      yield i;
    }
  }

  test("fetches an item only once it fits, and the next once the consumer gives the room back", async () => {
    const budget = new RecordBudget(100);
    const account = budget.account();
    const made: number[] = [];
    const it = withinBudget(account, pages(3, made), 100)[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(1);
    const second = it.next();
    await tick();
    // The first page still counts: the second is not fetched.
    expect(made).toEqual([1]);
    account.release(100);
    expect((await second).value).toBe(2);
    account.release(100);
    expect((await it.next()).value).toBe(3);
    account.release(100);
    expect((await it.next()).done).toBe(true);
    expect(budget.inUse).toBe(0);
  });

  test("a source that fails gives its room back", async () => {
    const budget = new RecordBudget(100);
    const account = budget.account();
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const page of withinBudget(account, pages(5, [], 3), 100)) {
          seen.push(page);
          account.release(100);
        }
      })(),
    ).rejects.toThrow("page 3 failed");
    expect(seen).toEqual([1, 2]);
    expect(budget.inUse).toBe(0);
  });

  test("a read stopped while its next page waits for room neither waits on nor fetches that page", async () => {
    // The whole budget is one page: the page the consumer holds. The read ahead waits for room.
    const budget = new RecordBudget(100);
    const account = budget.account();
    const made: number[] = [];
    const stop = new AbortController();
    const seen: number[] = [];
    for await (const page of bufferAhead(withinBudget(account, pages(5, made), 100, stop.signal), 1, stop)) {
      seen.push(page);
      await tick();
      // Stopped holding the page: without giving the wait up, the stop would wait for room forever.
      break;
    }
    expect(seen).toEqual([1]);
    expect(made).toEqual([1]);
    expect(stop.signal.aborted).toBe(true);
    expect(budget.waiting).toBe(0);
    account.close();
    expect(budget.inUse).toBe(0);
  });

  test("stops before fetching once stopped, even with room for the next page", async () => {
    const budget = new RecordBudget(1000);
    const account = budget.account();
    const made: number[] = [];
    const stop = new AbortController();
    const it = withinBudget(account, pages(5, made), 100, stop.signal)[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(1);
    stop.abort();
    expect((await it.next()).done).toBe(true);
    expect(made).toEqual([1]);
    account.close();
    expect(budget.inUse).toBe(0);
  });
});
