// A retry run cancelled while it audits the bills an earlier run saved but did not audit (audit
// "separate") stops at the next audit batch (session 31's audit; failing before its fix).
//
// `auditSavedBills` (audit-saved.ts) asks `x.interruption()` before each batch of bills, and the
// cancellation flag it reads (RunScope.cancelRequested) is refreshed only by statements whose answer
// goes through `observe`. The audit loop's one such statement is `recordAuditResults`, which now
// answers the run (cancel_requested, attempt, status) as recordWriteResults does; before, it answered
// only `fenced`, so 取消 pressed after the first audit call was not seen until every saved bill of
// the retry was submitted and audited in 金蝶 (stock moved). runPhases ends the phase with the stop
// the audit returns, instead of going on to settle and write.
import { cancelRun } from "@qiao/db";
import { seedDeliveriesSchemeDefinition } from "@qiao/core";
import { afterEach, describe, expect, test } from "vitest";
import { expectedBills, runScheme, runToEnd, simulate, type Simulated, targetConfig, testContext, wrapKingdeeTarget, writeMasterData } from "../testing/harness";
import { useTestDb } from "../testing/use-test-db";

const t = useTestDb("auditcancel");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("a retry cancelled while it audits saved bills", () => {
  test("stops at the next audit batch: no bill is audited after the cancel", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 10, items: 20, deliveries: 8 });
    const plain = testContext(t.db);
    await writeMasterData(t.db, plain, sim);
    // Audited separately, one bill per call, from a stock that has nothing: every bill is saved, not audited.
    const deliveries = await sim.createScheme((d) => {
      targetConfig(d).audit = "separate";
      targetConfig(d).batchSize = 1;
      targetConfig(d).options = { IsAutoSubmitAndAudit: false, IsVerifyBaseDataField: true };
      targetConfig(d).entries.FEntity!.mapping.FStockID = "CK001";
    }, seedDeliveriesSchemeDefinition);
    const expected = expectedBills(sim);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    const first = await runScheme(t.db, plain, sim, deliveries.id);
    expect(first).toMatchObject({ written: 0, saved: expected.length });

    // Stock arrives; a person retries the saved bills, then presses 取消 once the first audit was answered.
    for (const line of expected.flatMap((b) => b.lines)) sim.kingdee.forms.stock.set("100", "CK001", line.item, 1_000_000);
    const retry = await sim.requestRun(deliveries.id, "retry", { options: { scope: "scheme" } });
    let audits = 0;
    const ctx = {
      ...plain,
      getConnector: wrapKingdeeTarget((real) => ({
        ...real,
        async audit(req) {
          const out = await real.audit!(req);
          if (++audits === 1) {
            const cancelled = await cancelRun(t.db, retry.id);
            expect(cancelled).toMatchObject({ status: "running", cancelRequested: true });
          }
          return out;
        },
      })),
    };
    expect((await runToEnd(ctx, retry.id)).kind).toBe("finished");
    const ended = await t.db.run.findUniqueOrThrow({ where: { id: retry.id } });
    expect(ended.status).toBe("cancelled");
    // Before a fix: every saved bill was audited after the cancel (audits === expected.length).
    expect(audits).toBe(1);
    expect(await t.db.sourceRecord.count({ where: { schemeId: deliveries.id, status: "saved" } })).toBe(expected.length - 1);
  });
});
