// Issue #11, items 1 and 2: a write whose outcome is unknown is never sent again before a lookup
// says it is absent, and an attempt that lost the run stops before another may take over its rows.
// Against a 金蝶 simulator whose BatchSave commits late, after the caller timed out or gave up.
import { isConnectorError, type WriteRequest } from "@qiao/connectors";
import { cancelRun } from "@qiao/db";
import { afterEach, describe, expect, test } from "vitest";
import type { EngineContext } from "../context";
import { executeRun } from "../execute-run";
import { ledgerOf, runToEnd, simulate, testContext, wrapKingdeeTarget, type Simulated } from "../testing/harness";
import { useTestDb } from "../testing/use-test-db";

const t = useTestDb("unknown");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** The wait is longer than the simulator's slow commit: the lookup comes after the server finished. */
function context(extra: Partial<EngineContext> = {}): EngineContext {
  return testContext(t.db, { unknownOutcomeWaitMs: 2_500, ...extra });
}

/**
 * Counts how often each FNumber is handed to BatchSave, over every attempt; a write that went
 * nowhere (not_sent: its deadline passed while it waited for a slot of the connection) is not a send.
 */
function countingSends(sent: Map<string, number>): EngineContext["getConnector"] {
  return wrapKingdeeTarget((real) => ({
    ...real,
    async write(req: WriteRequest) {
      const count = () => {
        for (const r of req.records) sent.set(String(r.FNumber), (sent.get(String(r.FNumber)) ?? 0) + 1);
      };
      try {
        const outcomes = await real.write(req);
        count();
        return outcomes;
      } catch (e) {
        if (!isConnectorError(e) || e.kind !== "not_sent") count();
        throw e;
      }
    },
  }));
}

async function logsOf(runId: string): Promise<string> {
  const rows = await t.db.runLog.findMany({ where: { runId }, orderBy: { id: "asc" } });
  return rows.map((r) => r.message).join("\n");
}

describe("unknown outcomes", () => {
  test("a BatchSave that times out and commits 1.5 s later is looked up after the wait, not resent: 0 duplicate create attempts", async () => {
    sim = await simulate(t.db, { shops: 300 });
    // The 2nd BatchSave takes 1.5 s to commit; the client gives up after 0.5 s.
    sim.kingdee.setFaults({ slowCommitEvery: 2, slowCommitMs: 1_500 });
    const scheme = await sim.createScheme();
    const r = await sim.requestRun(scheme.id, "manual");
    const sent = new Map<string, number>();
    const ctx = context({ connectorDefaults: { qps: 1000, timeoutMs: 500, maxRetries: 1 }, getConnector: countingSends(sent) });

    const first = await executeRun(ctx, r.id);
    // The other batches were written; the run waits, it is not succeeded.
    expect(first.kind).toBe("waiting");
    const waiting = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
    expect(waiting).toMatchObject({ status: "running", phase: "finishing", written: 200, unknown: 100, failed: 0 });
    expect(waiting.waitingUntil!.getTime()).toBeGreaterThan(Date.now() + 1_000);
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "unknown" } })).toBe(100);
    expect(await t.db.runOutcome.count({ where: { runId: r.id, status: "unknown" } })).toBe(100);
    expect(await logsOf(r.id)).toMatch(/100 条结果待确认（将于 .* 后在目标系统中核对，核对前不会重发）/);
    // Nothing was looked up in the same breath.
    expect(sim.kingdee.stats().calls.ExecuteBillQuery).toBeUndefined();

    const done = await runToEnd(ctx, r.id);
    expect(done.kind).toBe("finished");
    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "succeeded", written: 300, unknown: 0, failed: 0, waitingUntil: null });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 300, duplicateAttempts: 0, slowCommits: 1, calls: { BatchSave: 3 } });
    expect([...sent.values()].every((n) => n === 1)).toBe(true);
    expect(await logsOf(r.id)).toContain("100 条已存在（记为已写入），0 条不存在（重新发送）");
    const ledger = await ledgerOf(t.db, sim, scheme.id);
    expect(ledger).toMatchObject({ ok: true, written: 300, duplicateAttempts: 0, lost: [], duplicates: [] });
  }, 30_000);

  test("a 5xx before the commit is unknown too: the lookup after the wait finds it absent, and only then is it sent once more", async () => {
    sim = await simulate(t.db, { shops: 150 });
    sim.kingdee.injectNext({ fault: "http500", service: "BatchSave" });
    const scheme = await sim.createScheme();
    const r = await sim.requestRun(scheme.id, "manual");
    const sent = new Map<string, number>();
    const ctx = context({ unknownOutcomeWaitMs: 300, getConnector: countingSends(sent) });
    expect((await runToEnd(ctx, r.id)).kind).toBe("finished");
    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "succeeded", written: 150, unknown: 0 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 150, duplicateAttempts: 0 });
    // The 100 of the refused call went out twice: once before the lookup, once after it said absent.
    expect([...sent.values()].filter((n) => n === 2)).toHaveLength(100);
    expect(await logsOf(r.id)).toContain("0 条已存在（记为已写入），100 条不存在（重新发送）");
    // Found absent, the first send wrote nothing under their numbers: each claim counts one send
    // that may have written, the one after the lookup (target_number_claims.sends).
    expect(await t.db.targetNumberClaim.groupBy({ by: ["sends"], where: { schemeId: scheme.id }, _count: { _all: true } })).toEqual([{ sends: 1, _count: { _all: 150 } }]);
  }, 30_000);

  test("a lookup that fails is tried again later; nothing is sent before it answers", async () => {
    sim = await simulate(t.db, { shops: 100 });
    sim.kingdee.injectNext({ fault: "drop", service: "BatchSave" });
    const scheme = await sim.createScheme();
    const r = await sim.requestRun(scheme.id, "manual");
    // Long enough that the first attempt ends (waiting) before the lookup is due, however busy the machine.
    const ctx = context({ unknownOutcomeWaitMs: 2_000 });
    expect((await executeRun(ctx, r.id)).kind).toBe("waiting");
    // The first lookup fails (both tries of the client): 500 twice.
    sim.kingdee.injectNext({ fault: "http500", service: "ExecuteBillQuery" }, { fault: "http500", service: "ExecuteBillQuery" });
    expect((await runToEnd(ctx, r.id)).kind).toBe("finished");
    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "succeeded", written: 100, unknown: 0 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 100, duplicateAttempts: 0, calls: { BatchSave: 1 } });
    const logs = await logsOf(r.id);
    expect(logs).toContain("条待确认记录时查询失败");
    expect(logs).toContain("100 条已存在（记为已写入）");
  }, 30_000);
});

