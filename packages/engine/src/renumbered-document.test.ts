// Session 32 (audit of documents and target numbers). Defect: in UPSERT mode a record that already
// had a document in 金蝶 (written, its number staged) was sent as a CREATE when its mapped number
// changed (a new version put a prefix on FBillNo, or the source field behind it changed): the
// connector's upsert finds documents by the payload's number only, the new number was free (claims
// are per number), so a second 销售出库单 of the same delivery was created and audited (its stock
// went out twice); a customer got a second 客户 the same way. In create mode the same record is `stale`.
// Fix: the mark does not mark a record written under another number than its payload's (or, in
// upsert mode, whose payload has none): it fails as a data failure naming both numbers, with no call
// (markSending's MarkedRecords.renumbered; docs/decisions.md session 32). The first test is the
// auditor's, failing before its fix.
import { render, message, seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition } from "@qiao/core";
import type { Delivery } from "@qiao/simulators";
import { afterEach, expect, test } from "vitest";
import { billRows, runToEnd, shopsOf, simulate, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("renumbered");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const runOf = async (s: Simulated, schemeId: string) => {
  const r = await s.requestRun(schemeId, "manual");
  expect((await runToEnd(testContext(t.db, { leaseMs: 10_000 }), r.id)).kind).toBe("finished");
  return t.db.run.findUniqueOrThrow({ where: { id: r.id } });
};

const saves = (s: Simulated) => (s.kingdee.stats().calls.BatchSave ?? 0) + (s.kingdee.stats().calls.Save ?? 0);

test("upsert: a delivery whose FBillNo mapping changed after its bill was written does not get a second bill", async () => {
  const s = await simulate(t.db, { shops: 10, items: 20, deliveries: 12 });
  sim = s;
  for (const base of [seedSchemeDefinition, seedItemsSchemeDefinition]) await runOf(s, (await s.createScheme(undefined, base)).id);
  const deliveries = await s.createScheme((d) => {
    targetConfig(d).mode = "upsert";
    targetConfig(d).entries.FEntity!.mapping.FStockID = "CK001";
  }, seedDeliveriesSchemeDefinition);
  const first = await runOf(s, deliveries.id);
  expect(first.written).toBeGreaterThan(0);
  const written = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, status: "written" }, orderBy: { id: "asc" } });
  const code = written.sourceId;
  expect(written.targetNumber).toBe(code);
  const billsBefore = new Set(billRows(s).map((r) => r.billNo)).size;
  const linesBefore = billRows(s).filter((r) => r.billNo === code);

  // The scheme's FBillNo gets a prefix; later the delivery's lines change, so it is read again.
  await s.saveVersion(deliveries.id, (d) => {
    targetConfig(d).mapping.FBillNo = "GY-{{code}}";
  });
  const store = s.guanyi.state.deliveries;
  let delivery: Delivery | undefined;
  for (let i = 0; i < store.size; i++) if (store.get(i).code === code) delivery = store.get(i);
  s.guanyi.modifyDeliveries([{ code, details: delivery!.details.map((l) => ({ sku_code: l.sku_code, qty: l.qty + 1 })) }]);
  const savesBefore = saves(s);
  const second = await runOf(s, deliveries.id);

  // One delivery, one 销售出库单, as it was; nothing was sent for it.
  const numbers = new Set(billRows(s).map((r) => r.billNo));
  expect.soft([...numbers].filter((n) => n.endsWith(code))).toEqual([code]);
  expect(numbers.size).toBe(billsBefore);
  expect(billRows(s).filter((r) => r.billNo === code)).toEqual(linesBefore);
  expect(saves(s)).toBe(savesBefore);
  // The record fails as a data failure naming both numbers, and keeps the number it was written under.
  expect(second).toMatchObject({ failed: 1, written: 0 });
  const row = await t.db.sourceRecord.findUniqueOrThrow({ where: { id: written.id } });
  expect(row).toMatchObject({ status: "failed", targetNumber: code, errorClass: "data" });
  expect(row.lastError).toContain(`已写入为 FBillNo “${code}”，映射的单据编号变为 “GY-${code}”`);
  expect(row.lastError).toContain(`"GY-${code}"`);
  // Nothing claims the new number for it (nothing was sent under it).
  expect(await t.db.$queryRaw<unknown[]>`SELECT 1 FROM target_number_claims WHERE number = ${`GY-${code}`}`).toHaveLength(0);

  // The next run leaves it failed (its payload has not changed) and sends nothing.
  expect(await runOf(s, deliveries.id)).toMatchObject({ written: 0 });
  expect(saves(s)).toBe(savesBefore);
}, 90_000);

