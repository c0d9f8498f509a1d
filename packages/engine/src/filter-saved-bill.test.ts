// The filter node and bills saved but not audited (已保存未审核): a retry does not audit a bill whose
// delivery the condition now leaves out (it would move stock for a delivery excluded since); the
// bill stays saved with the reason. Session 28's audit; failed before the fix.
import { seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterEach, expect, test } from "vitest";
import { billRows, putFilterNode, runToEnd, simulate, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("filtersaved");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Only deliveries with a 快递单号 become 销售出库单. */
const withFilter = (d: SchemeDefinition) => putFilterNode(d, [{ field: "{{express_no}}", op: "notEmpty", value: "" }]);

test("a saved bill whose delivery the condition now leaves out is not audited by the retry", async () => {
  sim = await simulate(t.db, { shops: 10, items: 20, deliveries: 12 });
  const ctx = testContext(t.db);
  const runOf = async (schemeId: string, trigger: "manual" | "retry" = "manual", extra = {}) => {
    const r = await sim!.requestRun(schemeId, trigger, extra);
    expect((await runToEnd(ctx, r.id)).kind).toBe("finished");
    return t.db.run.findUniqueOrThrow({ where: { id: r.id } });
  };
  for (const base of [seedSchemeDefinition, seedItemsSchemeDefinition]) {
    const scheme = await sim.createScheme(undefined, base);
    await runOf(scheme.id);
  }
  const deliveries = await sim.createScheme((d) => {
    targetConfig(d).audit = "separate";
    targetConfig(d).options = { IsAutoSubmitAndAudit: false, IsVerifyBaseDataField: true };
    targetConfig(d).entries.FEntity!.mapping.FStockID = "CK001";
    withFilter(d);
  }, seedDeliveriesSchemeDefinition);
  // No stock: every bill is saved, not audited.
  const first = await runOf(deliveries.id);
  expect(first.saved).toBeGreaterThan(1);
  const saved = await t.db.sourceRecord.findMany({ where: { schemeId: deliveries.id, status: "saved" }, orderBy: { id: "asc" } });
  const code = saved[0]!.sourceId;

  // The delivery loses its 快递单号 (the condition leaves it out now) while its bill waits for stock.
  sim.guanyi.modifyDeliveries([{ code, set: { express_no: null } }]);
  await runOf(deliveries.id);
  // The read keeps it `saved` (only an audit may follow a saved bill), still listed for a retry.
  expect((await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: code } })).status).toBe("saved");

  // Stock arrives; the user retries the scheme's failed and saved records.
  for (const row of billRows(sim)) sim.kingdee.forms.stock.set("100", "CK001", row.material, 1_000_000);
  const retry = await runOf(deliveries.id, "retry", { options: { scope: "scheme" } });

  // The bill of the delivery left out is not audited: 金蝶 keeps it as it was (not approved), and the
  // retry does not count it written.
  const statusOf = billRows(sim).find((r) => r.billNo === code)?.status;
  expect.soft(statusOf).not.toBe("C");
  expect(retry.written).toBe(first.saved - 1);
}, 60_000);
