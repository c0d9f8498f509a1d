// The filter node (过滤条件, session 28): only the shops its condition keeps become 金蝶 customers.
// The others are staged `filtered` and never sent, counted in the run's `filtered`; one that changes
// so that it passes is written by the next run; a written one that changes so that it no longer
// passes is not updated; an edited condition judges every record again. A retry of a failed record
// the edited condition now leaves out records it filtered instead of sending it. Reconciliation
// expects in 金蝶 only what the condition keeps, and takes what the scheme wrote before a record was
// left out for its own (not extra).
import type { SchemeDefinition } from "@qiao/core";
import { createReconciliation } from "@qiao/db";
import { executeReconciliation } from "./reconcile";
import { afterEach, describe, expect, test } from "vitest";
import { putFilterNode, runToEnd, shopsOf, simulate, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("filternode");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const KEPT = ["天猫", "京东"];

/** Puts a filter node between the seed's source and target (upsert mode), keeping the shops of `values` (or the others). */
const filtered =
  (values: string[], op: "in" | "notIn" = "in") =>
  (d: SchemeDefinition) => {
    targetConfig(d).mode = "upsert";
    putFilterNode(d, [{ field: "{{type_name}}", op, value: values.join(",") }]);
  };

async function run(s: Simulated, schemeId: string, trigger: "manual" | "retry" = "manual") {
  const requested = await s.requestRun(schemeId, trigger, trigger === "retry" ? { options: { scope: "scheme" } } : {});
  await runToEnd(testContext(t.db), requested.id);
  return t.db.run.findUniqueOrThrow({ where: { id: requested.id } });
}

async function statuses(schemeId: string): Promise<Record<string, number>> {
  const groups = await t.db.sourceRecord.groupBy({ by: ["status"], where: { schemeId }, _count: true });
  return Object.fromEntries(groups.map((g) => [g.status, g._count]));
}

describe("a filter node", () => {
  test("writes only the records its condition keeps, and judges each again when it changes", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 200 });
    const shops = shopsOf(sim);
    const kept = shops.filter((s) => KEPT.includes(s.type_name));
    const left = shops.filter((s) => !KEPT.includes(s.type_name));
    expect(kept.length * left.length).toBeGreaterThan(0);
    const scheme = await sim.createScheme(filtered(KEPT));

    const first = await run(sim, scheme.id);
    expect(first).toMatchObject({ status: "succeeded", fetched: 200, written: kept.length, filtered: left.length, failed: 0 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: kept.length, duplicateAttempts: 0 });
    expect(new Set(sim.kingdee.store.list().map((c) => String(c.FNumber)))).toEqual(new Set(kept.map((s) => s.code)));
    expect(await statuses(scheme.id)).toEqual({ written: kept.length, filtered: left.length });
    const logs = (await t.db.runLog.findMany({ where: { runId: first.id } })).map((l) => l.message).join("\n");
    expect(logs).toContain(`不符合过滤条件 ${left.length}`);

    // Unchanged: nothing is sent, the left-out ones are counted again.
    expect(await run(sim, scheme.id)).toMatchObject({ status: "succeeded", written: 0, skipped: kept.length, filtered: left.length });

    // A left-out shop becomes a 天猫 shop: written. A written one becomes 拼多多 and is renamed: not updated.
    const [joining] = left;
    const [leaving] = kept;
    sim.guanyi.modifyShops([
      { id: joining!.id, set: { type_name: "天猫" } },
      { id: leaving!.id, set: { type_name: "拼多多", name: "改名后不再同步" } },
    ]);
    const third = await run(sim, scheme.id);
    expect(third).toMatchObject({ status: "succeeded", written: 1, filtered: left.length, failed: 0 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: kept.length + 1, duplicateAttempts: 0 });
    const gone = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: scheme.id, sourceId: String(leaving!.id) } });
    expect(gone).toMatchObject({ status: "filtered", targetNumber: leaving!.code });
    expect(gone.writtenHash).not.toBeNull();
    expect(sim.kingdee.store.list().find((c) => c.FNumber === leaving!.code)?.FName).toBe(leaving!.name);

    // Back to 天猫 under the new name: its payload differs from what was written, so it is updated.
    sim.guanyi.modifyShops([{ id: leaving!.id, set: { type_name: "天猫" } }]);
    expect(await run(sim, scheme.id)).toMatchObject({ status: "succeeded", written: 1, filtered: left.length - 1 });
    expect(sim.kingdee.store.list().find((c) => c.FNumber === leaving!.code)?.FName).toBe("改名后不再同步");

    // The condition turned round: the shops left out so far are written, the written ones are left alone.
    await sim.saveVersion(scheme.id, filtered(KEPT, "notIn"));
    const turned = await run(sim, scheme.id);
    expect(turned).toMatchObject({ status: "succeeded", written: left.length - 1, filtered: kept.length + 1, failed: 0 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 200, duplicateAttempts: 0 });
    expect(await statuses(scheme.id)).toEqual({ written: left.length - 1, filtered: kept.length + 1 });
  });

  test("a failed record the edited condition now leaves out is recorded filtered by the retry, not sent", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 60 });
    const [shop] = shopsOf(sim).filter((s) => KEPT.includes(s.type_name));
    // A blank name: 金蝶 refuses the customer (a data failure).
    sim.guanyi.modifyShops([{ id: shop!.id, set: { name: "   " } }]);
    const scheme = await sim.createScheme(filtered(KEPT));
    const first = await run(sim, scheme.id);
    expect(first).toMatchObject({ failed: 1 });
    const customers = sim.kingdee.stats().customers;

    // The condition now leaves that shop's type out; the retry takes the failed record from staging.
    await sim.saveVersion(scheme.id, filtered(KEPT.filter((k) => k !== shop!.type_name)));
    const retry = await run(sim, scheme.id, "retry");
    expect(retry).toMatchObject({ written: 0, failed: 0, filtered: 1 });
    expect(sim.kingdee.stats().customers).toBe(customers);
    expect(await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: scheme.id, sourceId: String(shop!.id) } })).toMatchObject({ status: "filtered", lastError: null });
    expect(await t.db.runOutcome.count({ where: { runId: retry.id } })).toBe(0);
  });

  test("reconciliation expects only the records the condition keeps, and counts none the scheme wrote as extra", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 80 });
    const kept = shopsOf(sim).filter((s) => KEPT.includes(s.type_name));
    const scheme = await sim.createScheme(filtered(KEPT));
    expect(await run(sim, scheme.id)).toMatchObject({ status: "succeeded", written: kept.length });
    // A written shop is left out from now on: its customer stays in 金蝶, written by this scheme.
    sim.guanyi.modifyShops([{ id: kept[0]!.id, set: { type_name: "拼多多" } }]);
    expect(await run(sim, scheme.id)).toMatchObject({ status: "succeeded", written: 0 });
    const row = await createReconciliation(t.db, { schemeId: scheme.id, trigger: "manual", keyLimit: 1000 });
    expect((await executeReconciliation(testContext(t.db, { leaseMs: 30_000 }), row.id)).kind).toBe("finished");
    const report = await t.db.reconciliation.findUniqueOrThrow({ where: { id: row.id } });
    expect(report).toMatchObject({ status: "succeeded", sourceCount: kept.length - 1, matched: kept.length - 1, missing: 0, extra: 0 });
  });
});
