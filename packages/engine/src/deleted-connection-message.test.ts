// A run whose scheme version names a connection that has been deleted (possible: DELETE
// /api/connections/:id looks only at schemes' current definitions) fails with two issues, the second
// of them false: "源节点 “source” 的平台 “guanyi” 未知：可用的平台有 kingdee". loadRun builds the
// catalog of connectors from the connection rows it found, so the platform of a deleted connection is
// reported as unsupported — sending the person to look for a missing connector instead of a connection.
// (session 31's audit; failing before: loadRun now knows the platforms the nodes name.)
// Nothing is sent: the run fails before any call (asserted on the simulators' counters).
import { render, storedMessage } from "@qiao/core";
import { afterEach, describe, expect, test } from "vitest";
import { executeRun } from "./execute-run";
import { simulate, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("engine_delconn");
let sim: Simulated | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("audit: a run whose connection was deleted", () => {
  test("says the connection is gone, and does not call its platform unknown", async () => {
    sim = await simulate(t.db, { shops: 3 });
    const scheme = await sim.createScheme();
    const requested = await sim.requestRun(scheme.id, "manual");
    await t.db.connection.delete({ where: { id: sim.sourceConnectionId } });

    expect((await executeRun(testContext(t.db), requested.id)).kind).toBe("finished");
    const run = await t.db.run.findUniqueOrThrow({ where: { id: requested.id } });
    expect(run.status).toBe("failed");
    expect(run.error).toContain("所选的连接不存在");
    expect(sim.guanyi.state.stats.calls).toEqual({});
    expect(sim.kingdee.stats()).toMatchObject({ customers: 0 });
    // The 管易云 platform is supported; only the connection is gone.
    expect(run.error).not.toMatch(/平台 “guanyi” 未知/);
    expect(render(storedMessage(run.errorMessage)!, "en")).not.toMatch(/unknown platform/);
  });
});
