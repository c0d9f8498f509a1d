// A version that switches both the source and the target sends the new target only the new source's
// records, even after a cancelled run left unknown outcomes (session 32's audit; failing before its
// fix). forgetOtherSource dropped the old tenant's staged rows but kept those `sending` or `unknown`
// (the write protocol's). Such rows outlive their run: a run cancelled while it waited for unknown
// outcomes leaves them for "the scheme's next writing run". That run is the new version's: it looked
// them up in the NEW target, where they were absent (they were sent to the old one), made them
// pending, and its sweep sent the OLD tenant's data staged on them to the new target. Now the switch
// drops them too.
import type { SchemeDefinition } from "@qiao/core";
import { guanyi, kingdee, splitCredentials } from "@qiao/connectors";
import { cancelRun, createConnection, insertSchemeVersion } from "@qiao/db";
import { createGuanyiSimulator, createKingdeeSimulator } from "@qiao/simulators";
import { afterEach, expect, test } from "vitest";
import { executeRun } from "./execute-run";
import { GUANYI_DEMO, KINGDEE_DEMO, runToEnd, simulate, sourceConfig, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("audit_switch_unknown");
let sim: Simulated | undefined;
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const close of closers.splice(0)) await close();
});

test("switching source and target after a cancelled run left unknown outcomes sends the new target only the new source's records", { timeout: 60_000 }, async () => {
  // The test environment: 300 shops; the 2nd BatchSave commits after the client gave up (unknown).
  sim = await simulate(t.db, { shops: 300 });
  sim.kingdee.setFaults({ slowCommitEvery: 2, slowCommitMs: 1_500 });
  const scheme = await sim.createScheme();
  const r = await sim.requestRun(scheme.id, "manual");
  const slow = testContext(t.db, { unknownOutcomeWaitMs: 60_000, connectorDefaults: { qps: 1000, timeoutMs: 500, maxRetries: 1 } });
  expect((await executeRun(slow, r.id)).kind).toBe("waiting");
  // 取消 while it waits (待确认): the run ends cancelled, its 100 unknown rows stay for a later run.
  await cancelRun(t.db, r.id);
  expect((await executeRun(slow, r.id)).kind).toBe("finished");
  expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "cancelled", unknown: 100 });

  // Production: another 管易云 (20 shops) and another 金蝶; one save switches both.
  const prodGuanyi = createGuanyiSimulator({ shops: 20, seed: 99 });
  const prodGuanyiUrl = await prodGuanyi.listen(0, "127.0.0.1");
  closers.push(() => prodGuanyi.close());
  const prodKingdee = createKingdeeSimulator();
  const prodKingdeeUrl = await prodKingdee.listen(0, "127.0.0.1");
  closers.push(() => prodKingdee.close());
  const source = await createConnection(t.db, { platform: "guanyi", name: "管易云（正式）", baseUrl: prodGuanyiUrl, ...splitCredentials(guanyi.meta, GUANYI_DEMO) });
  const target = await createConnection(t.db, { platform: "kingdee", name: "金蝶（正式账套）", baseUrl: prodKingdeeUrl, ...splitCredentials(kingdee.meta, KINGDEE_DEMO) });
  const definition = structuredClone(scheme.definition);
  sourceConfig(definition).connectionId = source.id;
  targetConfig(definition).connectionId = target.id;
  await insertSchemeVersion(t.db, scheme.id, { definition: definition as SchemeDefinition }, "a0000000-0000-4000-8000-0000000000aa");

  // Some minutes later (the unknown outcomes' lookup is due), the new version's run.
  await t.db.$executeRaw`UPDATE source_records SET check_after = now() WHERE scheme_id = ${scheme.id}::uuid AND status = 'unknown'`;
  const next = await sim.requestRun(scheme.id, "manual");
  expect((await runToEnd(testContext(t.db, { leaseMs: 10_000, unknownOutcomeWaitMs: 0 }), next.id)).kind).toBe("finished");

  const prodCodes = Array.from({ length: 20 }, (_, i) => prodGuanyi.state.shops.get(i).code).sort();
  const written = prodKingdee.store.list().map((c) => c.FNumber).sort();
  // Observed: production 金蝶 also gets the 100 test-tenant shops whose outcome was unknown.
  expect({ customers: written.length, foreign: written.filter((n) => !prodCodes.includes(n)).length }).toEqual({ customers: 20, foreign: 0 });
});
