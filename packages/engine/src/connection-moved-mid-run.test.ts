// "What stays as the run began: the connection's address and secrets (a run keeps those it was loaded
// with)" (docs/concurrent-calls.md) holds only within one attempt: a run that waits for unknown write
// outcomes is resumed by a new attempt, which loads the connection again. Session 31's audit moved the
// target connection to another 金蝶 meanwhile (allowed while the run was active, unlike a target switch
// in the scheme, refused then with scheme.targetSwitchBusy): the records whose BatchSave went to the
// first server (and committed there) were looked up at the second, found absent and written there as
// well: one run, one record, two ERPs. Now the edit is refused (ConnectionMoveBusyError, a 409 at the
// API) while a queued or running run's version uses the connection, and the run finishes against the
// first server alone; once it has ended, the connection may be moved.
// Both 金蝶 are simulators on 127.0.0.1.
import { splitCredentials, kingdee } from "@qiao/connectors";
import { ConnectionMoveBusyError, updateConnection } from "@qiao/db";
import { createKingdeeSimulator } from "@qiao/simulators";
import { afterEach, describe, expect, test } from "vitest";
import { executeRun } from "./execute-run";
import { KINGDEE_DEMO, runToEnd, simulate, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("engine_moved");
let sim: Simulated | undefined;
let other: ReturnType<typeof createKingdeeSimulator> | undefined;
afterEach(async () => {
  await sim?.close();
  await other?.close();
  sim = undefined;
  other = undefined;
});

describe("the target connection cannot be moved while its run waits", () => {
  test("the move is refused naming the run; the resumed run writes every record to the first server only; after it, the move is saved", async () => {
    sim = await simulate(t.db, { shops: 300, concurrency: 1 });
    // The 2nd BatchSave commits 1.5 s late, after the client (0.5 s) gave up: 100 outcomes unknown.
    sim.kingdee.setFaults({ slowCommitEvery: 2, slowCommitMs: 1_500 });
    const scheme = await sim.createScheme();
    const r = await sim.requestRun(scheme.id, "manual");
    const ctx = testContext(t.db, { unknownOutcomeWaitMs: 2_500, connectorDefaults: { qps: 1000, timeoutMs: 500, maxRetries: 1 } });

    expect((await executeRun(ctx, r.id)).kind).toBe("waiting");

    // The admin moves the 金蝶 connection to another server, typing its secrets again (as PATCH asks).
    other = createKingdeeSimulator();
    const otherUrl = await other.listen(0, "127.0.0.1");
    const row = await t.db.connection.findUniqueOrThrow({ where: { id: sim.targetConnectionId } });
    const move = () => updateConnection(t.db, row.id, { baseUrl: otherUrl, readBaseUrl: row.baseUrl, ...splitCredentials(kingdee.meta, KINGDEE_DEMO) });
    const refused = await move().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused, "the move was saved while the run waits for outcomes at the first server").toBeInstanceOf(ConnectionMoveBusyError);
    expect(refused).toMatchObject({ run: { id: r.id }, fields: [{ key: "baseUrl" }] });
    expect((await t.db.connection.findUniqueOrThrow({ where: { id: row.id } })).baseUrl).toBe(row.baseUrl);

    expect((await runToEnd(ctx, r.id)).kind).toBe("finished");
    const first = sim.kingdee.stats().customers;
    const second = other.stats().customers;
    // 300 records, one run: each belongs in one ERP. The late commit made all 300 exist at the first.
    expect(
      { first, second },
      `the run wrote ${first} customers to the server it began with and ${second} to the one the connection was moved to`,
    ).toEqual({ first: 300, second: 0 });

    // The run has ended: nothing of it can call either server any more, and the move is saved.
    expect((await move()).baseUrl).toBe(otherUrl);
    expect(other.stats().customers).toBe(0);
  }, 30_000);
});
