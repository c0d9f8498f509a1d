// Two attempts at one reconciliation (a stalled job handed to a second worker): the older one,
// failing or handed back after the newer took over, must not drop the newer one's keys.
import { createReconciliation } from "@qiao/db";
import type { SourceClient, TargetClient } from "@qiao/connectors";
import { afterEach, describe, expect, test } from "vitest";
import { executeReconciliation } from "./reconcile";
import { runToEnd, simulate, testContext, wrapClients, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("reconattempts");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("reconciliation attempts", () => {
  test("a stalled first attempt that fails after a second attempt took over does not delete the second attempt's keys", async () => {
    sim = await simulate(t.db, { shops: 30 });
    const scheme = await sim.createScheme();
    const run = await sim.requestRun(scheme.id, "manual");
    expect((await runToEnd(testContext(t.db, { leaseMs: 30_000 }), run.id)).kind).toBe("finished");
    expect(sim.kingdee.stats().customers).toBe(30);

    const row = await createReconciliation(t.db, { schemeId: scheme.id, trigger: "manual", keyLimit: 1000 });

    // Attempt 1 (a worker whose job stalled): its source call hangs, then fails (a timeout, say).
    const releaseFirst = deferred();
    const firstCtx = testContext(t.db, {
      leaseMs: 30_000,
      getConnector: wrapClients({
        guanyi: (): SourceClient => ({
          // eslint-disable-next-line require-yield
          async *readPages() {
            await releaseFirst.promise;
            throw new Error("管易云 timed out");
          },
        }),
      }),
    });
    const first = executeReconciliation(firstCtx, row.id);
    // Let attempt 1 claim the reconciliation before BullMQ hands the stalled job to worker 2.
    for (let i = 0; i < 100; i++) {
      if ((await t.db.reconciliation.findUniqueOrThrow({ where: { id: row.id } })).attempt === 1) break;
      await new Promise((r) => setTimeout(r, 20));
    }

    // Attempt 2 (worker 2) reads the whole source; before it reads 金蝶's keys, attempt 1's call fails.
    const secondCtx = testContext(t.db, {
      leaseMs: 30_000,
      getConnector: wrapClients({
        kingdee: (real: TargetClient): TargetClient => ({
          ...real,
          async *listKeys(req) {
            releaseFirst.resolve();
            await first;
            yield* real.listKeys!(req);
          },
        }),
      }),
    });
    const second = await executeReconciliation(secondCtx, row.id);
    expect(second.kind).toBe("finished");

    const report = await t.db.reconciliation.findUniqueOrThrow({ where: { id: row.id } });
    // Nothing changed in 金蝶 or at the source: all 30 match. With the bug, attempt 1's failure
    // deleted attempt 2's source keys, and the report lists 30 customers "extra in 金蝶".
    expect(report).toMatchObject({ status: "succeeded", sourceCount: 30, targetCount: 30, matched: 30, missing: 0, extra: 0 });
  }, 60_000);

  test("a worker stopping mid-call hands the reconciliation back (queued, keys dropped), it does not fail it", async () => {
    sim = await simulate(t.db, { shops: 30 });
    const scheme = await sim.createScheme();
    const row = await createReconciliation(t.db, { schemeId: scheme.id, trigger: "manual", keyLimit: 1000 });
    let stopping = false;
    const ctx = testContext(t.db, {
      shouldStop: () => stopping,
      getConnector: wrapClients({
        kingdee: (real: TargetClient): TargetClient => ({
          ...real,
          // eslint-disable-next-line require-yield
          async *listKeys() {
            // The stop aborts the call in flight (the worker's signal).
            stopping = true;
            throw Object.assign(new Error("This operation was aborted"), { name: "AbortError" });
          },
        }),
      }),
    });
    expect((await executeReconciliation(ctx, row.id)).kind).toBe("handed-back");
    expect(await t.db.reconciliation.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "queued", error: null });
    expect(await t.db.reconciliationKey.count({ where: { reconciliationId: row.id } })).toBe(0);
  }, 60_000);
});

