// The filter node and a run's counters: a record an attempt failed that the next attempt reads as
// left out moves off the run's failed count (the run does not end partial, or alert, for it).
// Session 28's audit; failed before the fix.
import type { WriteRequest } from "@qiao/connectors";
import type { SchemeDefinition } from "@qiao/core";
import { afterEach, describe, expect, test } from "vitest";
import { executeRun } from "./execute-run";
import { putFilterNode, runToEnd, shopsOf, simulate, sourceConfig, targetConfig, testContext, wrapKingdeeTarget, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("filterresumed");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const KEPT = ["天猫", "京东"];

const withFilter = (d: SchemeDefinition) => {
  sourceConfig(d).pageSize = 10;
  // Every attempt reads every shop (no window end fixed at the first attempt): the change made
  // between the attempts is read by the second, whatever second it lands in.
  delete sourceConfig(d).params.modify_end_date;
  targetConfig(d).batchSize = 10;
  putFilterNode(d, [{ field: "{{type_name}}", op: "in", value: KEPT.join(",") }]);
};

describe("a record failed by an attempt, then left out when the next attempt reads it again", () => {
  test("the run does not end with a failure for a record that ended filtered", async () => {
    sim = await simulate(t.db, { shops: 400 });
    const [bad] = shopsOf(sim).filter((s) => KEPT.includes(s.type_name));
    // A blank name: 金蝶 refuses the customer (a data failure).
    sim.guanyi.modifyShops([{ id: bad!.id, set: { name: "   " } }]);
    // The others are modified after it: the read (by modification time) meets the refused shop first.
    sim.guanyi.modifyShops(shopsOf(sim).filter((s) => s.id !== bad!.id).map((s) => ({ id: s.id, set: { name: s.name } })));
    const scheme = await sim.createScheme(withFilter);
    const r = await sim.requestRun(scheme.id, "manual");
    // Attempt 1 stops (a graceful shutdown) once the refused shop was recorded failed.
    let stop = false;
    const ctx = testContext(t.db, {
      shouldStop: () => stop,
      getConnector: wrapKingdeeTarget((real) => ({
        ...real,
        async write(req: WriteRequest) {
          const outcomes = await real.write(req);
          // The refused shop fails before any call (its name is required): recorded with its batch.
          if ((await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).failed > 0) stop = true;
          return outcomes;
        },
      })),
    });
    const first = await executeRun(ctx, r.id);
    expect(first.kind).toBe("handed-back");
    const afterFirst = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
    expect(afterFirst).toMatchObject({ failed: 1, phase: "reading" });

    // Meanwhile the shop moves to a platform the condition leaves out.
    sim.guanyi.modifyShops([{ id: bad!.id, set: { type_name: "拼多多" } }]);
    stop = false;
    expect((await runToEnd(testContext(t.db), r.id)).kind).toBe("finished");
    const row = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: scheme.id, sourceId: String(bad!.id) } });
    expect(row.status).toBe("filtered");
    const done = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
    // Every record ended written or filtered: nothing failed.
    expect({ status: done.status, failed: done.failed }).toEqual({ status: "succeeded", failed: 0 });
  }, 60_000);
});
