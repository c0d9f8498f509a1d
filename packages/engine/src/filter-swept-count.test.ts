// The filter node and a resumed run's `filtered` counter: a pending record the sweep after the read
// (records left by earlier runs, not on any page read) records as left out stays counted when the
// attempt is handed back and the next one resumes. Session 28 listed resetReadCounters as zeroing
// that count; the resumed attempt does not read again once the read completed (phase `writing`), so
// the count the sweep added stays (session 30).
import type { WriteRequest } from "@qiao/connectors";
import type { SchemeDefinition } from "@qiao/core";
import { afterEach, describe, expect, test } from "vitest";
import { executeRun } from "./execute-run";
import { putFilterNode, runToEnd, shopsOf, simulate, targetConfig, testContext, wrapKingdeeTarget, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("filterswept");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const KEPT = ["天猫", "京东"];

describe("records left out by the sweep after the read, in a run handed back meanwhile", () => {
  test("stay counted in the run's filtered when the next attempt resumes", async () => {
    sim = await simulate(t.db, { shops: 30 });
    const shops = shopsOf(sim);
    const left = shops.filter((s) => !KEPT.includes(s.type_name));
    const template = shops.find((s) => KEPT.includes(s.type_name))!;
    const scheme = await sim.createScheme((d: SchemeDefinition) => {
      targetConfig(d).batchSize = 10;
      putFilterNode(d, [{ field: "{{type_name}}", op: "in", value: KEPT.join(",") }]);
    });
    // Pending rows an earlier run left, of shops the source no longer returns: only the sweep after
    // the read maps them. The first is left out by the condition; the next 11 are kept.
    const extra = Array.from({ length: 12 }, (_, i) => ({ ...template, id: 900_000 + i, code: `ZZ${i}`, name: `旧店铺 ${i}`, type_name: i === 0 ? "拼多多" : "天猫" }));
    for (const shop of extra) {
      await t.db.sourceRecord.create({ data: { schemeId: scheme.id, sourceId: String(shop.id), data: shop, payloadHash: "earlier", status: "pending" } });
    }
    const r = await sim.requestRun(scheme.id, "manual");
    // Attempt 1 stops (a graceful shutdown) once it sends a batch of the sweep.
    let stop = false;
    const ctx = testContext(t.db, {
      shouldStop: () => stop,
      getConnector: wrapKingdeeTarget((real) => ({
        ...real,
        async write(req: WriteRequest) {
          if (JSON.stringify(req).includes("ZZ1")) stop = true;
          return real.write(req);
        },
      })),
    });
    expect((await executeRun(ctx, r.id)).kind).toBe("handed-back");
    const between = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
    expect(between).toMatchObject({ phase: "writing", filtered: left.length + 1 });
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "pending" } })).toBeGreaterThan(0);

    expect((await runToEnd(testContext(t.db), r.id)).kind).toBe("finished");
    const done = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
    expect(done).toMatchObject({ status: "succeeded", filtered: left.length + 1, written: shops.length - left.length + 11, failed: 0 });
    expect(sim.kingdee.stats().duplicateAttempts).toBe(0);
  }, 60_000);
});
