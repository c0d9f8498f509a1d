// The re-check of the concurrent calls before a call (write-phase.ts): a batch held back by a limit
// lowered while it was marked waits for calls out to be answered, and what the attempt learns
// meanwhile (stopping, cancelled, the lease lost, a failure) is checked again before it goes, as
// batchSendBy does for any batch (found by session 21's audit: the wait came after those checks).
import type { WriteRequest } from "@qiao/connectors";
import { afterEach, describe, expect, test } from "vitest";
import { executeRun } from "./execute-run";
import { simulate, testContext, wrapKingdeeTarget, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("writelimit");
let sim: Simulated | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("waiting at the re-check before a call", () => {
  test("the limit lowered while the next batch is marked: the worker's stop, known while the batch waits, stops its call", async () => {
    sim = await simulate(t.db, { shops: 200, concurrency: 4 });
    sim.kingdee.setFaults({ latencyMs: 250 });
    const scheme = await sim.createScheme((def) => {
      for (const node of def.nodes) if (node.type === "target") node.config.batchSize = 20;
    });
    /** What the engine reads as the connection's concurrent calls (as live-settings.ts hands it on). */
    let limit = 4;
    /** The worker is shutting down (SIGTERM): the run must stop at the next batch boundary. */
    let stopping = false;
    const starts: { call: number; stopping: boolean }[] = [];
    const getConnector = wrapKingdeeTarget((real) => ({
      ...real,
      get concurrency() {
        return limit;
      },
      async write(req: WriteRequest) {
        const call = starts.length + 1;
        starts.push({ call, stopping });
        // The person lowers the setting just after the second call went out (while the third batch
        // is being marked): the engine's check before the next call sees 1.
        if (call === 2) setImmediate(() => (limit = 1));
        const outcome = await real.write(req);
        // The worker is told to stop as the first call is answered.
        if (call === 1) stopping = true;
        return outcome;
      },
    }));
    const r = await sim.requestRun(scheme.id, "manual");
    const outcome = await executeRun(testContext(t.db, { getConnector, leaseMs: 10_000, shouldStop: () => stopping }), r.id);
    expect(outcome.kind).toBe("handed-back");
    expect(limit).toBe(1);
    // No call starts once the process knows it is stopping (before the fix, the third batch, marked
    // before the stop and held at the re-check until the calls out were answered, went out).
    expect(starts.filter((s) => s.stopping)).toEqual([]);
  }, 60_000);
});
