// Reconciliation (对账) against real Postgres and the in-process simulators: customers deleted in
// 金蝶 are found missing and a resync writes exactly those; extra and different are reported.
import { claimResync, createReconciliation, ReconciliationBusyError, SchemeBusyError } from "@qiao/db";
import { getConnector } from "@qiao/connectors";
import { afterEach, describe, expect, test } from "vitest";
import { executeReconciliation } from "./reconcile";
import { READ_PASSES } from "./read-pass";
import { runToEnd, simulate, sourceConfig, testContext, wrapClients, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("reconcile");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** The simulator's admin API (what the e2e spec and a person use too). */
/** A long lease: this machine is shared, and nothing here interrupts a write on purpose. */
const ctx = () => testContext(t.db, { leaseMs: 30_000 });

async function admin(method: string, path: string, body?: unknown): Promise<unknown> {
  const origin = new URL(sim!.kingdeeUrl).origin;
  const res = await fetch(`${origin}/__admin/${path}`, { method, headers: { "content-type": "application/json" }, ...(body !== undefined && { body: JSON.stringify(body) }) });
  expect(res.ok).toBe(true);
  return res.json();
}

async function runScheme(schemeId: string, trigger: "manual" | "retry" = "manual") {
  const r = await sim!.requestRun(schemeId, trigger);
  expect((await runToEnd(ctx(), r.id)).kind).toBe("finished");
  return t.db.run.findUniqueOrThrow({ where: { id: r.id } });
}

async function reconcile(schemeId: string) {
  const row = await createReconciliation(t.db, { schemeId, trigger: "manual", keyLimit: 1000 });
  const outcome = await executeReconciliation(ctx(), row.id);
  expect(outcome.kind).toBe("finished");
  return t.db.reconciliation.findUniqueOrThrow({ where: { id: row.id }, include: { items: { orderBy: { number: "asc" } } } });
}

describe("reconciliation", () => {
  test("finds 3 customers deleted in 金蝶, an extra and a renamed one; the resync writes exactly the 3, once", async () => {
    // Past one ExecuteBillQuery page (2000 rows): the target keys are read in keyset pages.
    sim = await simulate(t.db, { shops: 2100 });
    const scheme = await sim.createScheme();
    expect(await runScheme(scheme.id)).toMatchObject({ status: "succeeded", written: 2100 });
    const customers = sim.kingdee.store.list();
    const deleted = [customers[5]!, customers[700]!, customers[2050]!].map((c) => c.FNumber).sort();
    const renamed = customers[10]!;

    await admin("DELETE", "customers", { numbers: [...deleted, renamed.FNumber] });
    await admin("POST", "customers", { customers: [{ FNumber: renamed.FNumber, FName: "改过名的客户" }, { FNumber: "EXTRA-001", FName: "多出来的客户" }] });
    const before = sim.kingdee.stats();

    const report = await reconcile(scheme.id);
    expect(report).toMatchObject({ status: "succeeded", sourceCount: 2100, targetCount: 2098, matched: 2097, missing: 3, missingWritten: 3, extra: 1, different: 1, unmatchable: 0 });
    const byCategory = (c: string) => report.items.filter((i) => i.category === c);
    expect(byCategory("missing").map((i) => i.number)).toEqual(deleted);
    expect(byCategory("missing").every((i) => i.stagedStatus === "written" && i.sourceRecordId !== null)).toBe(true);
    expect(byCategory("extra")).toMatchObject([{ number: "EXTRA-001", targetName: "多出来的客户", sourceId: null }]);
    expect(byCategory("different")).toMatchObject([{ number: renamed.FNumber, sourceName: renamed.FName, targetName: "改过名的客户" }]);
    // The working set of keys is gone once the report is written.
    expect(await t.db.reconciliationKey.count()).toBe(0);

    // Resync: exactly those 3 staging rows, one retry run; pressing again returns the same run.
    const scheme1 = await t.db.scheme.findUniqueOrThrow({ where: { id: scheme.id } });
    const first = await claimResync(t.db, { reconciliationId: report.id, schemeVersion: scheme1.currentVersion });
    const again = await claimResync(t.db, { reconciliationId: report.id, schemeVersion: scheme1.currentVersion });
    expect(first).toMatchObject({ created: true, count: 3 });
    expect(again).toMatchObject({ created: false, count: 3, run: { id: first.run.id } });
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "failed" } })).toBe(3);
    // Their documents are gone: no target id left to say one exists under their number (the mark
    // would refuse to send one whose number mapping changed meanwhile, session 33).
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "failed", targetId: { not: null } } })).toBe(0);

    expect((await runToEnd(ctx(), first.run.id)).kind).toBe("finished");
    const resync = await t.db.run.findUniqueOrThrow({ where: { id: first.run.id } });
    expect(resync).toMatchObject({ trigger: "retry", status: "succeeded", written: 3, failed: 0 });
    const after = sim.kingdee.stats();
    expect(after.customers - before.customers).toBe(3);
    expect(after.duplicateAttempts).toBe(0);
    const written = await t.db.runOutcome.findMany({ where: { runId: resync.id }, select: { targetNumber: true } });
    expect(written.map((r) => r.targetNumber).sort()).toEqual(deleted);

    // A second press after the run finished still marks nothing and writes nothing.
    expect(await claimResync(t.db, { reconciliationId: report.id, schemeVersion: scheme1.currentVersion })).toMatchObject({ created: false, run: { id: resync.id } });
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: { not: "written" } } })).toBe(0);

    const next = await reconcile(scheme.id);
    expect(next).toMatchObject({ missing: 0, extra: 1, different: 1, matched: 2100 });
  }, 120_000);

  test("a scheme has one active reconciliation; a resync while a run is active changes nothing", async () => {
    sim = await simulate(t.db, { shops: 20 });
    const scheme = await sim.createScheme();
    await runScheme(scheme.id);
    await admin("DELETE", "customers", { numbers: [sim.kingdee.store.list()[0]!.FNumber] });

    const queued = await createReconciliation(t.db, { schemeId: scheme.id, trigger: "manual", keyLimit: 10 });
    await expect(createReconciliation(t.db, { schemeId: scheme.id, trigger: "schedule", keyLimit: 10 })).rejects.toBeInstanceOf(ReconciliationBusyError);
    expect((await executeReconciliation(ctx(), queued.id)).kind).toBe("finished");
    // Finished: executing it again does nothing.
    expect((await executeReconciliation(ctx(), queued.id)).kind).toBe("not-runnable");
    const report = await t.db.reconciliation.findUniqueOrThrow({ where: { id: queued.id } });
    expect(report).toMatchObject({ status: "succeeded", missing: 1, missingWritten: 1 });

    await sim.requestRun(scheme.id, "manual");
    await expect(claimResync(t.db, { reconciliationId: report.id, schemeVersion: 1 })).rejects.toBeInstanceOf(SchemeBusyError);
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "failed" } })).toBe(0);
    expect((await t.db.reconciliation.findUniqueOrThrow({ where: { id: report.id } })).resyncRunId).toBeNull();
  }, 60_000);

  test("a scheme deleted during the read: the attempt stops and leaves no keys behind", async () => {
    sim = await simulate(t.db, { shops: 250 });
    const scheme = await sim.createScheme((def) => {
      const source = def.nodes.find((n) => n.type === "source");
      if (source?.type === "source") source.config.pageSize = 50;
    });
    const row = await createReconciliation(t.db, { schemeId: scheme.id, trigger: "manual", keyLimit: 10 });
    // The source deletes the scheme (and with it the reconciliation) once it has served two pages.
    const getConnectorWrapped = (platform: string) => {
      const c = getConnector(platform);
      if (platform !== "guanyi" || !c?.createSource) return c;
      const createSource = c.createSource;
      return {
        ...c,
        createSource: (config: Parameters<typeof createSource>[0]) => {
          const real = createSource(config);
          return {
            async *readPages(req: Parameters<typeof real.readPages>[0]) {
              let served = 0;
              for await (const page of real.readPages(req)) {
                yield page;
                if (++served === 2) await t.db.scheme.delete({ where: { id: scheme.id } });
              }
            },
          };
        },
      };
    };
    const outcome = await executeReconciliation(testContext(t.db, { leaseMs: 30_000, getConnector: getConnectorWrapped }), row.id);
    expect(outcome.kind).toBe("superseded");
    expect(await t.db.reconciliationKey.count({ where: { reconciliationId: row.id } })).toBe(0);
  }, 60_000);

  test("a target that cannot be read fails the reconciliation with the reason and keeps no keys", async () => {
    sim = await simulate(t.db, { shops: 30 });
    const scheme = await sim.createScheme();
    await t.db.scheme.update({ where: { id: scheme.id }, data: { reconcileFilter: "FNumber ===" } });
    const row = await createReconciliation(t.db, { schemeId: scheme.id, trigger: "manual", keyLimit: 10 });
    expect((await executeReconciliation(ctx(), row.id)).kind).toBe("finished");
    const failed = await t.db.reconciliation.findUniqueOrThrow({ where: { id: row.id } });
    expect(failed.status).toBe("failed");
    expect(JSON.stringify(failed.error)).toContain("reconcile.failed");
    expect(await t.db.reconciliationKey.count({ where: { reconciliationId: row.id } })).toBe(0);
  }, 60_000);

  for (const shortPasses of [1, READ_PASSES]) {
    test(`a source read whose pages held fewer records than its total ${shortPasses === 1 ? "once is read again: nothing is listed extra" : "in every pass: the report says the source moved"}`, async () => {
      sim = await simulate(t.db, { shops: 50 });
      const scheme = await sim.createScheme((d) => {
        sourceConfig(d).pageSize = 10;
      });
      await runScheme(scheme.id);
      // 管易云 leaves page 2's last record out of the first `shortPasses` passes (as when a record
      // before it left the window during the read and it moved onto page 1, already read).
      let pass = 0;
      let left: string | undefined;
      const getConnector = wrapClients({
        guanyi: (real) => ({
          async *readPages(req) {
            for await (const page of real.readPages(req)) {
              if (page.pageNo === 1) pass++;
              if (page.pageNo !== 2 || pass > shortPasses) yield page;
              else {
                left = String(page.records.at(-1)!.code);
                yield { ...page, records: page.records.slice(0, -1) };
              }
            }
          },
        }),
      });
      const row = await createReconciliation(t.db, { schemeId: scheme.id, trigger: "manual", keyLimit: 10 });
      expect((await executeReconciliation(testContext(t.db, { leaseMs: 30_000, getConnector }), row.id)).kind).toBe("finished");
      const report = await t.db.reconciliation.findUniqueOrThrow({ where: { id: row.id }, include: { items: true } });
      if (shortPasses === 1) {
        expect(report).toMatchObject({ status: "succeeded", sourceCount: 50, matched: 50, extra: 0, missing: 0, sourcePasses: 2, sourceMoved: false });
      } else {
        expect(report).toMatchObject({ status: "succeeded", sourceCount: 49, extra: 1, sourcePasses: READ_PASSES, sourceMoved: true });
        expect(report.items.map((i) => i.number)).toEqual([left]);
      }
    }, 60_000);
  }

  test("a source that held still is read once", async () => {
    sim = await simulate(t.db, { shops: 30 });
    const scheme = await sim.createScheme((d) => {
      sourceConfig(d).pageSize = 10;
    });
    await runScheme(scheme.id);
    expect(await reconcile(scheme.id)).toMatchObject({ status: "succeeded", sourceCount: 30, matched: 30, sourcePasses: 1, sourceMoved: false });
  }, 60_000);
});
