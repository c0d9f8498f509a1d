// The filter node and unknown outcomes: a record whose write outcome is still unknown when a read
// finds it left out ends `filtered` once the outcome is found (not `stale`, not resent), and
// reconciliation does not call its customer extra. Session 28's audit; failed before the fix.
import type { SchemeDefinition } from "@qiao/core";
import { cancelRun, createReconciliation } from "@qiao/db";
import { afterEach, describe, expect, test } from "vitest";
import { executeRun } from "./execute-run";
import { executeReconciliation } from "./reconcile";
import { putFilterNode, runToEnd, shopsOf, simulate, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("filterunsettled");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const KEPT = ["天猫", "京东"];

/** A filter node keeping the shops of KEPT (the seed's create mode is kept). */
const withFilter = (d: SchemeDefinition) => putFilterNode(d, [{ field: "{{type_name}}", op: "in", value: KEPT.join(",") }]);

describe("a record whose outcome is unknown when the condition starts leaving it out", () => {
  test("ends `filtered` once its outcome is found (not `stale`), and reconciliation does not call its customer extra", async () => {
    sim = await simulate(t.db, { shops: 60 });
    const kept = shopsOf(sim).filter((s) => KEPT.includes(s.type_name));
    expect(kept.length).toBeGreaterThan(0);
    // The first BatchSave commits 1.5 s late; the client gives up after 0.5 s: its records are unknown.
    sim.kingdee.setFaults({ slowCommitEvery: 1, slowCommitMs: 1_500 });
    const ctx = testContext(t.db, { unknownOutcomeWaitMs: 4_000, connectorDefaults: { qps: 1000, timeoutMs: 500, maxRetries: 1 } });
    const scheme = await sim.createScheme(withFilter);
    const r1 = await sim.requestRun(scheme.id, "manual");
    expect((await executeRun(ctx, r1.id)).kind).toBe("waiting");
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "unknown" } })).toBe(kept.length);
    sim.kingdee.setFaults({});
    // Someone cancels the waiting run; its unknown records stay for the next run to look up.
    await cancelRun(t.db, r1.id);
    await executeRun(ctx, r1.id);
    expect((await t.db.run.findUniqueOrThrow({ where: { id: r1.id } })).status).toBe("cancelled");

    // One of those shops moves to a platform the condition leaves out, before the next run reads it.
    const [leaving] = kept;
    sim.guanyi.modifyShops([{ id: leaving!.id, set: { type_name: "拼多多" } }]);
    const r2 = await sim.requestRun(scheme.id, "manual");
    expect((await runToEnd(ctx, r2.id)).kind).toBe("finished");
    // Its customer was created (the late commit); nothing sends it again.
    expect(sim.kingdee.stats()).toMatchObject({ customers: kept.length, duplicateAttempts: 0 });

    const row = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: scheme.id, sourceId: String(leaving!.id) } });
    // The condition leaves it out: filtered (docs/filters.md), with what was written kept.
    expect.soft({ status: row.status, targetNumber: row.targetNumber }).toEqual({ status: "filtered", targetNumber: leaving!.code });

    // Reconciliation: the customer was written by this scheme, from a record now left out: not extra.
    const rec = await createReconciliation(t.db, { schemeId: scheme.id, trigger: "manual", keyLimit: 1000 });
    expect((await executeReconciliation(testContext(t.db, { leaseMs: 30_000 }), rec.id)).kind).toBe("finished");
    const report = await t.db.reconciliation.findUniqueOrThrow({ where: { id: rec.id } });
    expect(report).toMatchObject({ status: "succeeded", missing: 0, extra: 0 });
  }, 60_000);
});
