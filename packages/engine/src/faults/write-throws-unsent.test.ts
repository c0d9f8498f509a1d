// A write the 金蝶 target throws out of before any BatchSave went out puts its batch back (session
// 32's audit; failing before its fix). TargetClient.write throws only when nothing of the batch
// reached the target, and a write cut off mid-call is `unknown_outcome`; the engine's sendBatch used
// to put back only some kinds (auth, request, throttled, network, not_sent), so a login answered 5xx
// (kind "server") or timing out left every batch in flight `sending` after the run ended failed: up
// to C batches, which the scheme's next run parked as unknown and waited a lease plus
// QIAO_UNKNOWN_OUTCOME_WAIT_S for before sending them, though no BatchSave was ever made.
import { afterEach, describe, expect, test } from "vitest";
import { runToEnd, simulate, testContext, type Simulated } from "../testing/harness";
import { useTestDb } from "../testing/use-test-db";

const t = useTestDb("audit_unsent");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("a write that threw before any BatchSave went out", () => {
  test("金蝶's login answering 5xx through the connector's retries (C = 2): the run fails, its batches are pending again, none is left sending", async () => {
    sim = await simulate(t.db, { shops: 200, concurrency: 2 });
    const scheme = await sim.createScheme((def) => {
      for (const node of def.nodes) if (node.type === "target") node.config.batchSize = 20;
    });
    // Every login of the run is answered HTTP 500 (the connector retries it, then gives up: "server").
    sim.kingdee.injectNext(...Array.from({ length: 50 }, () => ({ fault: "http500" as const, service: "ValidateUser" })));
    const r = await sim.requestRun(scheme.id, "manual");
    const outcome = await runToEnd(testContext(t.db, { connectorDefaults: { qps: 1000, timeoutMs: 5000, maxRetries: 1 } }), r.id);
    expect(outcome.kind).toBe("finished");
    const stats = sim.kingdee.stats();
    // Nothing was saved, no BatchSave reached 金蝶.
    expect(stats.calls.BatchSave ?? 0).toBe(0);
    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "failed" });
    const byStatus = Object.fromEntries(
      (await t.db.sourceRecord.groupBy({ by: ["status"], where: { schemeId: scheme.id }, _count: true })).map((g) => [g.status, g._count]),
    );
    // No record may stay `sending` after its run ended: nothing of it went out.
    expect(byStatus.sending ?? 0).toBe(0);
    // Everything the run staged before it failed (its read goes page by page beside the writes).
    expect(Object.keys(byStatus)).toEqual(["pending"]);
  }, 60_000);
});
