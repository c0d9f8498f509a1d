// A filter rule on a value map (session 29): 店铺→客户 keeps the shops whose 类型 the map 平台分组 groups
// as 线上. A type the map does not list (and no default) fails its shop naming the map, never guessed
// kept or left out; once the map lists it, the next run judges the shop again (the map's content is
// in the mapping key) and writes or leaves it out.
import { createValueMap, updateValueMap } from "@qiao/db";
import { afterEach, describe, expect, test } from "vitest";
import { runScheme } from "./testing/bills";
import { putFilterNode, shopsOf, simulate, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("filtermaps");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const run = (s: Simulated, schemeId: string) => runScheme(t.db, testContext(t.db), s, schemeId);

describe("a filter rule on a value map", () => {
  test("keeps the records whose mapped value passes, fails those the map cannot map, and judges them again once the map lists them", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 120 });
    const shops = shopsOf(sim);
    const types = [...new Set(shops.map((s) => s.type_name))].sort();
    expect(types.length).toBeGreaterThanOrEqual(3);
    // The map lists every type but the last: two online, the rest offline.
    const [unlisted, ...listed] = [types[types.length - 1]!, ...types.slice(0, -1)];
    const online = new Set(listed.slice(0, 2));
    const map = await createValueMap(t.db, {
      name: "平台分组",
      description: "",
      defaultValue: null,
      entries: listed.map((type) => ({ source: type, target: online.has(type) ? "线上" : "线下" })),
    });
    const scheme = await sim.createScheme((d) => {
      targetConfig(d).mode = "upsert";
      putFilterNode(d, [{ field: "{{type_name | map('平台分组')}}", op: "eq", value: "线上" }]);
    });
    const kept = shops.filter((s) => online.has(s.type_name));
    const unmapped = shops.filter((s) => s.type_name === unlisted);
    const first = await run(sim, scheme.id);
    expect(first).toMatchObject({ fetched: 120, written: kept.length, failed: unmapped.length, filtered: 120 - kept.length - unmapped.length });
    expect(new Set(sim.kingdee.store.list().map((c) => String(c.FNumber)))).toEqual(new Set(kept.map((s) => s.code)));
    const failed = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: scheme.id, sourceId: String(unmapped[0]!.id) } });
    expect(failed).toMatchObject({ status: "failed", errorClass: "data" });
    expect(failed.lastError).toContain(`值映射 “平台分组” 中没有源值 “${unlisted}”`);

    // The map now lists it, as 线上: the next run judges those shops again and writes them.
    await updateValueMap(t.db, map.id, { entries: [...listed.map((type) => ({ source: type, target: online.has(type) ? "线上" : "线下" })), { source: unlisted, target: "线上" }] });
    const second = await run(sim, scheme.id);
    expect(second).toMatchObject({ status: "succeeded", written: unmapped.length, failed: 0 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: kept.length + unmapped.length, duplicateAttempts: 0 });
  });
});
