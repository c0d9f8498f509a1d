// A batch's mapping failures (and numbers refused) are counted as they are recorded, before the
// call (recordMappingFailures), not with the batch's answer: a batch whose answer its attempt never
// records (refused unsent, taken over, put back at a stop) left them uncounted (session 24's audit).
import { ConnectorError, type WriteRequest } from "@qiao/connectors";
import { afterEach, describe, expect, test } from "vitest";
import { executeRun } from "./execute-run";
import { runToEnd, simulate, targetConfig, testContext, wrapKingdeeTarget, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("batchcounted");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** The run's counters, and its RunRecords by status. */
async function counted(runId: string) {
  const run = await t.db.run.findUniqueOrThrow({ where: { id: runId } });
  const outcomes = await t.db.runOutcome.groupBy({ by: ["status"], where: { runId }, _count: true });
  const byStatus = Object.fromEntries(outcomes.map((o) => [o.status, o._count]));
  return {
    status: run.status,
    counters: { written: run.written, failed: run.failed, unknown: run.unknown, saved: run.saved },
    records: { written: byStatus.written ?? 0, failed: byStatus.failed ?? 0, unknown: byStatus.unknown ?? 0, saved: byStatus.saved ?? 0 },
  };
}

/** 10 shops, one of them with a blank name: its mapping fails (FName is required), in the one batch. */
async function oneMappingFailure(batchSize = 100) {
  sim = await simulate(t.db, { shops: 10, concurrency: 1 });
  const shop = sim.guanyi.state.shops.query({}, 0, 1).shops[0]!;
  sim.guanyi.modifyShops([{ code: shop.code, set: { name: "   " } }]);
  return sim.createScheme((d) => {
    targetConfig(d).batchSize = batchSize;
  });
}

describe("a batch's mapping failures, its answer never recorded by its attempt", () => {
  test("the call is refused (certainly not sent): the run fails, its failed counter counting the failed record", async () => {
    const scheme = await oneMappingFailure();
    const r = await sim!.requestRun(scheme.id, "manual");
    const refusing = testContext(t.db, {
      getConnector: wrapKingdeeTarget((real) => ({
        ...real,
        async write() {
          throw new ConnectorError("network", "kingdee", "connection refused");
        },
      })),
    });
    expect((await runToEnd(refusing, r.id)).kind).toBe("finished");
    const c = await counted(r.id);
    expect(c.records).toEqual({ written: 0, failed: 1, unknown: 0, saved: 0 });
    // The run page: 失败 1, as its records list shows.
    expect(c.counters).toEqual(c.records);
  }, 30_000);

  test("the worker stalls in the call and another attempt takes the run over: the run ends partial, the failed record counted", async () => {
    const scheme = await oneMappingFailure();
    const r = await sim!.requestRun(scheme.id, "manual");
    let wake: () => void = () => {};
    const woken = new Promise<void>((resolve) => (wake = resolve));
    let calls = 0;
    const stalled = executeRun(
      testContext(t.db, {
        getConnector: wrapKingdeeTarget((real) => ({
          ...real,
          async write(req: WriteRequest) {
            const outcome = await real.write(req);
            if (++calls === 1) await woken;
            return outcome;
          },
        })),
      }),
      r.id,
    );
    await expect.poll(() => sim!.kingdee.stats().customers, { timeout: 10_000 }).toBe(9);
    // The worker is gone (its lock lapsed): another attempt resumes the run and finishes it.
    expect((await runToEnd(testContext(t.db), r.id)).kind).toBe("finished");
    wake();
    expect((await stalled).kind).toBe("superseded");
    const c = await counted(r.id);
    expect(c.records).toEqual({ written: 9, failed: 1, unknown: 0, saved: 0 });
    // A failed record: partial, not succeeded.
    expect.soft(c.status).toBe("partial");
    expect(c.counters).toEqual(c.records);
  }, 30_000);

  test("the worker stops (shutdown) after a call while the next batch is marked: the batch is put back, its mapping failure stays failed and counted", async () => {
    // Batches of 5, one call at a time: the second batch (with the failing shop) is marked while the
    // first is in flight; the worker is told to stop once the first call is answered, so the second
    // batch is put back (pending) and the run handed back; the next attempt sends it.
    const scheme = await oneMappingFailure(5);
    const r = await sim!.requestRun(scheme.id, "manual");
    let calls = 0;
    const stopping = testContext(t.db, {
      shouldStop: () => calls >= 1,
      getConnector: wrapKingdeeTarget((real) => ({
        ...real,
        async write(req: WriteRequest) {
          const outcome = await real.write(req);
          calls++;
          return outcome;
        },
      })),
    });
    expect((await runToEnd(stopping, r.id)).kind).toBe("handed-back");
    expect((await runToEnd(testContext(t.db), r.id)).kind).toBe("finished");
    const c = await counted(r.id);
    expect(c.records).toEqual({ written: 9, failed: 1, unknown: 0, saved: 0 });
    expect.soft(c.status).toBe("partial");
    expect(c.counters).toEqual(c.records);
  }, 30_000);
});
