// A retry run sends what its lookup of other runs' unknown outcomes finds absent (session 32's audit;
// failing before its fix). docs/decisions.md session 17: "Every record a lookup makes pending is sent
// by the same run". A retry (writes only the records it took: last_run_id) also settles the scheme's
// unknown outcomes left by another run (here a run cancelled while it waited for them). Its lookup
// found them absent, made them pending and logged "N 条不存在（重新发送）", then wrote only its own
// rows: the records stayed pending and the retry ended `succeeded`, leaving them for the scheme's next
// reading run (never, for a scheme nobody runs). resolveUnknown now makes the rows it makes pending
// the checking run's (adopt; not for a test run, which writes its sample only).
import { ConnectorError, type WriteRequest } from "@qiao/connectors";
import { cancelRun } from "@qiao/db";
import { afterEach, describe, expect, test } from "vitest";
import { executeRun } from "../execute-run";
import { runToEnd, simulate, testContext, wrapKingdeeTarget, type Simulated } from "../testing/harness";
import { useTestDb } from "../testing/use-test-db";

const t = useTestDb("audit_retry_lookup");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("a retry run that settles another run's unknown outcomes", () => {
  test("records its lookup finds absent are sent by it (the scheme ends with every shop written, none pending)", async () => {
    sim = await simulate(t.db, { shops: 40, concurrency: 2 });
    const scheme = await sim.createScheme((def) => {
      for (const node of def.nodes) if (node.type === "target") node.config.batchSize = 20;
    });
    // The first BatchSave's outcome is unknown (the connection dropped before 金蝶 saw it: nothing saved).
    let writes = 0;
    const getConnector = wrapKingdeeTarget((real) => ({
      ...real,
      get concurrency() {
        return real.concurrency;
      },
      async write(req: WriteRequest) {
        if (++writes === 1) throw new ConnectorError("unknown_outcome", "kingdee", "金蝶 BatchSave 的连接在回答前中断（审计注入）");
        return real.write(req);
      },
    }));
    const ctx = testContext(t.db, { unknownOutcomeWaitMs: 300, getConnector });
    const first = await sim.requestRun(scheme.id, "manual");
    expect((await executeRun(ctx, first.id)).kind).toBe("waiting");
    // The person cancels the run while it waits: its unknown records stay unknown, for the scheme's next writing run.
    await cancelRun(t.db, first.id);
    expect((await executeRun(ctx, first.id)).kind).toBe("finished");
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "unknown" } })).toBe(20);

    // The scheme's next writing run is a retry (重试 of the scheme's failed records, or an automatic retry).
    const retry = await sim.requestRun(scheme.id, "retry", { options: { scope: "scheme" } });
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await runToEnd(ctx, retry.id)).kind).toBe("finished");
    const logs = (await t.db.runLog.findMany({ where: { runId: retry.id }, orderBy: { id: "asc" } })).map((l) => l.message).join("\n");
    // Its lookup found the 20 absent and said they are sent again …
    expect(logs).toMatch(/20 条不存在（重新发送）/);
    // … so they must not be left pending by the run that said so.
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "pending" } })).toBe(0);
    expect(sim.kingdee.stats().customers).toBe(40);
  }, 60_000);
});
