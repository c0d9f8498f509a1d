// Connectors' error classification (session 27's audit; fixed in kingdee/client.ts: a read cut off
// is `network`, retried, never unknown): the 金蝶 connector's ExecuteBillQuery before an upsert's
// save — a READ — whose connection was reset on every try threw kind "unknown_outcome" out of
// `write()` although no BatchSave was sent (TargetClient.write: "throws only when nothing of the batch
// reached the target"). The engine took a thrown unknown_outcome for a write that may have been
// processed, records the batch `unknown` with `unknown_after_send` set, and after the wait its lookup
// finds the bill audited by the FIRST run's save: audited + answered after the send → written. The
// new payload is recorded written while 金蝶 keeps the old 快递单号, and every later run skips it.
// Same scenario as audited-update-unsent.test.ts, with a dropped connection instead of HTTP 500.
import { seedDeliveriesSchemeDefinition } from "@qiao/core";
import { afterEach, describe, expect, test } from "vitest";
import type { EngineContext } from "../context";
import { expectedBills, runScheme as runSchemeToEnd, simulate, type Simulated, targetConfig, testContext, writeMasterData } from "../testing/harness";
import { useTestDb } from "../testing/use-test-db";

const t = useTestDb("presavereset");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const runScheme = (ctx: EngineContext, schemeId: string) => runSchemeToEnd(t.db, ctx, sim!, schemeId);

describe("upsert with IsAutoSubmitAndAudit: the lookup before the save loses its connection", () => {
  test("an update that was never sent is not recorded as written", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 10, items: 20, deliveries: 6 });
    const plain = testContext(t.db);
    await writeMasterData(t.db, plain, sim);
    const deliveries = await sim.createScheme((d) => {
      targetConfig(d).mode = "upsert";
      targetConfig(d).options = { IsAutoSubmitAndAudit: true, IsVerifyBaseDataField: true, InterationFlags: "STK_InvCheckResult" };
    }, seedDeliveriesSchemeDefinition);
    const expected = expectedBills(sim);
    expect(await runScheme(plain, deliveries.id)).toMatchObject({ written: expected.length });
    const code = expected[0]!.code;
    const billOf = () => sim!.kingdee.forms.outstock.list().find((b) => b.FBillNo === code)!;
    expect(billOf().FDocumentStatus).toBe("C");
    const oldCarriage = billOf().FCarriageNO;

    sim.guanyi.modifyDeliveries([{ code, set: { express_no: "SF-NEW-0002" } }]);
    const ctx = testContext(t.db, { connectorDefaults: { qps: 1000, timeoutMs: 2_000, maxRetries: 1 }, unknownOutcomeWaitMs: 500 });
    const savesBefore = sim.kingdee.stats().calls.BatchSave ?? 0;
    // The upsert's lookup (a read) loses its connection on both tries: no BatchSave is made.
    sim.kingdee.injectNext({ fault: "drop", service: "ExecuteBillQuery" }, { fault: "drop", service: "ExecuteBillQuery" });
    await runScheme(ctx, deliveries.id);
    expect(sim.kingdee.stats().faultsInjected).toMatchObject({ drop: 2 });
    expect((sim.kingdee.stats().calls.BatchSave ?? 0) - savesBefore).toBe(0);
    expect(billOf().FCarriageNO).toBe(oldCarriage);

    const row = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: code } });
    // 金蝶 holds the old 快递单号: the new payload must not be recorded as written.
    expect(row.status === "written" && row.writtenHash === row.payloadHash).toBe(false);
  });
});
