// Test runs (dry runs) against real Postgres and the in-process simulators: what they show, and the
// records they write when asked to.
import { afterEach, describe, expect, test } from "vitest";
import { RecordBudget } from "./record-budget";
import type { TestRunResult } from "./test-run";
import { runToEnd, simulate, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("testrun");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function run(schemeId: string, trigger: "manual" | "test" = "manual", extra = {}, budget?: RecordBudget) {
  const r = await sim!.requestRun(schemeId, trigger, extra);
  const outcome = await runToEnd(testContext(t.db, { ...(budget && { records: budget }) }), r.id);
  expect(outcome.kind).toBe("finished");
  return t.db.run.findUniqueOrThrow({ where: { id: r.id } });
}

describe("test runs", () => {
  test("a test run returns the source records and payloads and writes nothing; writeCount writes the first N", async () => {
    sim = await simulate(t.db, { shops: 120 });
    const scheme = await sim.createScheme();
    const dry = await run(scheme.id, "test", { options: { sampleSize: 5 } });
    expect(dry).toMatchObject({ status: "succeeded", total: 120, fetched: 5, written: 0 });
    const result = dry.result as unknown as TestRunResult;
    expect(result.records).toHaveLength(5);
    const first = result.records[0]!;
    expect(first.payload).toMatchObject({ FName: first.source.name, FNumber: first.source.code, FCreateOrgId: "100" });
    expect(first.errors).toEqual([]);
    // The exact BatchSave body, base data wrapped as Kingdee wants it.
    expect(result.wire).toBe(true);
    const body = result.request as { formid: string; data: { IsAutoSubmitAndAudit: boolean; Model: Record<string, unknown>[] } };
    expect(body.formid).toBe("BD_Customer");
    expect(body.data.IsAutoSubmitAndAudit).toBe(true);
    expect(body.data.Model[0]).toMatchObject({ FNumber: first.source.code, FCreateOrgId: { FNumber: "100" }, FUseOrgId: { FNumber: "100" } });
    expect(first.wire).toEqual(body.data.Model[0]);
    expect(sim.kingdee.stats().customers).toBe(0);
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id } })).toBe(0);
    expect(await t.db.scheme.findUniqueOrThrow({ where: { id: scheme.id } })).toMatchObject({ cursor: null });

    const writing = await run(scheme.id, "test", { options: { sampleSize: 5, writeCount: 3 } });
    expect(writing).toMatchObject({ status: "succeeded", written: 3 });
    expect(sim.kingdee.stats().customers).toBe(3);
  }, 30_000);

  test("a test run reads as many pages as its sample and writeCount need, and no more (issue #15 item 7)", async () => {
    sim = await simulate(t.db, { shops: 120 });
    const scheme = await sim.createScheme((d) => {
      const source = d.nodes.find((n) => n.type === "source")!;
      if (source.type === "source") source.config.pageSize = 10;
    });
    const writing = await run(scheme.id, "test", { options: { sampleSize: 12, writeCount: 25 } });
    expect(writing).toMatchObject({ status: "succeeded", fetched: 25, written: 25 });
    expect((writing.result as unknown as TestRunResult).records).toHaveLength(12);
    expect(sim.kingdee.stats().customers).toBe(25);
    expect(sim.guanyi.state.stats.calls["gy.erp.shop.get"]).toBe(3);
  }, 30_000);

  test("a test run reads within the worker's record budget, and gives its pages back before the records it writes are read back", async () => {
    sim = await simulate(t.db, { shops: 120 });
    // One batch of 100 is the whole budget: were the sample's page still counted, reading the
    // batch back would wait for room only this run could free.
    const scheme = await sim.createScheme((d) => {
      const source = d.nodes.find((n) => n.type === "source")!;
      if (source.type === "source") source.config.pageSize = 10;
    });
    const budget = new RecordBudget(100);
    const writing = await run(scheme.id, "test", { options: { sampleSize: 5, writeCount: 8 } }, budget);
    expect(writing).toMatchObject({ status: "succeeded", written: 8 });
    expect(budget.peak).toBeGreaterThanOrEqual(10);
    expect(budget.inUse).toBe(0);
  }, 30_000);

});
