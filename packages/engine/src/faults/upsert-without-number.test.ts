// Upsert finds what it wrote by the target's number field. A 销售出库单 scheme in upsert mode whose
// FBillNo is not mapped (金蝶's 编码规则 numbering the bills) created a second bill for every delivery
// that changed, with no fault at all (session 23's audit): the connector looks bills up by the
// payload's number only. Such a scheme is refused when saved, and one stored before the rule fails
// at its start, sending nothing, with what to do.
import { seedDeliveriesSchemeDefinition } from "@qiao/core";
import { afterEach, expect, test } from "vitest";
import { runToEnd, simulate, targetConfig, testContext, type Simulated } from "../testing/harness";
import { useTestDb } from "../testing/use-test-db";

const t = useTestDb("upsertnonumber");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

test("a stored upsert scheme without FBillNo fails at its start and sends nothing", { timeout: 60_000 }, async () => {
  sim = await simulate(t.db, { shops: 4, items: 6, deliveries: 5 });
  const deliveries = await sim.createScheme((d) => {
    delete targetConfig(d).mapping.FBillNo;
    targetConfig(d).mode = "upsert";
  }, seedDeliveriesSchemeDefinition);
  const queued = await sim.requestRun(deliveries.id, "manual");
  await runToEnd(testContext(t.db), queued.id);
  const run = await t.db.run.findUniqueOrThrow({ where: { id: queued.id } });
  expect(run).toMatchObject({ status: "failed", written: 0 });
  const logs = await t.db.runLog.findMany({ where: { runId: run.id }, select: { message: true, data: true } });
  expect(JSON.stringify([run.error, logs])).toContain("必须映射编码字段 FBillNo");
  expect(sim.kingdee.forms.outstock.list()).toHaveLength(0);
});