test("upsert: a customer whose FNumber mapping changed is not created again, and is updated once the mapping is put back", async () => {
  const s = await simulate(t.db, { shops: 6 });
  sim = s;
  const scheme = await s.createScheme((d) => (targetConfig(d).mode = "upsert"));
  expect(await runOf(s, scheme.id)).toMatchObject({ status: "succeeded", written: 6 });
  expect(s.kingdee.stats().customers).toBe(6);
  const shop = shopsOf(s)[0]!;

  await s.saveVersion(scheme.id, (d) => (targetConfig(d).mapping.FNumber = "C-{{code}}"));
  s.guanyi.modifyShops([{ code: shop.code, set: { name: "改名后的店铺" } }]);
  const savesBefore = saves(s);
  const renumbered = await runOf(s, scheme.id);
  // The seed scheme reads every shop: each maps to a new number, none is sent.
  expect(renumbered).toMatchObject({ written: 0, failed: 6 });
  expect(saves(s)).toBe(savesBefore);
  expect(s.kingdee.stats()).toMatchObject({ customers: 6, duplicateAttempts: 0 });
  const row = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: scheme.id, sourceId: String(shop.id) } });
  expect(row).toMatchObject({ status: "failed", targetNumber: shop.code });
  expect(await t.db.runRecord.findFirstOrThrow({ where: { runId: renumbered.id, sourceRecordId: row.id } })).toMatchObject({ status: "failed", errorField: "FNumber" });
  expect(row.lastError).toContain(`映射的编码变为 “C-${shop.code}”`);
  expect(row.lastError).toContain(render(message("record.renumbered", { field: "FNumber", written: shop.code, now: `C-${shop.code}`, bill: false }), "en"));

  // Mapped back: the renamed shop is sent as an update of its customer; the others are as written.
  await s.saveVersion(scheme.id, (d) => (targetConfig(d).mapping.FNumber = "{{code}}"));
  expect(await runOf(s, scheme.id)).toMatchObject({ status: "succeeded", written: 1, failed: 0 });
  expect(s.kingdee.stats()).toMatchObject({ customers: 6, duplicateAttempts: 0 });
  expect(s.kingdee.store.list().filter((c) => c.FName === "改名后的店铺")).toHaveLength(1);
}, 60_000);

test("a number written in another case or width is the same number: sent as an update", async () => {
  const s = await simulate(t.db, { shops: 3 });
  sim = s;
  const scheme = await s.createScheme((d) => (targetConfig(d).mode = "upsert"));
  expect(await runOf(s, scheme.id)).toMatchObject({ written: 3 });
  const shop = shopsOf(s)[0]!;
  // As if written under the number in lower case (金蝶 compares numbers without case).
  await t.db.sourceRecord.updateMany({ where: { schemeId: scheme.id, sourceId: String(shop.id) }, data: { targetNumber: `${shop.code.toLowerCase()}  ` } });
  s.guanyi.modifyShops([{ code: shop.code, set: { name: "大小写" } }]);
  expect(await runOf(s, scheme.id)).toMatchObject({ written: 1, failed: 0 });
  expect(s.kingdee.stats()).toMatchObject({ customers: 3, duplicateAttempts: 0 });
}, 60_000);
