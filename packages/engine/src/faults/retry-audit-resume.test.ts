// A retry run that audits bills saved but not audited (audit "separate"), handed back by a stopping
// worker and resumed by a second attempt: each bill counts once in the run, as it ended
// (docs/decisions.md, session 23).
//
// Found by the session's audit (a helper writing failing tests only): runPhases (execute-run.ts)
// calls auditSavedBills on every attempt of a retry run, so the second attempt audits again the
// bills the first left saved (same last_run_id), and recordAuditResults (db saved-bills.ts) added
// them to `runs.saved` once more (saved 2N for N bills). Now its counters move only when a bill's
// outcome in the run changes (its RunRecord in this run as the statement found it): still saved adds
// nothing; saved before and audited now moves from saved to written, so the run succeeds.
import { seedDeliveriesSchemeDefinition } from "@qiao/core";
import { afterEach, describe, expect, test } from "vitest";
import type { EngineContext } from "../context";
import { executeRun } from "../execute-run";
import { expectedBills, runScheme as runSchemeToEnd, runToEnd, simulate, type Simulated, targetConfig, testContext, wrapKingdeeTarget, writeMasterData } from "../testing/harness";
import { useTestDb } from "../testing/use-test-db";

const t = useTestDb("auditresume");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A manual run of the scheme, to its end (testing/bills.ts). */
const runScheme = (ctx: EngineContext, schemeId: string) => runSchemeToEnd(t.db, ctx, sim!, schemeId);

/** Master data, then a deliveries scheme audited separately from a stock that has nothing: its bills get saved, not audited. */
async function deliveriesWithoutStock(s: Simulated) {
  const plain = testContext(t.db);
  await writeMasterData(t.db, plain, s);
  const deliveries = await s.createScheme((d) => {
    targetConfig(d).audit = "separate";
    targetConfig(d).options = { IsAutoSubmitAndAudit: false, IsVerifyBaseDataField: true };
    targetConfig(d).entries.FEntity!.mapping.FStockID = "CK001";
  }, seedDeliveriesSchemeDefinition);
  return { plain, deliveries, expected: expectedBills(s) };
}

/** A worker told to stop (hand the run back) once an audit call was answered. */
function stopAfterAudit(plain: EngineContext): EngineContext {
  let audited = false;
  return {
    ...plain,
    getConnector: wrapKingdeeTarget((real) => ({
      ...real,
      async audit(req) {
        const out = await real.audit!(req);
        audited = true;
        return out;
      },
    })),
    shouldStop: () => audited,
  };
}

describe("audit: a retry run resumed after a hand-back", () => {
  test("bills still not audited count once in the retry run's saved counter", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 10, items: 20, deliveries: 8 });
    const { plain, deliveries, expected } = await deliveriesWithoutStock(sim);
    const first = await runScheme(plain, deliveries.id);
    // No stock: every bill is saved, not audited.
    expect(first).toMatchObject({ written: 0, saved: expected.length });

    // The retry: the worker is told to stop once the audit call was answered (still no stock).
    const ctx = stopAfterAudit(plain);
    const retry = await sim.requestRun(deliveries.id, "retry", { options: { scope: "scheme" } });
    expect((await executeRun(ctx, retry.id)).kind).toBe("handed-back");
    const afterFirst = await t.db.run.findUniqueOrThrow({ where: { id: retry.id } });
    expect(afterFirst.saved).toBe(expected.length);

    // The next worker resumes it (nobody stops it now).
    expect((await runToEnd(plain, retry.id)).kind).toBe("finished");
    const ended = await t.db.run.findUniqueOrThrow({ where: { id: retry.id } });
    expect(await t.db.sourceRecord.count({ where: { schemeId: deliveries.id, status: "saved" } })).toBe(expected.length);
    // Before the fix: 2 × expected.length.
    expect(ended.saved).toBe(expected.length);
    // (A delivery without rows fails again, before any call: `rowless`.)
    expect(ended).toMatchObject({ written: 0, failed: expected.rowless, status: "partial" });
  });

  test("bills the first attempt left saved and the second audits move from saved to written, as the run's records say", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 10, items: 20, deliveries: 8 });
    const { plain, deliveries, expected } = await deliveriesWithoutStock(sim);
    expect(await runScheme(plain, deliveries.id)).toMatchObject({ written: 0, saved: expected.length });

    const ctx = stopAfterAudit(plain);
    const retry = await sim.requestRun(deliveries.id, "retry", { options: { scope: "scheme" } });
    expect((await executeRun(ctx, retry.id)).kind).toBe("handed-back");
    expect(await t.db.run.findUniqueOrThrow({ where: { id: retry.id } })).toMatchObject({ saved: expected.length, written: 0 });

    // Stock arrives; the next worker resumes the retry and its audit succeeds.
    for (const line of expected.flatMap((b) => b.lines)) sim.kingdee.forms.stock.set("100", "CK001", line.item, 1_000_000);
    expect((await runToEnd(plain, retry.id)).kind).toBe("finished");
    const ended = await t.db.run.findUniqueOrThrow({ where: { id: retry.id } });
    // Before the fix: saved N and written N for N bills, and the run `partial`.
    expect(ended).toMatchObject({ written: expected.length, saved: 0, failed: expected.rowless, status: expected.rowless > 0 ? "partial" : "succeeded" });
    // The run's records say the same: each bill once, written.
    const outcomes = await t.db.runOutcome.groupBy({ by: ["status"], where: { runId: retry.id, status: { in: ["written", "saved"] } }, _count: true });
    expect(outcomes).toEqual([{ status: "written", _count: expected.length }]);
    expect(sim.kingdee.stats().forms.SAL_OUTSTOCK).toMatchObject({ records: expected.length, duplicateAttempts: 0 });
  });
});
