// A run whose lookups of unknown outcomes keep failing (金蝶 down for days, its password changed)
// ends after QIAO_UNKNOWN_OUTCOME_MAX_WAIT_S instead of keeping its scheme busy for ever (session 33).
// Its records stay unknown and are never resent; the scheme's next writing run looks them up first.
import { ConnectorError } from "@qiao/connectors";
import { render, storedMessage } from "@qiao/core";
import { cancelRun } from "@qiao/db";
import { afterEach, expect, test } from "vitest";
import type { EngineContext } from "../context";
import { executeRun } from "../execute-run";
import { runToEnd, simulate, testContext, wrapKingdeeTarget, type Simulated } from "../testing/harness";
import { useTestDb } from "../testing/use-test-db";

const t = useTestDb("unknown_give_up");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** The 金蝶 target, its lookups (findExisting) failing while `down.lookups` is set; `inLookup` runs in each. */
function lookupsDown(down: { lookups: boolean; calls: number; inLookup?: () => Promise<unknown> }): EngineContext["getConnector"] {
  return wrapKingdeeTarget((real) => ({
    ...real,
    async findExisting(...args: Parameters<typeof real.findExisting>) {
      await down.inLookup?.();
      if (down.lookups) {
        down.calls++;
        throw new ConnectorError("auth", "kingdee", "金蝶登录失败：用户名或密码错误（测试注入）");
      }
      return real.findExisting(...args);
    },
  }));
}

test("a run whose lookups fail past the longest wait ends partial with why; its records stay unknown, unsent, and the next run settles them", async () => {
  sim = await simulate(t.db, { shops: 100 });
  // One BatchSave's answer is lost after it committed: 50 records unknown.
  sim.kingdee.injectNext({ fault: "drop", service: "BatchSave" });
  const scheme = await sim.createScheme((def) => {
    for (const node of def.nodes) if (node.type === "target") node.config.batchSize = 50;
  });
  const r = await sim.requestRun(scheme.id, "manual");
  const down = { lookups: true, calls: 0 };
  const ctx = testContext(t.db, { unknownOutcomeWaitMs: 300, unknownOutcomeMaxWaitMs: 2_000, getConnector: lookupsDown(down) });

  const first = await executeRun(ctx, r.id);
  expect(first.kind).toBe("waiting");
  const waiting = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
  expect(waiting.waitingSince).not.toBeNull();

  const ended = await runToEnd(ctx, r.id, 40);
  expect(ended.kind).toBe("finished");
  expect(down.calls).toBeGreaterThan(0);
  const run = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
  // The first wait's time was kept across the attempts: the run ended once it had waited 2 s in all.
  expect(run.waitingSince!.getTime()).toBe(waiting.waitingSince!.getTime());
  expect(run.finishedAt!.getTime() - run.waitingSince!.getTime()).toBeGreaterThanOrEqual(2_000);
  expect(run).toMatchObject({ status: "partial", written: 50, unknown: 50, waitingUntil: null });
  expect(run.error).toContain("本次运行发送的 50 条记录的写入结果");
  expect(run.error).toContain("不会重新发送");
  expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "unknown" } })).toBe(50);
  // Nothing resent: one BatchSave per batch, the dropped one committed.
  expect(sim.kingdee.stats()).toMatchObject({ customers: 100, duplicateAttempts: 0, calls: { BatchSave: 2 } });

  // The scheme is free; once 金蝶 answers lookups again, its next run finds the 50 and writes nothing twice.
  down.lookups = false;
  const next = await sim.requestRun(scheme.id, "manual");
  expect((await runToEnd(ctx, next.id)).kind).toBe("finished");
  expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "unknown" } })).toBe(0);
  expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ written: 100, unknown: 0 });
  expect(sim.kingdee.stats()).toMatchObject({ customers: 100, duplicateAttempts: 0, calls: { BatchSave: 2 } });
}, 60_000);

test("a cancel requested during the settling that gives up ends the run cancelled", async () => {
  sim = await simulate(t.db, { shops: 100 });
  sim.kingdee.injectNext({ fault: "drop", service: "BatchSave" });
  const scheme = await sim.createScheme((def) => {
    for (const node of def.nodes) if (node.type === "target") node.config.batchSize = 50;
  });
  const r = await sim.requestRun(scheme.id, "manual");
  const down: Parameters<typeof lookupsDown>[0] = { lookups: true, calls: 0 };
  const ctx = testContext(t.db, { unknownOutcomeWaitMs: 300, unknownOutcomeMaxWaitMs: 2_000, getConnector: lookupsDown(down) });
  expect((await executeRun(ctx, r.id)).kind).toBe("waiting");
  const waitingSince = (await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).waitingSince!;
  // Past the longest wait, the next lookup due: the attempt that settles gives up.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, waitingSince.getTime() + 2_000 - Date.now()) + 1_500));
  // 取消 pressed while the lookup is in flight (the job still active: nothing promotes it).
  down.inLookup = () => cancelRun(t.db, r.id);
  const calls = down.calls;
  const ended = await executeRun(ctx, r.id);
  expect(down.calls).toBeGreaterThan(calls);
  expect(ended.kind).toBe("finished");
  const run = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
  expect(run).toMatchObject({ status: "cancelled", error: null, written: 50, unknown: 50, waitingUntil: null });
  const log = (await t.db.runLog.findMany({ where: { runId: r.id }, orderBy: { id: "asc" } })).map((l) => l.message);
  expect(log.at(-1)).toContain("运行已取消：50 条记录的写入结果仍待确认");
  expect(log.some((m) => m.includes("等待核对超过"))).toBe(false);
  // Its records stay unknown, never resent.
  expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "unknown" } })).toBe(50);
  expect(sim.kingdee.stats()).toMatchObject({ customers: 100, duplicateAttempts: 0, calls: { BatchSave: 2 } });
}, 60_000);

test("the give-up message tells the scheme's unknown records from those the run sent itself", async () => {
  sim = await simulate(t.db, { shops: 100 });
  sim.kingdee.injectNext({ fault: "drop", service: "BatchSave" });
  const scheme = await sim.createScheme((def) => {
    for (const node of def.nodes) if (node.type === "target") node.config.batchSize = 50;
  });
  const down = { lookups: true, calls: 0 };
  const ctx = testContext(t.db, { unknownOutcomeWaitMs: 300, unknownOutcomeMaxWaitMs: 2_000, getConnector: lookupsDown(down) });
  // The first run's 50 unknown records outlive it: cancelled while it waits for them.
  const first = await sim.requestRun(scheme.id, "manual");
  expect((await executeRun(ctx, first.id)).kind).toBe("waiting");
  await cancelRun(t.db, first.id);
  expect((await executeRun(ctx, first.id)).kind).toBe("finished");
  expect(await t.db.run.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({ status: "cancelled", unknown: 50 });

  // The next run sends nothing of its own and waits for them until it gives up.
  const next = await sim.requestRun(scheme.id, "manual");
  expect((await runToEnd(ctx, next.id, 40)).kind).toBe("finished");
  const run = await t.db.run.findUniqueOrThrow({ where: { id: next.id } });
  expect(run).toMatchObject({ status: "failed", unknown: 0 });
  expect(run.error).toContain("本方案有 50 条记录的写入结果仍待确认（其中 0 条由本次运行发送，其余由之前的运行发送）");
  expect(render(storedMessage(run.errorMessage)!, "en")).toContain("50 records of the scheme still have an unknown outcome (0 sent by this run, the rest by earlier runs)");
}, 60_000);
