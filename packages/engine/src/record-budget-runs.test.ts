// The process's record budget with real runs (Postgres, the simulators): runs sharing a budget of
// one page fetch a page only when nothing else is held, finish without waiting on each other for
// ever, and write every record once.
import { createReconciliation } from "@qiao/db";
import { afterEach, describe, expect, test } from "vitest";
import { RecordBudget } from "./record-budget";
import { executeReconciliation } from "./reconcile";
import { runToEnd, simulate, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("engine_budget");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const target = targetConfig;

/** A budget that notes how many records were held when each of its pages was let through. */
class WatchedBudget extends RecordBudget {
  readonly heldAtGrant: number[] = [];
  override async acquire(n: number, signal?: AbortSignal): Promise<void> {
    await super.acquire(n, signal);
    this.heldAtGrant.push(this.inUse - n);
  }
}

describe("the record budget", () => {
  test("three runs sharing a budget of one page: a page is fetched only when nothing else is held, every shop is written once, nothing stays counted", async () => {
    sim = await simulate(t.db, { shops: 450 });
    // Batches of 40 from pages of 100: each page leaves a batch half filled, carried into the next
    // page. Were that batch counted while it fills, its run would wait for room only it could free.
    const schemes = await Promise.all(
      ["A", "B", "C"].map((prefix) =>
        sim!.createScheme((d) => {
          target(d).batchSize = 40;
          target(d).mapping.FNumber = `${prefix}-{{code}}`;
        }),
      ),
    );
    const budget = new WatchedBudget(100);
    const ctx = testContext(t.db, { records: budget });
    const runs = await Promise.all(schemes.map((s) => sim!.requestRun(s.id, "manual")));
    const outcomes = await Promise.all(runs.map((r) => runToEnd(ctx, r.id)));

    expect(outcomes.map((o) => o.kind)).toEqual(["finished", "finished", "finished"]);
    for (const r of runs) {
      expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "succeeded", written: 450, failed: 0 });
    }
    expect(sim.kingdee.stats()).toMatchObject({ customers: 1350, duplicateAttempts: 0 });
    // 5 pages per run, and the asks that found the read complete (and each sweep's batch) besides.
    expect(budget.heldAtGrant.length).toBeGreaterThanOrEqual(15);
    // One page's room: each was let through only when no other page or batch was held.
    expect(budget.heldAtGrant.every((held) => held === 0)).toBe(true);
    expect(budget.inUse).toBe(0);
    expect(budget.waiting).toBe(0);
  });

  test("a run stopped between pages leaves nothing counted, and the next attempt writes the rest once", async () => {
    sim = await simulate(t.db, { shops: 600 });
    const scheme = await sim.createScheme();
    const budget = new RecordBudget(300);
    let pagesStaged = 0;
    let heldAtStop = 0;
    const stopping = { now: false };
    const ctx = testContext(t.db, {
      records: budget,
      shouldStop: () => {
        pagesStaged++;
        // Stops after a few pages, with a page read ahead and batches in hand.
        if (pagesStaged >= 3 && !stopping.now) {
          stopping.now = true;
          heldAtStop = budget.inUse;
        }
        return stopping.now;
      },
    });
    const r = await sim.requestRun(scheme.id, "manual");
    const first = await runToEnd(ctx, r.id);
    expect(first.kind).toBe("handed-back");
    // The stop found pages and batches in hand; none of them stays counted.
    expect(heldAtStop).toBeGreaterThan(0);
    expect(budget.inUse).toBe(0);

    stopping.now = false;
    pagesStaged = Number.NEGATIVE_INFINITY;
    const second = await runToEnd(ctx, r.id);
    expect(second.kind).toBe("finished");
    expect(budget.inUse).toBe(0);
    expect(sim.kingdee.stats()).toMatchObject({ customers: 600, duplicateAttempts: 0 });
  });
  test("a reconciliation reads its pages within the budget: it waits for room before each page, and leaves nothing counted", async () => {
    sim = await simulate(t.db, { shops: 450 });
    const scheme = await sim.createScheme();
    expect((await runToEnd(testContext(t.db), (await sim.requestRun(scheme.id, "manual")).id)).kind).toBe("finished");
    const budget = new WatchedBudget(100);
    // Another run holds the whole budget: the reconciliation must not fetch its first page.
    budget.take(100);
    const requestsBefore = sim.guanyi.state.stats.requests;
    const row = await createReconciliation(t.db, { schemeId: scheme.id, trigger: "manual", keyLimit: 1000 });
    const reconciling = executeReconciliation(testContext(t.db, { records: budget, leaseMs: 30_000 }), row.id);
    await expect.poll(() => budget.waiting).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.guanyi.state.stats.requests).toBe(requestsBefore);

    budget.release(100);
    const outcome = await reconciling;
    expect(outcome.kind).toBe("finished");
    expect(await t.db.reconciliation.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "succeeded", sourceCount: 450, targetCount: 450, missing: 0 });
    // Five pages of shops and one of keys, each let through only when nothing else was held.
    expect(budget.heldAtGrant.length).toBeGreaterThanOrEqual(6);
    expect(budget.heldAtGrant.every((held) => held === 0)).toBe(true);
    expect(budget.inUse).toBe(0);
  });
});
