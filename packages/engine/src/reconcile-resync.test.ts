// Reconciliation's resync (补同步) writes again only what the report saw written in staging and missing
// in 金蝶, as staging stood when 金蝶's keys were read: never a record written again since (a newer
// report's resync, a run during the read), and every such record even when records never written
// fill the report's kept keys.
import { claimResync, createReconciliation, ResyncError } from "@qiao/db";
import type { TargetClient } from "@qiao/connectors";
import { afterEach, describe, expect, test } from "vitest";
import { executeReconciliation } from "./reconcile";
import { runToEnd, simulate, testContext, wrapClients, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("reconcileresync");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A long lease: this machine is shared, and nothing here interrupts a write on purpose. */
const ctx = (extra = {}) => testContext(t.db, { leaseMs: 30_000, ...extra });

async function runScheme(schemeId: string) {
  const r = await sim!.requestRun(schemeId, "manual");
  expect((await runToEnd(ctx(), r.id)).kind).toBe("finished");
  return t.db.run.findUniqueOrThrow({ where: { id: r.id } });
}

async function reconcile(schemeId: string, options: { keyLimit?: number; getConnector?: ReturnType<typeof wrapClients> } = {}) {
  const row = await createReconciliation(t.db, { schemeId, trigger: "manual", keyLimit: options.keyLimit ?? 1000 });
  expect((await executeReconciliation(ctx(options.getConnector && { getConnector: options.getConnector }), row.id)).kind).toBe("finished");
  return t.db.reconciliation.findUniqueOrThrow({ where: { id: row.id } });
}

/** The resync as the API asks for it, its run executed; the ResyncError when there is nothing to resync. */
async function resync(schemeId: string, reconciliationId: string): Promise<Awaited<ReturnType<typeof claimResync>> | ResyncError> {
  const { currentVersion } = await t.db.scheme.findUniqueOrThrow({ where: { id: schemeId } });
  try {
    const claimed = await claimResync(t.db, { reconciliationId, schemeVersion: currentVersion });
    expect((await runToEnd(ctx(), claimed.run.id)).kind).toBe("finished");
    return claimed;
  } catch (error) {
    if (error instanceof ResyncError) return error;
    throw error;
  }
}

describe("resync of a report whose missing records were written since", () => {
  test("resyncing an older report after a newer report's resync wrote the record again: nothing is sent, the record stays written", async () => {
    sim = await simulate(t.db, { shops: 20 });
    const scheme = await sim.createScheme();
    await runScheme(scheme.id);
    const deleted = sim.kingdee.store.list()[3]!.FNumber;
    sim.kingdee.store.delete([deleted]);

    // Yesterday's report and today's both list it missing (written).
    const older = await reconcile(scheme.id);
    const newer = await reconcile(scheme.id);
    expect(older).toMatchObject({ missing: 1, missingWritten: 1 });
    expect(newer).toMatchObject({ missing: 1, missingWritten: 1 });

    // Today's resync writes it again.
    const first = await resync(scheme.id, newer.id);
    expect(first).toMatchObject({ created: true, count: 1 });
    if (first instanceof ResyncError) throw first;
    expect(await t.db.run.findUniqueOrThrow({ where: { id: first.run.id } })).toMatchObject({ status: "succeeded", written: 1 });
    expect(sim.kingdee.stats().customers).toBe(20);

    // Someone opens yesterday's report in the history and presses 补同步 there (its button is shown).
    expect(await resync(scheme.id, older.id)).toMatchObject({ code: "conflict" });

    // The customer is in 金蝶 and staging knew it: it stays written, not a failed record with 金蝶's
    // duplicate-number error, and is not sent again.
    const row = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: scheme.id, targetNumber: deleted } });
    expect({ status: row.status, lastError: row.lastError }).toEqual({ status: "written", lastError: null });
    expect(sim.kingdee.stats().duplicateAttempts).toBe(0);
  }, 60_000);

  test("a record a concurrent run writes after the reconciliation read 金蝶's keys is not reported 'missing, written' (and so not resynced)", async () => {
    sim = await simulate(t.db, { shops: 10 });
    const scheme = await sim.createScheme();
    await runScheme(scheme.id);

    // A new shop appears at the source; the scheme's next run is under way while the reconciliation
    // reads. Its write of the new shop is answered just after the reconciliation's last 金蝶 page.
    sim.guanyi.addShops([{ code: "NEWSHOP", name: "新开的店" }]);
    let written: number | undefined;
    const getConnector = wrapClients({
      kingdee: (real: TargetClient): TargetClient => ({
        ...real,
        async *listKeys(req) {
          yield* real.listKeys!(req);
          // The run commits its batch and records the answer now (between the last page and the comparison).
          written = (await runScheme(scheme.id)).written;
        },
      }),
    });
    const report = await reconcile(scheme.id, { getConnector });
    expect(written).toBe(1);
    expect(sim.kingdee.stats().customers).toBe(11);

    // The report lists the new shop as missing (it was not in 金蝶 when its keys were read), but not
    // as "written in staging, deleted in 金蝶 since": that is what a resync writes again.
    expect(report).toMatchObject({ missing: 1, missingWritten: 0 });
    expect(await resync(scheme.id, report.id)).toMatchObject({ code: "conflict" });
    expect(sim.kingdee.stats().duplicateAttempts).toBe(0);
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: { not: "written" } } })).toBe(0);
  }, 60_000);
});

describe("resync when the report's kept keys are filled by records never written", () => {
  test("records missing because they were never written (new, failed, pending) sort before a deleted one: the resync still writes the deleted one", async () => {
    sim = await simulate(t.db, { shops: 10 });
    const scheme = await sim.createScheme();
    await runScheme(scheme.id);
    // A customer deleted in 金蝶 (staging: written) …
    const deleted = sim.kingdee.store.list()[0]!.FNumber;
    sim.kingdee.store.delete([deleted]);
    // … and, at the source, more records not written yet than the report keeps per category, whose
    // numbers sort first (with the default limit: 1,000 records failing on a data error, say).
    sim.guanyi.addShops([1, 2, 3, 4].map((i) => ({ code: `A0${i}`, name: `新店 ${i}` })));

    const report = await reconcile(scheme.id, { keyLimit: 3 });
    // The panel offers "补同步缺失记录 (1)": min(missingWritten, keyLimit).
    expect(report).toMatchObject({ missing: 5, missingWritten: 1 });
    // The kept missing keys: the one a resync writes again first, then the others in number order.
    const kept = await t.db.reconciliationItem.findMany({ where: { reconciliationId: report.id, category: "missing" }, orderBy: { id: "asc" } });
    expect(kept.map((i) => i.number)).toEqual([deleted, "A01", "A02"]);

    // The one record the report counts as written and missing is what the button promised.
    expect(await resync(scheme.id, report.id)).toMatchObject({ created: true, count: 1 });
    expect(sim.kingdee.store.list().map((c) => c.FNumber)).toContain(deleted);
    expect(sim.kingdee.stats().duplicateAttempts).toBe(0);
  }, 60_000);
});
