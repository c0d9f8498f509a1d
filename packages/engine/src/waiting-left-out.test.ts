// Session 29's audit of "a lookup whose key the other scheme's filter leaves out says so"
// (RunLookups.leftOut, recordWaits, waitReasonParts, the page log's firstWait): each test failed on
// the first version and was kept when it was fixed.
//
// One scenario (run twice: the shops' scheme named as the seed names it, then "店铺 / 客户"), several findings:
// - 店铺→客户 leaves out the shops whose name says 停用; 商品→物料 leaves out
//   one item; a shop opened after the shops' run is not staged at all (absent: "not written yet").
// - The deliveries scheme looks up 店铺→客户 twice: FCustomerID by the shop's `code` (the seed's),
//   and FNote by the shop's source id (its 管易云 id) from `platform_code`.
// - SDO-A: its shop is left out (by code).            → waits, "left out" (right).
// - SDO-B: FNote's key (by source id) is the text of the left-out shop's CODE; no shop has that id:
//          nothing is staged under it at all, so the wait is an ordinary "not written yet".
// - SDO-C: its shop is absent (not written yet) and its item is left out: two waits, two schemes.
import { DEMO_NAMES, DEMO_VALUE_MAPS, render, seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition, type Message, type SchemeDefinition } from "@qiao/core";
import { createValueMap, type Db } from "@qiao/db";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { forgetSchemes, putFilterNode, runScheme, simulate, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("leftout");
interface Scenario {
  sim: Simulated;
  deliveriesId: string;
  deliveriesRunId: string;
  hiddenCode: string;
  item0: string;
}

/** The scenario above, with the shops' scheme named `shopsName`. */
async function scenario(db: Db, shopsName: string): Promise<Scenario> {
  await forgetSchemes(db);
  const sim = await simulate(db, { shops: 3, items: 5, deliveries: 0 });
  const ctx = testContext(db);
  const [hidden, shown] = [sim.guanyi.state.shops.get(0), sim.guanyi.state.shops.get(1)];
  sim.guanyi.modifyShops([{ id: hidden.id, set: { name: `停用 ${hidden.name}` } }]);
  const shopScheme = await sim.createScheme((d) => putFilterNode(d, [{ field: "{{name}}", op: "notContains", value: "停用" }]), seedSchemeDefinition, shopsName);
  expect(await runScheme(db, ctx, sim, shopScheme.id)).toMatchObject({ status: "succeeded", written: 2, filtered: 1 });

  const item0 = sim.guanyi.state.items.get(0).code;
  const items = await sim.createScheme((d) => putFilterNode(d, [{ field: "{{code}}", op: "ne", value: item0 }]), seedItemsSchemeDefinition, DEMO_NAMES.items);
  expect(await runScheme(db, ctx, sim, items.id)).toMatchObject({ status: "succeeded", filtered: 1 });

  // Opened after the shops' run: not staged, so "not written yet" is the truth for it.
  const [late] = sim.guanyi.addShops([{ code: "SHOP-LATE", name: "新开店铺" }]);

  for (const map of DEMO_VALUE_MAPS) await createValueMap(db, { name: map.name, description: map.description, defaultValue: map.defaultValue, entries: [...map.entries] });
  const deliveries = await sim.createScheme(
    (d: SchemeDefinition) => {
      targetConfig(d).mapping.FNote = `{{lookup('${shopsName}', platform_code)}}`;
    },
    (ids) => seedDeliveriesSchemeDefinition(ids, { shops: shopsName, items: DEMO_NAMES.items, warehouses: DEMO_NAMES.warehouses }),
    DEMO_NAMES.deliveries,
  );
  const skuOf = (i: number) => sim.guanyi.state.items.get(i).skus[0]!.code;
  sim.guanyi.addDeliveries([
    { code: "SDO-A", shop_code: hidden.code, platform_code: String(shown.id), delivery: 2, details: [{ sku_code: skuOf(1), qty: 1 }] },
    { code: "SDO-B", shop_code: shown.code, platform_code: hidden.code, delivery: 2, details: [{ sku_code: skuOf(1), qty: 1 }] },
    { code: "SDO-C", shop_code: late!.code, platform_code: String(shown.id), delivery: 2, details: [{ sku_code: skuOf(0), qty: 1 }] },
  ]);
  const run = await runScheme(db, ctx, sim, deliveries.id);
  expect(run).toMatchObject({ status: "succeeded", waiting: 3 });
  return { sim, deliveriesId: deliveries.id, deliveriesRunId: run.id, hiddenCode: hidden.code, item0 };
}

const staged = (s: Scenario, sourceId: string) => t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: s.deliveriesId, sourceId } });

