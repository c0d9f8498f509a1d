// Base data per 使用组织: a scheme writing customers for org 101, whose numbers org 100 already has
// (金蝶 keeps one copy per organisation), gets an unknown outcome. The lookup after the wait must
// look for org 101's copy: org 100's says nothing of our write. Before, the first row with the
// number answered, the records were marked written, and org 101 never got its customers.
import { afterEach, expect, test } from "vitest";
import { runToEnd, simulate, targetConfig, testContext, type Simulated } from "../testing/harness";
import { useTestDb } from "../testing/use-test-db";

const t = useTestDb("perorg");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const byOrg = (s: Simulated) => {
  const counts: Record<string, number> = {};
  for (const c of s.kingdee.store.list()) {
    const org = (c.FUseOrgId as { FNumber?: string } | undefined)?.FNumber ?? "?";
    counts[org] = (counts[org] ?? 0) + 1;
  }
  return counts;
};

test("an unknown create in org 101 is looked up in org 101: another organisation's copy of the number is not our write", async () => {
  sim = await simulate(t.db, { shops: 100 });
  const ctx = testContext(t.db, { unknownOutcomeWaitMs: 300 });
  // Org 100's scheme has written every shop as a customer of 100.
  const org100 = await sim.createScheme();
  const first = await sim.requestRun(org100.id, "manual");
  expect((await runToEnd(ctx, first.id)).kind).toBe("finished");
  expect(byOrg(sim)).toEqual({ "100": 100 });

  // Org 101's scheme writes the same shops; its first BatchSave is answered 500 before it commits.
  const org101 = await sim.createScheme((d) => {
    targetConfig(d).mapping.FCreateOrgId = "101";
    targetConfig(d).mapping.FUseOrgId = "101";
  });
  sim.kingdee.injectNext({ fault: "http500", service: "BatchSave" });
  const r = await sim.requestRun(org101.id, "manual");
  expect((await runToEnd(ctx, r.id)).kind).toBe("finished");

  expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "succeeded", written: 100, unknown: 0, failed: 0 });
  // Found absent in 101 and sent once more: each organisation holds each number once.
  expect(byOrg(sim)).toEqual({ "100": 100, "101": 100 });
  expect(sim.kingdee.stats()).toMatchObject({ duplicateAttempts: 0 });
  const ids101 = new Set(
    sim.kingdee.store
      .list()
      .filter((c) => (c.FUseOrgId as { FNumber: string }).FNumber === "101")
      .map((c) => String(c.FCUSTID)),
  );
  const written = await t.db.sourceRecord.findMany({ where: { schemeId: org101.id }, select: { targetId: true } });
  expect(written.filter((w) => w.targetId !== null && ids101.has(w.targetId))).toHaveLength(100);
}, 30_000);
