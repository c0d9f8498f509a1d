// A delivery changed while its bill waits for its audit, with the retry (and the runs after it) made
// later than the read window's overlap (session 32's audit; this test failed before its fix).
// Defect: saved-bill-change.test.ts showed the record `stale` after the audit only because the run
// after the audit read the delivery again (its runs follow each other within the overlap). Staging
// kept the new data and dropped the mapping key, but the audit recorded the row `written` (written
// hash = what was saved), and nothing mapped it again unless an incremental read returned the
// delivery: a retry made when stock arrives, a day later, left the record `written` while 金蝶 held
// the bill without the change.
// Fix: the retry maps each saved bill's record as it is now; when that differs from what was saved,
// the audit (create mode) still makes what was saved the written hash, but the record becomes
// `stale`, as a written record whose source changed (audit-saved.ts, recordAuditResults; upsert mode
// reopens and re-saves such a bill instead, saved-bill-upsert-change.test.ts). The engine's read
// window overlap is shortened here (readWindowOverlapMs) so that "later than the overlap" takes
// seconds, not a minute.
import { seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition } from "@qiao/core";
import { afterEach, expect, test } from "vitest";
import { billRows, runToEnd, simulate, targetConfig, testContext, type Simulated } from "./testing/harness";
import { expectedBills } from "./testing/bills";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("savedlater");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

test("a delivery changed while its bill waits for its audit is stale after an audit made later than the read window's overlap", async () => {
  const s = await simulate(t.db, { shops: 10, items: 20, deliveries: 12 });
  sim = s;
  // The read window's overlap, shortened: the runs after the wait read nothing of the change.
  const overlapMs = 2_000;
  const ctx = testContext(t.db, { readWindowOverlapMs: overlapMs });
  const runOf = async (schemeId: string, trigger: "manual" | "retry" = "manual", extra = {}) => {
    const r = await s.requestRun(schemeId, trigger, extra);
    expect((await runToEnd(ctx, r.id)).kind).toBe("finished");
    return t.db.run.findUniqueOrThrow({ where: { id: r.id } });
  };
  for (const base of [seedSchemeDefinition, seedItemsSchemeDefinition]) await runOf((await s.createScheme(undefined, base)).id);
  const deliveries = await s.createScheme((d) => {
    targetConfig(d).audit = "separate";
    targetConfig(d).options = { IsAutoSubmitAndAudit: false, IsVerifyBaseDataField: true };
    targetConfig(d).entries.FEntity!.mapping.FStockID = "CK001";
  }, seedDeliveriesSchemeDefinition);
  const expected = expectedBills(s);
  // No stock: every bill is saved, not audited.
  expect(await runOf(deliveries.id)).toMatchObject({ written: 0, saved: expected.length });

  // The first bill's delivery changes while its bill waits; the scheduled run reads the change.
  const code = expected[0]!.code;
  s.guanyi.modifyDeliveries([{ code, set: { express_no: "SF-CHANGED-1" } }]);
  await runOf(deliveries.id);
  expect((await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: code } })).status).toBe("saved");

  // Time passes; the scheme keeps running on its schedule (its window moves past the change).
  await new Promise((r) => setTimeout(r, overlapMs + 3_000));
  await runOf(deliveries.id);

  // Stock arrives; the user retries; the scheme's next run follows.
  for (const line of expected.flatMap((b) => b.lines)) s.kingdee.forms.stock.set("100", "CK001", line.item, 1_000_000);
  expect(await runOf(deliveries.id, "retry", { options: { scope: "scheme" } })).toMatchObject({ written: expected.length, saved: 0 });
  // It reads nothing: its window starts after the change.
  expect((await runOf(deliveries.id)).fetched).toBe(0);
  expect(billRows(s).find((r) => r.billNo === code)?.status).toBe("C");

  // 金蝶 holds the bill as saved, without the new 快递单号: the record must not pass for written.
  const staged = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: code } });
  expect((staged.data as { express_no: string }).express_no).toBe("SF-CHANGED-1");
  expect(staged.status).toBe("stale");
  // What 金蝶 holds (what was saved) is the written hash; the record's payload is the change.
  expect(staged.writtenHash).not.toBe(staged.payloadHash);
}, 60_000);
