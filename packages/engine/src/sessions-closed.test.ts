// Every run attempt and reconciliation makes its own 金蝶 client, which logs in. Without a Logout each
// session stayed open on the server until it expired (200 one-minute schemes left thousands), and
// K/3 Cloud counts open sessions against the licence (session 27). The simulator counts the sessions
// it holds open: after runs and a reconciliation, none is left.
import { createReconciliation } from "@qiao/db";
import { afterEach, expect, test } from "vitest";
import { executeReconciliation } from "./reconcile";
import { runToEnd, simulate, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("sessionsclosed");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

test("runs and reconciliations end the 金蝶 session they opened", { timeout: 60_000 }, async () => {
  sim = await simulate(t.db, { shops: 30 });
  const ctx = testContext(t.db);
  const scheme = await sim.createScheme();

  const first = await sim.requestRun(scheme.id, "manual");
  expect((await runToEnd(ctx, first.id)).kind).toBe("finished");
  expect(await t.db.run.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({ status: "succeeded", written: 30 });
  expect(sim.kingdee.stats()).toMatchObject({ logins: expect.any(Number), sessions: 0 });

  // Another run (nothing changed: it writes nothing, but looks its records up in 金蝶 first).
  const second = await sim.requestRun(scheme.id, "manual");
  expect((await runToEnd(ctx, second.id)).kind).toBe("finished");
  expect(sim.kingdee.stats().sessions).toBe(0);

  const reconciliation = await createReconciliation(t.db, { schemeId: scheme.id, trigger: "manual", keyLimit: 100 });
  expect((await executeReconciliation(ctx, reconciliation.id)).kind).toBe("finished");
  expect(sim.kingdee.stats().sessions).toBe(0);
});
