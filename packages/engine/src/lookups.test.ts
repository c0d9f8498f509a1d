// Issue #13, "Done when" (engine half; the worker's test shows the release happening by itself):
// the seeded 发货单→销售出库单 scheme looks its customer and materials up in what 店铺→客户 and
// 商品→物料 wrote. Run first, its records wait (nothing sent, no ERP call for the lookups); once the
// master data is written, a dependency run writes each waiting bill exactly once; a record that
// waits past the limit fails with the reason.
import { DEMO_NAMES, seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition } from "@qiao/core";
import { expireWaiting, storedSecrets, updateConnection } from "@qiao/db";
import { createKingdeeSimulator } from "@qiao/simulators";
import { afterEach, describe, expect, test } from "vitest";
import type { EngineContext } from "./context";
import { billRows, expectedBills, forgetSchemes, runScheme } from "./testing/bills";
import { runToEnd, simulate, targetConfig, testContext, type Simulated } from "./testing/harness";
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

// Session 18 (an audit of what changes between runs): `erp_lookup` answers are shared by the runs
// of a worker process for QIAO_ERP_LOOKUP_TTL_S (ErpLookupCache). What is shared must not outlive
// what it describes: a key the user created after a record failed for want of it, or a connection
// now pointing at another 金蝶. And whatever the cache does, a looked-up field is never sent missing.
describe("erp_lookup's cache across runs", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  /** A run to its end with the worker's TTL (10 minutes by default: the process-wide cache is the worker's). */
  async function runWith(schemeId: string, opts: { trigger?: "manual" | "retry"; retryOfId?: string; erpLookupTtlMs?: number } = {}) {
    const r = await sim!.requestRun(schemeId, opts.trigger ?? "manual", opts.retryOfId ? { retryOfId: opts.retryOfId } : {});
    const outcome = await runToEnd(testContext(t.db, { erpLookupTtlMs: opts.erpLookupTtlMs ?? 600_000 }), r.id);
    expect(outcome.kind).toBe("finished");
    return t.db.run.findUniqueOrThrow({ where: { id: r.id } });
  }

  /** FDescription ← the FNumber of the 金蝶 warehouse named like the shop's code. */
  const describeByStock = (def: Parameters<NonNullable<Parameters<Simulated["createScheme"]>[0]>>[0]) => {
    target(def).mapping.FDescription = "{{code | erp_lookup('BD_STOCK', 'FName')}}";
  };
  const shopCodes = (s: Simulated) => Array.from({ length: s.guanyi.state.shops.size }, (_, i) => s.guanyi.state.shops.get(i).code);

  test("a record failed because the ERP lacked the key is written by the retry once the user created it (as the error tells them to)", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 3 });
    const scheme = await sim.createScheme(describeByStock);
    const first = await runWith(scheme.id);
    // No warehouse is named like a shop code: every record fails, telling the user to create it.
    expect(first).toMatchObject({ status: "failed", failed: 3, written: 0 });
    const failed = await t.db.sourceRecord.findMany({ where: { schemeId: scheme.id } });
    expect(failed[0]!.lastError).toContain("请先在 ERP 中建立它");

    // The user creates the three warehouses in 金蝶, then clicks 重试失败记录 (within the TTL).
    const codes = failed.map((r) => String((r.data as { code: string }).code));
    sim.kingdee.forms.baseData.add(
      "stock",
      codes.map((code, i) => ({ number: `CK9${i}`, name: code })),
    );
    const retry = await runWith(scheme.id, { trigger: "retry", retryOfId: first.id });
    expect(retry).toMatchObject({ status: "succeeded", written: 3, failed: 0 });
    expect(sim.kingdee.store.list().map((c) => c.FDescription).sort()).toEqual(["CK90", "CK91", "CK92"]);
  });

  test("found keys are shared by the next run on the connection; once it is edited to another 金蝶 (URL), it is asked again", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 3 });
    const codes = shopCodes(sim);
    // Both servers have the warehouses, under different numbers (a test and a production account set).
    sim.kingdee.forms.baseData.add("stock", codes.map((code, i) => ({ number: `OLD${i}`, name: code })));
    const other = createKingdeeSimulator();
    const otherUrl = await other.listen(0, "127.0.0.1");
    closers.push(() => other.close());
    other.forms.baseData.add("stock", codes.map((code, i) => ({ number: `NEW${i}`, name: code })));

    const before = await sim.createScheme(describeByStock, undefined, "店铺→客户（测试账套）");
    expect(await runWith(before.id)).toMatchObject({ status: "succeeded", written: 3 });
    expect(sim.kingdee.store.list().map((c) => c.FDescription).sort()).toEqual(["OLD0", "OLD1", "OLD2"]);
    // Another scheme on the unchanged connection: answered from the shared cache, no query.
    const queriesBefore = queries(sim);
    const again = await sim.createScheme(
      (def) => {
        describeByStock(def);
        target(def).mapping.FNumber = "B-{{code}}";
      },
      undefined,
      "店铺→客户（测试账套，另一个）",
    );
    expect(await runWith(again.id)).toMatchObject({ status: "succeeded", written: 3 });
    expect(queries(sim)).toBe(queriesBefore);

    // The user points the connection at the production server, and runs a scheme on it.
    // The secrets are typed again for the new address (a moved connection keeps none of the stored ones).
    const typedAgain = storedSecrets(await t.db.connection.findUniqueOrThrow({ where: { id: sim.targetConnectionId } })) ?? {};
    await updateConnection(t.db, sim.targetConnectionId, { baseUrl: otherUrl, secrets: typedAgain });
    const after = await sim.createScheme(describeByStock, undefined, "店铺→客户（正式账套）");
    expect(await runWith(after.id)).toMatchObject({ status: "succeeded", written: 3 });
    expect(other.store.list().map((c) => c.FDescription).sort()).toEqual(["NEW0", "NEW1", "NEW2"]);
  });

  test("with QIAO_ERP_LOOKUP_TTL_S=0 (caching off: for the run only) a looked-up field is filled, never sent missing", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 3 });
    sim.kingdee.forms.baseData.add("stock", shopCodes(sim).map((code, i) => ({ number: `CK9${i}`, name: code })));
    const scheme = await sim.createScheme(describeByStock, undefined, "店铺→客户（不缓存）");
    const first = await runWith(scheme.id, { erpLookupTtlMs: 0 });
    // Each warehouse exists: the customers carry its number. (Before session 18, every answer
    // expired at once, warm() gave up after 4 rounds, and the records went out without the field,
    // counted as written: later runs skipped them for good.)
    expect(sim.kingdee.store.list().map((c) => c.FDescription).sort()).toEqual(["CK90", "CK91", "CK92"]);
    expect(first).toMatchObject({ status: "succeeded", written: 3 });
  });

  test("a lookup still unanswered when the record is mapped (nested deeper than warm() fetches) fails the record, saying why; nothing is sent", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 2 });
    const codes = shopCodes(sim);
    sim.kingdee.forms.baseData.add("stock", codes.map((code, i) => ({ number: `CK9${i}`, name: code })));
    sim.kingdee.forms.baseData.add("unit", codes.map((code, i) => ({ number: `U9${i}`, name: code })));
    // Five lookups, each of the previous one's answer: warm() fetches four levels.
    const scheme = await sim.createScheme((def) => {
      target(def).mapping.FDescription =
        "{{code | erp_lookup('BD_STOCK', 'FName') | erp_lookup('BD_STOCK', 'FNumber', 'FName') | erp_lookup('BD_UNIT', 'FName') | erp_lookup('BD_UNIT', 'FNumber', 'FName') | erp_lookup('BD_UNIT', 'FName', 'FUNITID')}}";
    });
    const first = await runWith(scheme.id);
    expect(first).toMatchObject({ status: "failed", failed: 2, written: 0 });
    expect(saves(sim)).toBe(0);
    const failed = await t.db.sourceRecord.findMany({ where: { schemeId: scheme.id } });
    expect(failed.map((r) => r.status)).toEqual(["failed", "failed"]);
    expect(failed[0]!.lastError).toContain("查找结果在映射时还没有取得");
    expect(failed[0]!.lastError).toContain("这条记录没有发送");
  });
});