/** The run's first page-log line of a batch with waiting records. */
async function waitingBatchLine(s: Scenario): Promise<Message> {
  const logs = await t.db.runLog.findMany({ where: { runId: s.deliveriesRunId }, orderBy: { id: "asc" } });
  const line = logs.map((l) => (l.data as { message?: Message } | null)?.message).find((m) => m?.code === "write.batch" && (m.params as { waiting?: number }).waiting);
  expect(line).toBeDefined();
  return line!;
}

describe("left-out waits (the seed's scheme names)", () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await scenario(t.db, DEMO_NAMES.shops);
  }, 180_000);
  afterAll(async () => {
    await s?.sim.close();
  });

  test("a wait from the source-id lookup is not called 'left out' because the code lookup of the same scheme found the same text left out", async () => {
    // SDO-B waits only on FNote: lookup('店铺→客户', platform_code) by source id. No shop has the
    // source id `hiddenCode` (ids are numbers): nothing is staged under that key, nothing is filtered.
    // RunLookups kept left-out keys per scheme name, not per key field, so the verdict of the
    // by-code lookup (SDO-A's) was applied to it.
    const b = await staged(s, "SDO-B");
    expect(b.status).toBe("waiting");
    const waits = await t.db.waitingRecord.findMany({ where: { sourceRecordId: b.id } });
    expect(waits).toMatchObject([{ key: s.hiddenCode, field: "FNote" }]);
    expect(b.lastError).toContain("尚未写入");
    expect(b.lastError).not.toContain("过滤条件排除了");
    expect(waits[0]!.leftOut).toBe(false);
  });

  test("a record waiting on two schemes: the RunRecord's field is the field its reason names", async () => {
    // SDO-C waits for FCustomerID (shop not written yet) and for FEntity's FMaterialID (item left
    // out). The reason names the left-out one (namedWait); error_field was the first scheme's field
    // (recordWaiting took waits[0].field), so the run page showed the wrong field badge before the text.
    const c = await staged(s, "SDO-C");
    expect(c.status).toBe("waiting");
    expect(c.lastError).toContain(`的过滤条件排除了 “${s.item0}”`);
    const rr = await t.db.runRecord.findFirstOrThrow({ where: { runId: s.deliveriesRunId, sourceId: "SDO-C" } });
    expect(rr.error).toBe(c.lastError);
    expect(rr.error).toContain(`（字段 ${rr.errorField}）`);
  });

  test("the page log line of a batch whose example wait is left out does not say it is sent by itself, in either language", async () => {
    const line = await waitingBatchLine(s);
    const zh = render(line, "zh-CN");
    const en = render(line, "en");
    // The example is a left-out wait (SDO-A, the first of the page): the line does not end "依赖写入后
    // 自动发送" / "sent by themselves once it is written" (it ended so), and the English line gives
    // the English reason (it quoted the Chinese one); only the scheme's own name may be Chinese.
    expect(zh).toContain("过滤条件排除了");
    expect(zh).not.toContain("依赖写入后自动发送");
    expect(en).toContain("leaves out");
    expect(en).not.toContain("sent by themselves once it is written");
    expect(en.replace(/"[^"]*"/g, "")).not.toMatch(/[\u4e00-\u9fff]/);
  });
});

describe("left-out waits (a scheme name with ' / ')", () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await scenario(t.db, "店铺 / 客户");
  }, 180_000);
  afterAll(async () => {
    await s?.sim.close();
  });

  test("the page log's example of a wait is the whole Chinese reason", async () => {
    // firstWait was waitReason(…).split(" / ")[0]: the first " / " is the scheme name's, not the one
    // between the Chinese and the English text; the line read "（例如：等待依赖：方案 “店铺），…".
    const firstWait = ((await waitingBatchLine(s)).params as { firstWait: string }).firstWait;
    expect(firstWait).toContain("（字段 ");
  });
});
