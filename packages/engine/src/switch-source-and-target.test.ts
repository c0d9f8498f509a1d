// A scheme built and tried against a test environment (a 管易云 test tenant and a 金蝶 test account
// set) is moved to production by saving a version that switches BOTH its source connection and its
// target connection. The staged rows are the old tenant's records: made pending for the new target
// (as a target switch alone makes them), the next run's sweep sent the test tenant's shops to the
// production 金蝶 (session 30's audit). The save now drops them (forgetOtherSource): production
// 金蝶 gets exactly the production shops.
import type { SchemeDefinition } from "@qiao/core";
import { guanyi, kingdee, splitCredentials } from "@qiao/connectors";
import { createConnection, insertSchemeVersion } from "@qiao/db";
import { createGuanyiSimulator, createKingdeeSimulator } from "@qiao/simulators";
import { afterEach, expect, test } from "vitest";
import { GUANYI_DEMO, KINGDEE_DEMO, runToEnd, simulate, sourceConfig, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("auditswitchboth");
let sim: Simulated | undefined;
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const close of closers.splice(0)) await close();
});

const context = () => testContext(t.db, { leaseMs: 10_000 });

async function run(schemeId: string) {
  const r = await sim!.requestRun(schemeId, "manual");
  const outcome = await runToEnd(context(), r.id);
  expect(outcome.kind).toBe("finished");
  return t.db.run.findUniqueOrThrow({ where: { id: r.id } });
}

test("switching source and target together (test → production) sends the new target only what the new source has", { timeout: 60_000 }, async () => {
  // The test environment: a 管易云 test tenant with 10 shops, a 金蝶 test account set.
  sim = await simulate(t.db, { shops: 10 });
  const scheme = await sim.createScheme();
  expect(await run(scheme.id)).toMatchObject({ status: "succeeded", written: 10 });
  expect(sim.kingdee.stats().customers).toBe(10);

  // Production: another 管易云 (3 shops) and another 金蝶.
  const prodGuanyi = createGuanyiSimulator({ shops: 3, seed: 99 });
  const prodGuanyiUrl = await prodGuanyi.listen(0, "127.0.0.1");
  closers.push(() => prodGuanyi.close());
  const prodKingdee = createKingdeeSimulator();
  const prodKingdeeUrl = await prodKingdee.listen(0, "127.0.0.1");
  closers.push(() => prodKingdee.close());
  const source = await createConnection(t.db, { platform: "guanyi", name: "管易云（正式）", baseUrl: prodGuanyiUrl, ...splitCredentials(guanyi.meta, GUANYI_DEMO) });
  const target = await createConnection(t.db, { platform: "kingdee", name: "金蝶（正式账套）", baseUrl: prodKingdeeUrl, ...splitCredentials(kingdee.meta, KINGDEE_DEMO) });

  // The editor saves the scheme with both connections switched (one version).
  const current = await t.db.scheme.findUniqueOrThrow({ where: { id: scheme.id } });
  const definition = structuredClone(current.definition) as unknown as SchemeDefinition;
  sourceConfig(definition).connectionId = source.id;
  targetConfig(definition).connectionId = target.id;
  await insertSchemeVersion(t.db, scheme.id, { definition }, "a0000000-0000-4000-8000-0000000000aa");

  const switched = await run(scheme.id);
  // Production 管易云 has 3 shops: production 金蝶 must get those 3 customers, not the test tenant's.
  const prodShops = [0, 1, 2].map((i) => prodGuanyi.state.shops.get(i).code).sort();
  const created = prodKingdee.store.list().map((c) => String((c as { FNumber?: unknown }).FNumber)).sort();
  expect(created, `production 金蝶's customers after the switch (run wrote ${switched.written})`).toEqual(prodShops);
  expect(switched).toMatchObject({ status: "succeeded", written: 3, failed: 0 });
  // Staging holds the production shops only, each with its own number claim.
  const staged = await t.db.sourceRecord.findMany({ where: { schemeId: scheme.id }, select: { sourceId: true, status: true } });
  expect(staged.map((r) => r.status)).toEqual(["written", "written", "written"]);
  expect(await t.db.targetNumberClaim.count({ where: { schemeId: scheme.id } })).toBe(3);
  expect(prodKingdee.stats().duplicateAttempts).toBe(0);
});
