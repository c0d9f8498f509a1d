// audit "separate": the Submit and Audit that follow a BatchSave go by the attempt's lease as renewed
// since, not by the deadline the batch's mark gave its save (docs/decisions.md, session 23).
//
// Found by the session's audit (a helper writing failing tests only): writeBatch
// (connectors/src/kingdee/save.ts) gave the Submit and Audit the write request's `sendBy`, the
// save's deadline from the lease as the batch was marked (batch-steps.ts batchSendBy). A save
// answered after it (a slow 金蝶, big bills) had its Submit refused before it was sent (`not_sent`,
// "写入这批记录的尝试已失去运行租约") while the lease was renewed all along, and every bill of the
// batch stayed saved, unaudited until a person retried it. Now they go by `followUpSendBy`: the
// lease as the attempt last renewed it (AttemptLease.sendByNow), read before each call; an attempt
// that lost the run still sends neither (the second test), so nothing of a batch goes out after
// another attempt may have looked it up.
import { seedDeliveriesSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterEach, describe, expect, test } from "vitest";
import type { EngineContext } from "../context";
import { claimRun } from "@qiao/db";
import { executeRun } from "../execute-run";
import { billRows, expectedBills, runScheme as runSchemeToEnd, runToEnd, simulate, type Simulated, targetConfig, testContext, wrapKingdeeTarget, writeMasterData } from "../testing/harness";
import { useTestDb } from "../testing/use-test-db";

const t = useTestDb("slowsave");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A manual run of the scheme, to its end (testing/bills.ts). */
const runScheme = (ctx: EngineContext, schemeId: string) => runSchemeToEnd(t.db, ctx, sim!, schemeId);

/** Stock for every line: the bills can be audited. */
const SIMULATED = { shops: 10, items: 20, deliveries: 10, kingdee: { openingStock: 1_000_000 } };

/** Master data, then a deliveries scheme audited in calls of their own. */
async function separatelyAudited(s: Simulated, change: (d: SchemeDefinition) => void = () => {}) {
  const plain = testContext(t.db);
  await writeMasterData(t.db, plain, s);
  const deliveries = await s.createScheme((d) => {
    targetConfig(d).audit = "separate";
    targetConfig(d).options = { IsAutoSubmitAndAudit: false, IsVerifyBaseDataField: true };
    change(d);
  }, seedDeliveriesSchemeDefinition);
  return { plain, deliveries };
}

describe("audit separate: a slow save", () => {
  test("a BatchSave answered after half the lease: its bills are still submitted and audited", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, SIMULATED);
    const { deliveries } = await separatelyAudited(sim);
    const expected = expectedBills(sim);
    // Lease 1 s (renewed every third by the attempt), client timeout 5 s: the save is slow, not lost.
    const ctx = testContext(t.db, { leaseMs: 1_000, connectorDefaults: { qps: 1000, timeoutMs: 5_000, maxRetries: 1 } });
    sim.kingdee.setFaults({ slowCommitEvery: 1, slowCommitMs: 1_200 });
    const run = await runScheme(ctx, deliveries.id);
    sim.kingdee.setFaults({ slowCommitEvery: 0 });
    expect(sim.kingdee.stats().slowCommits).toBeGreaterThan(0);
    const saved = await t.db.runOutcome.findFirst({ where: { runId: run.id, status: "saved" } });
    // Before the fix: every bill saved, "单据已保存，提交失败：金蝶 Submit 没有发送：写入这批记录的尝试已失去运行租约…".
    expect(saved?.error ?? null).toBeNull();
    expect(run).toMatchObject({ status: expected.rowless > 0 ? "partial" : "succeeded", written: expected.length, saved: 0, failed: expected.rowless });
    expect(billRows(sim).every((r) => r.status === "C")).toBe(true);
    expect(sim.kingdee.stats().forms.SAL_OUTSTOCK).toMatchObject({ records: expected.length, duplicateAttempts: 0 });
  });

  test("an attempt taken over during its slow save sends no Submit or Audit; the next attempt finds the bills saved, a retry audits them", { timeout: 60_000 }, async () => {
    // One batch: the whole run is the one slow save.
    sim = await simulate(t.db, SIMULATED);
    const { plain, deliveries } = await separatelyAudited(sim, (d) => (targetConfig(d).batchSize = 100));
    const expected = expectedBills(sim);
    const run = await sim.requestRun(deliveries.id, "manual");
    // While its save is in flight, another worker claims the run (by hand here: nothing runs it).
    const ctx = testContext(t.db, {
      leaseMs: 1_000,
      getConnector: wrapKingdeeTarget((real) => ({
        ...real,
        async write(req) {
          const claimed = new Promise((resolve) => setTimeout(resolve, 200)).then(() => claimRun(t.db, run.id, null, 0, 1_000));
          const out = await real.write(req);
          expect((await claimed).claimed).toBe(true);
          return out;
        },
      })),
    });
    sim.kingdee.setFaults({ slowCommitEvery: 1, slowCommitMs: 1_200 });
    expect((await executeRun(ctx, run.id)).kind).toBe("superseded");
    sim.kingdee.setFaults({ slowCommitEvery: 0 });
    const calls = sim.kingdee.stats().calls;
    expect(calls.BatchSave ?? 0).toBeGreaterThan(0);
    // Its renewal failed once the run was claimed: the Submit was not sent.
    expect([calls.Submit ?? 0, calls.Audit ?? 0]).toEqual([0, 0]);
    expect(billRows(sim).every((r) => r.status === "A")).toBe(true);

    // The next attempt parks the batch, looks it up after the lease and the wait: found, saved.
    expect((await runToEnd(plain, run.id)).kind).toBe("finished");
    const ended = await t.db.run.findUniqueOrThrow({ where: { id: run.id } });
    const bills = expected.length;
    expect(ended).toMatchObject({ saved: bills, written: 0 });
    // A retry audits them, never saves them again.
    const retry = await sim.requestRun(deliveries.id, "retry", { options: { scope: "scheme" } });
    await runToEnd(plain, retry.id);
    expect(await t.db.run.findUniqueOrThrow({ where: { id: retry.id } })).toMatchObject({ written: bills, saved: 0 });
    expect(billRows(sim).every((r) => r.status === "C")).toBe(true);
    expect(sim.kingdee.stats().forms.SAL_OUTSTOCK).toMatchObject({ records: bills, duplicateAttempts: 0 });
  });
});
