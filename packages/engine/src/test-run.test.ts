// Test runs (dry runs) against real Postgres and the in-process simulators: what they show, the
// records they write when asked to, and how they stop (cancelled, handed back by a stopping worker).
import type { SourceClient, SourcePage, WriteRequest } from "@qiao/connectors";
import { cancelRun } from "@qiao/db";
import { afterEach, describe, expect, test } from "vitest";
import { RecordBudget } from "./record-budget";
import type { TestRunResult } from "./test-run";
import { runToEnd, simulate, targetConfig, testContext, wrapClients, type Simulated } from "./testing/harness";
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

// The run controls (session 18): a test run stops between the pages of its sample as a run's read
// does, and a test run handed back and resumed counts its sample once. The connector clients are
// only wrapped to act at a chosen moment (a cancel while the source is read, a worker stopping).
describe("test runs and the run controls", () => {
  /** A context whose 管易云 calls `onPage` with each page's number before handing the page on. */
  function onEachPage(onPage: (n: number) => Promise<unknown> | void) {
    let pages = 0;
    return {
      pages: () => pages,
      ctx: testContext(t.db, {
        getConnector: wrapClients({
          guanyi: (real): SourceClient => ({
            ...real,
            async *readPages(req) {
              for await (const p of real.readPages(req)) {
                await onPage(++pages);
                yield p satisfies SourcePage;
              }
            },
          }),
        }),
      }),
    };
  }

  test("a test run cancelled while it reads its sample stops after that page and ends cancelled, with no result", async () => {
    sim = await simulate(t.db, { shops: 50 });
    const scheme = await sim.createScheme((d) => {
      const source = d.nodes.find((n) => n.type === "source")!;
      if (source.type === "source") source.config.pageSize = 5;
    });
    const r = await sim.requestRun(scheme.id, "test", { options: { sampleSize: 20 } });
    // The person presses 取消 while the sample is being read (during its first page).
    const reading = onEachPage(async (n) => {
      if (n === 1) await cancelRun(t.db, r.id);
    });
    expect((await runToEnd(reading.ctx, r.id)).kind).toBe("finished");
    const after = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
    // It ended `succeeded` after reading all four pages.
    expect(after).toMatchObject({ status: "cancelled", cancelRequested: true, fetched: 5, result: null });
    expect(reading.pages()).toBe(1);
  }, 60_000);

  test("a writing test run cancelled while it reads its sample stages and writes nothing", async () => {
    sim = await simulate(t.db, { shops: 50 });
    const scheme = await sim.createScheme((d) => {
      const source = d.nodes.find((n) => n.type === "source")!;
      if (source.type === "source") source.config.pageSize = 5;
    });
    const r = await sim.requestRun(scheme.id, "test", { options: { sampleSize: 5, writeCount: 10 } });
    const reading = onEachPage(async (n) => {
      if (n === 1) await cancelRun(t.db, r.id);
    });
    expect((await runToEnd(reading.ctx, r.id)).kind).toBe("finished");
    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "cancelled", written: 0, result: null });
    // It staged its records first (pending, for the scheme's next run to send unasked).
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id } })).toBe(0);
    expect(sim.kingdee.stats().customers).toBe(0);
  }, 60_000);

  test("a test run whose worker stops while it reads its sample is handed back, and the next worker's attempt finishes it", async () => {
    sim = await simulate(t.db, { shops: 50 });
    const scheme = await sim.createScheme((d) => {
      const source = d.nodes.find((n) => n.type === "source")!;
      if (source.type === "source") source.config.pageSize = 5;
    });
    const r = await sim.requestRun(scheme.id, "test", { options: { sampleSize: 20 } });
    let stopping = false;
    const reading = onEachPage(() => {
      stopping = true;
    });
    expect((await runToEnd({ ...reading.ctx, shouldStop: () => stopping }, r.id)).kind).toBe("handed-back");
    expect(reading.pages()).toBe(1);
    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "queued", result: null });
    expect((await runToEnd(testContext(t.db), r.id)).kind).toBe("finished");
    const after = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
    expect(after).toMatchObject({ status: "succeeded", fetched: 20, total: 50 });
    expect((after.result as unknown as TestRunResult).records).toHaveLength(20);
  }, 60_000);

  test("a writing test run handed back by a stopping worker and resumed counts what it read once", async () => {
    sim = await simulate(t.db, { shops: 50, concurrency: 1 });
    const scheme = await sim.createScheme((d) => {
      targetConfig(d).batchSize = 2;
    });
    const r = await sim.requestRun(scheme.id, "test", { options: { sampleSize: 4, writeCount: 4 } });
    // The worker is asked to stop once the first batch was answered: the run is handed back.
    let stopping = false;
    const first = testContext(t.db, {
      shouldStop: () => stopping,
      getConnector: wrapClients({
        kingdee: (real) => ({
          ...real,
          async write(req: WriteRequest) {
            const out = await real.write(req);
            stopping = true;
            return out;
          },
        }),
      }),
    });
    expect((await runToEnd(first, r.id)).kind).toBe("handed-back");
    expect(sim.kingdee.stats().customers).toBe(2);
    // The next worker resumes it: it reads the sample again.
    expect((await runToEnd(testContext(t.db), r.id)).kind).toBe("finished");
    const after = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
    expect(sim.kingdee.stats().customers).toBe(4);
    // Before session 18 the resumed attempt added its read to the first one's: fetched 8.
    expect(after).toMatchObject({ status: "succeeded", written: 4, fetched: 4, skipped: 0 });
  }, 60_000);
});