describe("an attempt that lost the run", () => {
  test("two attempts racing on the same rows: the second parks the first's call in flight instead of resending it; each record is sent at most once", async () => {
    // One call at a time: the steps below follow the calls in order (parallel-writes.test.ts covers C > 1).
    sim = await simulate(t.db, { shops: 300, concurrency: 1 });
    // Every BatchSave takes 1.5 s to commit: attempt A's first call is still on the server when B takes over.
    sim.kingdee.setFaults({ slowCommitEvery: 1, slowCommitMs: 1_500 });
    const scheme = await sim.createScheme();
    const r = await sim.requestRun(scheme.id, "manual");
    const sent = new Map<string, number>();
    const ctx = context({ getConnector: countingSends(sent) });

    const a = executeRun(ctx, r.id);
    await expect.poll(() => sim!.kingdee.stats().calls.BatchSave ?? 0, { timeout: 10_000 }).toBe(1);
    // B claims the run while A waits for its answer (a stalled job handed to another worker).
    const b = runToEnd(ctx, r.id);
    expect((await a).kind).toBe("superseded");
    expect((await b).kind).toBe("finished");

    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "succeeded", written: 300, failed: 0, unknown: 0 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 300, duplicateAttempts: 0 });
    expect(Math.max(...sent.values())).toBe(1);
    const ledger = await ledgerOf(t.db, sim, scheme.id);
    expect(ledger).toMatchObject({ ok: true, written: 300, lost: [], duplicates: [] });
  }, 40_000);

  test("an attempt whose host lost the job lock stops before its next write", async () => {
    // One call at a time: the steps below follow the calls in order (parallel-writes.test.ts covers C > 1).
    sim = await simulate(t.db, { shops: 500, concurrency: 1 });
    const scheme = await sim.createScheme();
    const r = await sim.requestRun(scheme.id, "manual");
    const lost = new AbortController();
    let calls = 0;
    const ctx = context({
      lost: lost.signal,
      getConnector: wrapKingdeeTarget((real) => ({
        ...real,
        async write(req: WriteRequest) {
          const outcomes = await real.write(req);
          if (++calls === 2) lost.abort();
          return outcomes;
        },
      })),
    });
    expect((await executeRun(ctx, r.id)).kind).toBe("superseded");
    expect(calls).toBe(2);
    expect(sim.kingdee.stats().customers).toBe(200);
    // The next attempt finishes without sending anything twice.
    expect((await runToEnd(context(), r.id)).kind).toBe("finished");
    expect(sim.kingdee.stats()).toMatchObject({ customers: 500, duplicateAttempts: 0 });
  }, 30_000);
});

describe("cancelling a run that waits for unknown outcomes", () => {
  // The run page's 取消 on a run in 待确认: its worker resumes it at once (@qiao/jobs cancelRun promotes
  // its delayed job), and the attempt ends cancelled before any lookup, sending nothing more. The
  // unknown records stay unknown, with their batch, for the scheme's next writing run to look up.
  test("resumed before the lookup is due, it ends cancelled without looking up or resending", async () => {
    sim = await simulate(t.db, { shops: 300 });
    sim.kingdee.setFaults({ slowCommitEvery: 2, slowCommitMs: 1_500 });
    const scheme = await sim.createScheme();
    const r = await sim.requestRun(scheme.id, "manual");
    const sent = new Map<string, number>();
    const ctx = testContext(t.db, { unknownOutcomeWaitMs: 60_000, connectorDefaults: { qps: 1000, timeoutMs: 500, maxRetries: 1 }, getConnector: countingSends(sent) });
    expect((await executeRun(ctx, r.id)).kind).toBe("waiting");

    expect(await cancelRun(t.db, r.id)).toMatchObject({ status: "running", cancelRequested: true });
    const ended = await executeRun(ctx, r.id);
    expect(ended.kind).toBe("finished");
    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "cancelled", written: 200, unknown: 100, waitingUntil: null });
    expect(sim.kingdee.stats().calls.ExecuteBillQuery).toBeUndefined();
    expect(sim.kingdee.stats().calls.BatchSave).toBe(3);
    expect([...sent.values()].every((n) => n === 1)).toBe(true);
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "unknown" } })).toBe(100);
  }, 60_000);
});
