// Retry policy × records waiting for a dependency: a dead letter (死信) whose bill changed at the
// source and that then waited too long for a dependency is a data failure (a person must act), not a
// transient dead letter, and no automatic retry is due for it (session 32).
//
// Defect (failing before its fix): the record's retry state (error_class, retry_step, retry_at,
// dead_at, retry_prior) outlived the change. Staging's ON CONFLICT made the changed failed row pending
// but kept them, recordWaiting (waiting.ts) made it `waiting` and kept them, and expireWaiting
// (waiting-release.ts) failed it after the wait limit, again with them: it came back listed in the 死信
// tab, counted as a dead letter, class transient, with the reason "等待依赖超过 … 小时"; with a retry_at
// still set, an automatic retry took the expired wait.
// Fix: staging (stage-conflict.ts) clears them when a failed row stops being failed, recordWaiting
// clears them, and expireWaiting fails the record as class `data` without a due time or dead-letter mark.
import { seedDeliveriesSchemeDefinition } from "@qiao/core";
import { expireWaiting, listFailedRecords } from "@qiao/db";
import { afterEach, expect, test } from "vitest";
import { forgetSchemes, runScheme, writeMasterData } from "./testing/bills";
import { simulate, testContext, type Simulated } from "./testing/harness";
import { runToEnd } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("wait_retry_state");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await forgetSchemes(t.db);
});

test("a dead letter that changed and then waited too long for a dependency is not a dead letter of class transient", { timeout: 120_000 }, async () => {
  sim = await simulate(t.db, { shops: 2, items: 3, deliveries: 0 });
  const ctx = testContext(t.db, { connectorDefaults: { qps: 1000 } });
  await writeMasterData(t.db, ctx, sim);
  const shop = sim.guanyi.state.shops.get(0).code;
  const sku = sim.guanyi.state.items.get(0).skus[0]!.code;
  sim.guanyi.addDeliveries([{ code: "SDO-AUDIT-1", shop_code: shop, delivery: 2, details: [{ sku_code: sku, qty: 1 }] }]);
  const deliveries = await sim.createScheme((d) => {
    d.retry = { backoffMs: [300] };
  }, seedDeliveriesSchemeDefinition);

  // 金蝶 busy (网控, transient) for the run and for its one automatic retry: a dead letter.
  sim.kingdee.injectNext({ fault: "netControl", service: "BatchSave" }, { fault: "netControl", service: "BatchSave" });
  expect(await runScheme(t.db, ctx, sim, deliveries.id)).toMatchObject({ failed: 1 });
  await new Promise((r) => setTimeout(r, 400));
  const retry = await sim.requestRun(deliveries.id, "retry", { options: { scope: "scheme", automatic: true } });
  await runToEnd(ctx, retry.id);
  const dead = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: deliveries.id, sourceId: { not: "" } } });
  expect(dead).toMatchObject({ status: "failed", errorClass: "transient" });
  expect(dead.deadAt).not.toBeNull();

  // The bill changes at the source: its line now names a new item that 物料 has not written (yet).
  sim.guanyi.addItems([{ code: "AUDIT-NEW-ITEM", name: "新物料" }]);
  await new Promise((r) => setTimeout(r, 1_100)); // the source's modify times are whole seconds
  sim.guanyi.modifyDeliveries([{ code: "SDO-AUDIT-1", details: [{ sku_code: "AUDIT-NEW-ITEM", qty: 1 }] }]);
  const next = await runScheme(t.db, ctx, sim, deliveries.id);
  expect(next.waiting).toBe(1);

  // It waits past the limit and fails for that reason.
  const later = new Date(Date.now() + 100 * 3_600_000);
  expect(await expireWaiting(t.db, 24, later)).toEqual([{ schemeId: deliveries.id, failed: 1 }]);
  const expired = await t.db.sourceRecord.findUniqueOrThrow({ where: { id: dead.id } });
  expect(expired.status).toBe("failed");
  expect(expired.lastError).toContain("等待依赖超过");

  // Not a dead letter of the retry policy: its automatic retries did not run out for this failure.
  const deadLetters = await listFailedRecords(t.db, { schemeId: deliveries.id, afterId: 0n, limit: 10, only: "dead" });
  // (Unclassified counts as data: null or "data" both say a person must act.)
  expect({ deadLetters: deadLetters.length, transient: expired.errorClass === "transient", deadAt: expired.deadAt, retryAt: expired.retryAt }).toEqual({
    deadLetters: 0,
    transient: false,
    deadAt: null,
    retryAt: null,
  });
});
