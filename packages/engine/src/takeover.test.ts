// An attempt taken over between marking a batch and calling with it (docs/decisions.md, session 20):
// the mark is the fence of its call, so the old attempt may still send the batch it marked, by the
// end of the lease the mark found. Never twice: the attempt that took over parks what the other left
// `sending` and looks it up only after the longest lease an attempt of the run held (carried over by
// the claim, whatever each worker's lock length) and the wait; and it parks a mark that straddled its
// claim too, even one committed after it first looked.
import { afterEach, describe, expect, test } from "vitest";
import { ConnectorError, type WriteRequest } from "@qiao/connectors";
import { executeRun } from "./execute-run";
import { afterFirstCallNextMarked, runToEnd, simulate, testContext, wrapKingdeeTarget, type Simulated } from "./testing/harness";
import { holdStagingRow, marksWaitingForLocks } from "./testing/row-lock";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("takeover");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const runRow = (id: string) => t.db.run.findUniqueOrThrow({ where: { id } });

describe("taken over between a mark and its call", () => {
  test("the attempt that took over (a shorter lock) looks the batch up only after the old attempt's lease and the wait: written once", async () => {
    sim = await simulate(t.db, { shops: 300, concurrency: 1 });
    const scheme = await sim.createScheme();
    const r = await sim.requestRun(scheme.id, "manual");
    let taking: ReturnType<typeof runToEnd> | undefined;
    let oldLeaseEnd: Date | null = null;
    // Once the next batch is marked, while the first call is in flight, an attempt with a 1 s lease claims the run.
    const watched = afterFirstCallNextMarked(t.db, scheme.id, 200, async () => {
      oldLeaseEnd = (await runRow(r.id)).leaseUntil;
      taking = runToEnd(testContext(t.db), r.id);
      await expect.poll(async () => (await runRow(r.id)).attempt, { timeout: 10_000 }).toBe(2);
    });
    // The old attempt's worker has a 3 s lock: whether it still sends its marked batch depends on
    // whether its lease renewal saw the takeover first; either way, nothing is sent twice.
    const first = executeRun(testContext(t.db, { leaseMs: 3_000, getConnector: watched.getConnector }), r.id);
    expect((await first).kind).toBe("superseded");
    expect(watched.calls()).toBeGreaterThanOrEqual(1);
    expect(watched.calls()).toBeLessThanOrEqual(2);
    // The claim kept the old attempt's lease, and the parked rows wait past it and the wait (300 ms).
    expect(oldLeaseEnd).not.toBeNull();
    await expect.poll(() => t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "unknown" } }), { timeout: 10_000 }).toBeGreaterThan(0);
    const parked = await t.db.sourceRecord.findMany({ where: { schemeId: scheme.id, status: "unknown" }, select: { checkAfter: true } });
    for (const p of parked) expect(p.checkAfter!.getTime()).toBeGreaterThanOrEqual(oldLeaseEnd!.getTime() + 300);
    expect((await taking!).kind).toBe("finished");
    expect(await runRow(r.id)).toMatchObject({ status: "succeeded", written: 300, unknown: 0 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 300, duplicateAttempts: 0 });
    // The run's log says when they are looked up: after the old lease, not a (short) lease from now.
    const logs = await t.db.runLog.findMany({ where: { runId: r.id }, orderBy: { id: "asc" } });
    const interrupted = logs.find((l) => (l.data as { parked?: number } | null)?.parked);
    expect(new Date((interrupted!.data as { checkAfter: string }).checkAfter).getTime()).toBeGreaterThanOrEqual(oldLeaseEnd!.getTime() + 300);
  }, 30_000);

  test("an old attempt with a longer lock, answered only after the other finished the run, sends nothing more: the batch was looked up after its lease and sent once", async () => {
    // (Found by the audit of the change: the new attempt parked for its own lease, 1.3 s, looked the
    // batch up, sent it, and the old attempt, still within half its 20 s lease, sent it again.)
    sim = await simulate(t.db, { shops: 300, concurrency: 1 });
    const scheme = await sim.createScheme();
    const r = await sim.requestRun(scheme.id, "manual");
    // The first call is answered only once the next batch is marked and the attempt that took the run
    // over (a worker with a shorter lock: 1 s lease, 300 ms wait) has finished the run.
    const watched = afterFirstCallNextMarked(t.db, scheme.id, 200, () => runToEnd(testContext(t.db), r.id));
    const first = executeRun(testContext(t.db, { leaseMs: 9_000, getConnector: watched.getConnector }), r.id);
    expect((await first).kind).toBe("superseded");
    expect(watched.calls()).toBe(1);
    expect(await runRow(r.id)).toMatchObject({ status: "succeeded", written: 300, unknown: 0 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 300, duplicateAttempts: 0 });
  }, 30_000);

  test("a mark that began before the claim and commits after the new attempt first looked is parked by its last settling, not left sending by a finished run", async () => {
    // (Found by the audit: the new attempt saw nothing `sending` when it started, skipped its last
    // settling, and finished with the old attempt's batch `sending` and uncounted.)
    sim = await simulate(t.db, { shops: 300, concurrency: 1 });
    const scheme = await sim.createScheme();
    // A first run writes 100 and fails on its second call (certainly not sent): 200 stay pending.
    let n = 0;
    const refusing = testContext(t.db, {
      getConnector: wrapKingdeeTarget((real) => ({
        ...real,
        async write(req: WriteRequest) {
          if (++n === 2) throw new ConnectorError("network", "kingdee", "connection refused");
          return real.write(req);
        },
      })),
    });
    const failed = await sim.requestRun(scheme.id, "manual");
    expect((await runToEnd(refusing, failed.id)).kind).toBe("finished");
    const pending = await t.db.sourceRecord.findMany({ where: { schemeId: scheme.id, status: "pending" }, orderBy: { id: "asc" } });
    expect(pending).toHaveLength(200);
    // Another session holds the first pending row, so the next run's first mark waits for it after
    // its fence was read.
    const held = await holdStagingRow(t.db, pending[0]!.id);
    const r = await sim.requestRun(scheme.id, "manual");
    const old = executeRun(testContext(t.db, { leaseMs: 10_000 }), r.id);
    await expect.poll(() => marksWaitingForLocks(t.db), { timeout: 15_000 }).toBeGreaterThan(0);
    // Another attempt (the same lease) takes the run over while that mark waits.
    const taking = runToEnd(testContext(t.db, { leaseMs: 10_000 }), r.id);
    await expect.poll(async () => (await runRow(r.id)).attempt, { timeout: 10_000 }).toBe(2);
    await sleep(500);
    await held.release();
    await old;
    expect((await taking).kind).toBe("finished");
    // A finished run leaves nothing `sending`, and counts what it wrote.
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "sending" } })).toBe(0);
    expect(await runRow(r.id)).toMatchObject({ status: "succeeded", written: 200, unknown: 0 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 300, duplicateAttempts: 0 });
  }, 60_000);
});
