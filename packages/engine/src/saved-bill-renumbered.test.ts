// A saved bill (已保存未审核) whose FBillNo mapping changed before the retry is not saved a second
// time under the new number (session 32's audit of its own changes; failing before its fix). The
// retry saw its record "changed" (fresh mapping ≠ saved payload), reopened the bill under its OLD
// number (CancelAssign) and made the record pending; the mark's renumber check only fires for rows
// with a written hash, which a bill only ever saved has not, so the upsert looked the NEW number up,
// found nothing and created a second 销售出库单 beside the reopened one. auditSavedBills now leaves
// such a bill saved, saying its number changed, as the mark does for a written record.
import { seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition } from "@qiao/core";
import { afterEach, expect, test } from "vitest";
import { billRows, runToEnd, simulate, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("auditsavedrenum");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

test("upsert: a saved bill whose FBillNo mapping changed is not saved a second time under the new number by the retry", async () => {
  const s = await simulate(t.db, { shops: 10, items: 20, deliveries: 12 });
  sim = s;
  const ctx = testContext(t.db);
  const runOf = async (schemeId: string, trigger: "manual" | "retry" = "manual", extra = {}) => {
    const r = await s.requestRun(schemeId, trigger, extra);
    expect((await runToEnd(ctx, r.id)).kind).toBe("finished");
    return t.db.run.findUniqueOrThrow({ where: { id: r.id } });
  };
  for (const base of [seedSchemeDefinition, seedItemsSchemeDefinition]) await runOf((await s.createScheme(undefined, base)).id);
  const deliveries = await s.createScheme((d) => {
    targetConfig(d).mode = "upsert";
    targetConfig(d).audit = "separate";
    targetConfig(d).options = { IsAutoSubmitAndAudit: false, IsVerifyBaseDataField: true };
    targetConfig(d).entries.FEntity!.mapping.FStockID = "CK001";
  }, seedDeliveriesSchemeDefinition);

  // No stock: every bill is saved, its audit refused (负库存).
  const first = await runOf(deliveries.id);
  expect(first.saved).toBeGreaterThan(0);
  const saved = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, status: "saved" }, orderBy: { id: "asc" } });
  const code = saved.sourceId;
  expect(saved.targetNumber).toBe(code);
  expect(billRows(s).some((r) => r.billNo === code)).toBe(true);

  // A new version puts a prefix on FBillNo; stock arrives; the user retries the saved bills.
  await s.saveVersion(deliveries.id, (d) => {
    targetConfig(d).mapping.FBillNo = "GY-{{code}}";
  });
  for (const row of billRows(s)) s.kingdee.forms.stock.set("100", "CK001", row.material, 1_000_000);
  await runOf(deliveries.id, "retry", { options: { scope: "scheme" } });

  // One delivery, one 销售出库单.
  const numbers = new Set(billRows(s).map((r) => r.billNo));
  expect([...numbers].filter((n) => n.endsWith(code))).toEqual([code]);
}, 90_000);
