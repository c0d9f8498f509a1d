// The editor's test run (dry run) says what a real run would do with the same records (session 30's
// audit found two places where it did not): a record the source returns without its id field is
// ignored by a run ("without id ignored"), so the test run gives it an error and leaves it out of the
// BatchSave preview; records of the sample mapped to one target number, or to a number another
// source record of the scheme holds, are refused by a run (numberTakenError), and by the test run
// too, naming the holder, without claiming anything.
import type { SourceClient, SourcePage } from "@qiao/connectors";
import { afterEach, describe, expect, test } from "vitest";
import type { TestRunResult } from "./test-run";
import { runToEnd, simulate, targetConfig, testContext, wrapClients, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("testrunaudit");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

type Body = { data: { Model: Record<string, unknown>[] } };

describe("the test run is faithful to a real run", () => {
  test("a record without its id field: a run ignores it, so the test run must not show it as a record the target receives", async () => {
    sim = await simulate(t.db, { shops: 5 });
    // The source returns its first shop without `id` (the scheme's id field).
    let dropped: string | undefined;
    const ctx = testContext(t.db, {
      getConnector: wrapClients({
        guanyi: (real): SourceClient => ({
          ...real,
          async *readPages(req) {
            for await (const p of real.readPages(req)) {
              const records = p.records.map((r, i) => {
                if (i !== 0) return r;
                const { id: _id, ...rest } = r;
                dropped = String(rest.code);
                return rest;
              });
              yield { ...p, records } satisfies SourcePage;
            }
          },
        }),
      }),
    });
    const scheme = await sim.createScheme();

    // What a real run does with these five records: four written, the one without id ignored.
    const real = await sim.requestRun(scheme.id, "manual");
    await runToEnd(ctx, real.id);
    expect(await t.db.run.findUniqueOrThrow({ where: { id: real.id } })).toMatchObject({ status: "succeeded", written: 4, failed: 0 });
    expect(sim.kingdee.stats().customers).toBe(4);
    expect(dropped).toBeDefined();

    // The test run of the same records.
    const dry = await sim.requestRun(scheme.id, "test", { options: { sampleSize: 5 } });
    await runToEnd(ctx, dry.id);
    const result = (await t.db.run.findUniqueOrThrow({ where: { id: dry.id } })).result as unknown as TestRunResult;
    expect(result.records).toHaveLength(5);
    const body = result.request as Body;
    // The BatchSave the test run shows must hold only what a run would send: not the shop without id.
    expect(body.data.Model.map((m) => m.FNumber)).not.toContain(dropped);
    const without = result.records.filter((r) => r.sourceId === "");
    expect(without).toHaveLength(1);
    expect(without[0]!.errors[0]).toMatchObject({ field: "id", message: expect.stringContaining("运行时会忽略这条记录") });
  }, 60_000);

  test("records of the sample mapped to one target number: a run refuses all but one, the test run shows them all as clean", async () => {
    sim = await simulate(t.db, { shops: 4 });
    const ctx = testContext(t.db);
    // A mistake the test run is there to catch: FNumber mapped to a value the shops share.
    const scheme = await sim.createScheme((d) => {
      targetConfig(d).mapping.FNumber = "SHOP-SAME";
    });

    const dry = await sim.requestRun(scheme.id, "test", { options: { sampleSize: 4 } });
    await runToEnd(ctx, dry.id);
    const result = (await t.db.run.findUniqueOrThrow({ where: { id: dry.id } })).result as unknown as TestRunResult;

    const real = await sim.requestRun(scheme.id, "manual");
    await runToEnd(ctx, real.id);
    const run = await t.db.run.findUniqueOrThrow({ where: { id: real.id } });
    // The real run: one customer written, the other three refused (their number is the first's).
    expect(run).toMatchObject({ written: 1, failed: 3 });
    const refused = await t.db.runOutcome.findMany({ where: { runId: real.id, status: "failed" } });
    expect(refused[0]!.error).toContain("已属于本方案的另一条源记录");

    // The test run should say the same of the same four records.
    const refusedInTest = result.records.filter((r) => r.errors.length > 0);
    expect(refusedInTest).toHaveLength(3);
    expect(refusedInTest.map((r) => r.errors[0]!.messageEn)).toEqual(refusedInTest.map(() => expect.stringContaining(`belongs to another source record of this scheme, "${result.records[0]!.sourceId}"`)));
    // Nothing claimed by the test run: the one claim is the real run's.
    expect(await t.db.targetNumberClaim.count({ where: { schemeId: scheme.id } })).toBe(1);
  }, 60_000);

  test("a number another source record holds: refused as a run would, unless a run would hand it over", async () => {
    sim = await simulate(t.db, { shops: 3 });
    const ctx = testContext(t.db);
    const scheme = await sim.createScheme();
    const first = await sim.requestRun(scheme.id, "test", { options: { sampleSize: 3 } });
    await runToEnd(ctx, first.id);
    const clean = (await t.db.run.findUniqueOrThrow({ where: { id: first.id } })).result as unknown as TestRunResult;
    expect(clean.records.every((r) => r.errors.length === 0)).toBe(true);
    const taken = clean.records[1]!;
    const number = String(taken.payload.FNumber);

    // Another staged record of the scheme holds that number, and a send under it may have written.
    const other = await t.db.sourceRecord.create({ data: { schemeId: scheme.id, sourceId: "OTHER", data: {}, payloadHash: "x", status: "written" } });
    await t.db.targetNumberClaim.create({ data: { schemeId: scheme.id, number, sourceRecordId: other.id, sends: 1 } });
    const dry = await sim.requestRun(scheme.id, "test", { options: { sampleSize: 3 } });
    await runToEnd(ctx, dry.id);
    const result = (await t.db.run.findUniqueOrThrow({ where: { id: dry.id } })).result as unknown as TestRunResult;
    expect(result.records.map((r) => r.errors.map((e) => e.message))).toEqual([[], [expect.stringContaining("已属于本方案的另一条源记录 “OTHER”")], []]);
    expect((result.request as Body).data.Model.map((m) => m.FNumber)).not.toContain(number);

    // No send under it wrote and its holder is settled: a run hands it over, so no error.
    await t.db.targetNumberClaim.updateMany({ where: { schemeId: scheme.id, number }, data: { sends: 0 } });
    const again = await sim.requestRun(scheme.id, "test", { options: { sampleSize: 3 } });
    await runToEnd(ctx, again.id);
    const free = (await t.db.run.findUniqueOrThrow({ where: { id: again.id } })).result as unknown as TestRunResult;
    expect(free.records.every((r) => r.errors.length === 0)).toBe(true);
    expect(await t.db.targetNumberClaim.findMany({ where: { schemeId: scheme.id } })).toEqual([expect.objectContaining({ number, sourceRecordId: other.id, sends: 0 })]);
    expect(sim.kingdee.stats().customers).toBe(0);
  }, 60_000);
});
