// A bill saved but not audited (audit "separate", 负库存) whose delivery's detail rows change before
// the retry audits it, in UPSERT mode (session 32's audit; this test failed before its fix).
// Defect: the retry audited the bill as it was saved (the old quantities moved stock), and the update
// the next run sent was refused without a call because the bill was audited by then (已审核的单据不能
// 修改): the changed quantities never reached 金蝶.
// Fix: a saved bill whose record maps to something else than what was saved is not audited in upsert
// mode; the retry reopens it (金蝶 CancelAssign, 撤销: the submission Qiao made is withdrawn), makes it
// pending, and its own write phase saves the change as an update of the same bill, then submits and
// audits it (audit-saved.ts, docs/decisions.md "Session 32: saved bills whose delivery changed").
import { seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition } from "@qiao/core";
import type { Delivery } from "@qiao/simulators";
import { afterEach, expect, test } from "vitest";
import { billRows, runToEnd, simulate, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("savedupsert");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

test("upsert: a saved bill whose delivery's quantities changed before the retry ends with the new quantities in 金蝶", async () => {
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

  // No stock in 金蝶: every bill is saved, its audit refused (负库存).
  const first = await runOf(deliveries.id);
  expect(first.saved).toBeGreaterThan(0);
  const saved = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, status: "saved" }, orderBy: { id: "asc" } });
  const code = saved.sourceId;

  // Only the delivery's detail rows change: every quantity goes up by 1.
  const store = s.guanyi.state.deliveries;
  let delivery: Delivery | undefined;
  for (let i = 0; i < store.size; i++) if (store.get(i).code === code) delivery = store.get(i);
  const newLines = delivery!.details.map((l) => ({ sku_code: l.sku_code, qty: l.qty + 1 }));
  s.guanyi.modifyDeliveries([{ code, details: newLines }]);
  await runOf(deliveries.id);

  // Stock arrives; the user retries the scheme's failed and saved records, then the scheme runs again.
  for (const row of billRows(s)) s.kingdee.forms.stock.set("100", "CK001", row.material, 1_000_000);
  const retry = await runOf(deliveries.id, "retry", { options: { scope: "scheme" } });
  // Every saved bill is audited by the retry, the changed one after it was saved again with the new
  // rows (the delivery without rows fails again, as in the first run).
  expect(retry).toMatchObject({ written: first.saved, saved: 0, failed: first.failed });
  const logs = (await t.db.runLog.findMany({ where: { runId: retry.id } })).map((l) => l.message);
  expect(logs.some((m) => m.includes("1 张的源记录在保存后已变更：已撤销提交"))).toBe(true);
  await runOf(deliveries.id);

  const expectedQty = newLines.filter((l) => l.qty > 0).reduce((a, l) => a + l.qty, 0);
  const inKingdee = billRows(s).filter((r) => r.billNo === code);
  const staged = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: code } });
  // Before the fix: 金蝶 held (and had audited, moving stock for) the old quantities, and the record
  // was `failed` with 已审核的单据不能修改.
  expect.soft(staged.lastError ?? "").not.toContain("已审核的单据不能修改");
  expect(inKingdee.reduce((a, r) => a + r.qty, 0)).toBe(expectedQty);
  // One bill under the number, audited with the new rows; the record is written as it is now.
  expect(new Set(inKingdee.map((r) => r.status))).toEqual(new Set(["C"]));
  expect(staged).toMatchObject({ status: "written", targetNumber: code });
  expect(staged.writtenHash).toBe(staged.payloadHash);
}, 90_000);
