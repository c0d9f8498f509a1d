// Issue #13, "Done when" (engine half; the worker's test shows the release happening by itself):
// the seeded 发货单→销售出库单 scheme looks its customer and materials up in what 店铺→客户 and
// 商品→物料 wrote. Run first, its records wait (nothing sent, no ERP call for the lookups); once the
// master data is written, a dependency run writes each waiting bill exactly once; a record that
// waits past the limit fails with the reason.
import { DEMO_NAMES, seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition } from "@qiao/core";
import { expireWaiting } from "@qiao/db";
import { afterEach, describe, expect, test } from "vitest";
import type { EngineContext } from "./context";
import { billRows, expectedBills, forgetSchemes, runScheme } from "./testing/bills";
import { simulate, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("lookups");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await forgetSchemes(t.db);
});

const run = (ctx: EngineContext, s: Simulated, schemeId: string, trigger: "manual" | "dependency" = "manual") => runScheme(t.db, ctx, s, schemeId, trigger);

const queries = (s: Simulated) => s.kingdee.stats().calls.ExecuteBillQuery ?? 0;
const saves = (s: Simulated) => (s.kingdee.stats().calls.BatchSave ?? 0) + (s.kingdee.stats().calls.Save ?? 0);
const target = targetConfig;

describe("lookups across schemes", () => {
  test("出库单 first: its records wait (0 sent, no ERP call); after 客户 and 物料 every bill is written exactly once", { timeout: 180_000 }, async () => {
    sim = await simulate(t.db, { shops: 10, items: 20, deliveries: 40 });
    const ctx = testContext(t.db);
    // The three schemes exist (the lookups name them); none has run.
    const shops = await sim.createScheme(undefined, seedSchemeDefinition);
    const items = await sim.createScheme(undefined, seedItemsSchemeDefinition);
    const deliveries = await sim.createScheme(undefined, seedDeliveriesSchemeDefinition);
    const expected = expectedBills(sim);

    const queriesBefore = queries(sim);
    const first = await run(ctx, sim, deliveries.id);
    // Rowless deliveries fail (no rows to send, whatever their customer); every other one waits.
    expect(first).toMatchObject({ status: "partial", written: 0, failed: expected.rowless, waiting: expected.length });
    expect(saves(sim)).toBe(0);
    expect(queries(sim)).toBe(queriesBefore);
    const waiting = await t.db.sourceRecord.findMany({ where: { schemeId: deliveries.id, status: "waiting" } });
    expect(waiting).toHaveLength(expected.length);
    expect(waiting[0]!.lastError).toContain(`等待依赖：方案 “${DEMO_NAMES.shops}” 尚未写入`);
    const reasons = await t.db.waitingRecord.findMany({ where: { schemeId: deliveries.id } });
    // Each waits for both schemes (its shop and its first item are not written yet).
    expect(new Set(reasons.map((r) => r.waitsFor))).toEqual(new Set([DEMO_NAMES.shops, DEMO_NAMES.items]));
    expect(reasons).toHaveLength(expected.length * 2);

    // Customers only: the bills still wait, now only for their materials (no bill goes out without one).
    expect(await run(ctx, sim, shops.id)).toMatchObject({ status: "succeeded" });
    const savesOfShops = saves(sim);
    const partly = await run(ctx, sim, deliveries.id, "dependency");
    expect(partly).toMatchObject({ written: 0, waiting: expected.length });
    expect(saves(sim)).toBe(savesOfShops);
    const since = new Map(reasons.map((r) => [r.sourceRecordId, r.since.getTime()]));
    const still = await t.db.waitingRecord.findMany({ where: { schemeId: deliveries.id } });
    expect(still.map((r) => r.waitsFor)).toEqual(still.map(() => DEMO_NAMES.items));
    // A record that waits again keeps the time it began to wait.
    expect(still.every((r) => r.since.getTime() === since.get(r.sourceRecordId))).toBe(true);

    expect(await run(ctx, sim, items.id)).toMatchObject({ status: "succeeded" });
    const savesBefore = saves(sim);
    const queriesBeforeRelease = queries(sim);
    const released = await run(ctx, sim, deliveries.id, "dependency");
    expect(released).toMatchObject({ status: "succeeded", written: expected.length, waiting: 0, failed: 0 });
    expect(queries(sim)).toBe(queriesBeforeRelease);
    expect(saves(sim) - savesBefore).toBe(Math.ceil(expected.length / target(deliveries.definition).batchSize));
    expect(await t.db.waitingRecord.count({ where: { schemeId: deliveries.id } })).toBe(0);

    // Counted in 金蝶: each bill once, with the customer and materials the other schemes wrote.
    const rows = billRows(sim);
    expect(new Set(rows.map((r) => r.billNo))).toEqual(new Set(expected.map((b) => b.code)));
    expect(rows).toHaveLength(expected.flatMap((b) => b.lines).length);
    expect(sim.kingdee.stats().duplicateAttempts).toBe(0);
    const record = await t.db.runOutcome.findFirstOrThrow({ where: { runId: released.id, sourceId: expected[0]!.code } });
    const store = sim.guanyi.state.deliveries;
    const delivery = Array.from({ length: store.size }, (_, i) => store.get(i)).find((d) => d.code === expected[0]!.code)!;
    expect(record.payload).toMatchObject({ FCustomerID: delivery.shop_code, FEntity: expect.arrayContaining([expect.objectContaining({ FMaterialID: expected[0]!.lines[0]!.item })]) });

    // A run with nothing waiting sends nothing again.
    const again = await run(ctx, sim, deliveries.id);
    expect(again).toMatchObject({ written: 0, waiting: 0 });
    expect(saves(sim) - savesBefore).toBe(Math.ceil(expected.length / target(deliveries.definition).batchSize));
  });

  test("a record that waits past the limit fails with what it waited for; the others keep waiting", { timeout: 120_000 }, async () => {
    sim = await simulate(t.db, { shops: 5, items: 10, deliveries: 10 });
    const ctx = testContext(t.db);
    await sim.createScheme(undefined, seedSchemeDefinition);
    await sim.createScheme(undefined, seedItemsSchemeDefinition);
    const deliveries = await sim.createScheme((d) => (d.waitLimitHours = 1), seedDeliveriesSchemeDefinition);
    const other = await sim.createScheme((d) => (target(d).mapping.FNote = "另一个"), seedDeliveriesSchemeDefinition);
    await run(ctx, sim, deliveries.id);
    expect(await run(ctx, sim, other.id)).toMatchObject({ status: "partial" });
    const waitingBefore = await t.db.sourceRecord.count({ where: { schemeId: other.id, status: "waiting" } });
    expect(waitingBefore).toBeGreaterThan(0);

    // Two hours later: past this scheme's one hour, inside the default 72 hours of the other.
    const expired = await expireWaiting(t.db, 72, new Date(Date.now() + 2 * 3_600_000));
    expect(expired).toEqual([{ schemeId: deliveries.id, failed: expect.any(Number) }]);
    const failed = await t.db.sourceRecord.findMany({ where: { schemeId: deliveries.id, status: "failed", lastError: { contains: "等待依赖超过 1 小时" } } });
    expect(failed).toHaveLength(expired[0]!.failed);
    expect(failed[0]!.lastError).toContain(DEMO_NAMES.shops);
    expect(await t.db.sourceRecord.count({ where: { schemeId: deliveries.id, status: "waiting" } })).toBe(0);
    expect(await t.db.waitingRecord.count({ where: { schemeId: deliveries.id } })).toBe(0);
    expect(await t.db.sourceRecord.count({ where: { schemeId: other.id, status: "waiting" } })).toBe(waitingBefore);
  });

  test("a lookup naming a scheme that no longer exists fails the run, naming it", async () => {
    sim = await simulate(t.db, { shops: 3, items: 3, deliveries: 3 });
    const ctx = testContext(t.db);
    const deliveries = await sim.createScheme((d) => (target(d).mapping.FCustomerID = "{{lookup('已删除的方案', shop_code)}}"), seedDeliveriesSchemeDefinition);
    const failed = await run(ctx, sim, deliveries.id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toContain("已删除的方案");
    expect(saves(sim)).toBe(0);
  });
});
