// A cancel (取消) that lands as a run's last attempt settles into a wait for unknown write outcomes
// (待确认) ends the run at once, not after the wait (session 31's audit; each test failed before its fix).
//
// @qiao/jobs cancelRun flags a running run and promotes its job only if the job is already `delayed`
// (session 18). A cancel landing while the attempt is still active — after its last batch, during
// the last settling and its lookups, up to `waitForOutcomes` — found the job `active` and promoted
// nothing; the attempt then began its wait and the worker delayed the job for the whole of
// QIAO_UNKNOWN_OUTCOME_WAIT_S, the run `running` and its scheme busy. Now `waitForOutcomes` (db
// run-progress.ts) refuses once a cancel was requested, and the engine ends the run cancelled (first
// test); and a cancel that commits after the wait began but before the job is delayed is caught by the
// worker, which reads the run again once the job is delayed and promotes it (run-job.ts; second test).
import { cancelRun as cancelRunRow, type Config } from "@qiao/db";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import { cancelRun, requestRun } from "@qiao/jobs";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import { workerSettings } from "./settings";
import { startWorker, type RunningWorker } from "./worker";

const log = pino({ level: "silent" });
let bed: QueueTestBed;
let t: TestDb;
let sim: Simulated;
let cfg: Config;
let queue: Queue;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  bed = await openQueueTestBed("cancelwait", 30);
  ({ t, sim, queue } = bed);
  // The lookup of an unknown outcome is due 20 s after its answer.
  cfg = { ...bed.cfg, QIAO_UNKNOWN_OUTCOME_WAIT_S: 20 };
  worker = await startWorker({
    db: t.db,
    config: cfg,
    logger: log,
    settings: { ...workerSettings({}), WORKER_CONNECTION_QPS: 1000, WORKER_RECONCILE_INTERVAL_MS: 60_000 },
  });
});

afterAll(async () => {
  await worker?.close();
  await bed?.close();
});

/**
 * Runs a scheme whose one BatchSave commits and then loses its connection (every record's outcome
 * unknown), pressing 取消 (the web's @qiao/jobs cancelRun) as the attempt records its wait: `before`
 * the statement that begins it, or right `after` it committed (the job still active either way).
 * Returns once the cancel was pressed; the run's id.
 */
async function cancelAsTheWaitBegins(when: "before" | "after"): Promise<{ runId: string; restore(): Promise<void> }> {
  const scheme = await sim.createScheme();
  sim.kingdee.injectNext({ fault: "drop", service: "BatchSave" });
  let runId = "";
  let cancelledAt = 0;
  const delegate = t.db.run;
  const updateMany = delegate.updateMany.bind(delegate);
  const cancel = async () => {
    expect(await cancelRun(t.db, queue, runId)).toMatchObject({ status: "running", cancelRequested: true });
    // The job is still held by the worker: the cancel itself promoted nothing.
    expect(await (await queue.getJob(runId))?.getState()).toBe("active");
    cancelledAt = Date.now();
  };
  (delegate as { updateMany: unknown }).updateMany = async (args: Parameters<typeof updateMany>[0]) => {
    const waits = !cancelledAt && (args.data as { phase?: string }).phase === "finishing";
    if (waits && when === "before") await cancel();
    const result = await updateMany(args);
    if (waits && when === "after") {
      expect(result.count).toBe(1);
      await cancel();
    }
    return result;
  };
  const restore = async () => {
    (delegate as { updateMany: unknown }).updateMany = updateMany;
    const run = await t.db.run.findUniqueOrThrow({ where: { id: runId } });
    // Leave nothing running for the next test of the file.
    if (run.status === "running") await cancelRunRow(t.db, runId);
  };
  try {
    runId = (await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" })).id;
    await expect.poll(() => cancelledAt, { timeout: 20_000, interval: 50 }).toBeGreaterThan(0);
  } catch (error) {
    await restore();
    throw error;
  }
  return { runId, restore };
}

/** The run ends cancelled within seconds of the cancel, not when its lookup is due 20 s after the answer. */
async function expectCancelledSoon(runId: string): Promise<void> {
  await expect
    .poll(async () => (await t.db.run.findUniqueOrThrow({ where: { id: runId } })).status, { timeout: 8_000, interval: 200 })
    .toBe("cancelled");
  const run = await t.db.run.findUniqueOrThrow({ where: { id: runId } });
  expect({ waitingUntil: run.waitingUntil, unknown: run.unknown }).toEqual({ waitingUntil: null, unknown: 30 });
}

test("a cancel that lands as the run decides to wait for unknown outcomes ends the run at once, not after the wait", async () => {
  const { runId, restore } = await cancelAsTheWaitBegins("before");
  try {
    // Before the fix it stayed running with its job delayed until the lookup was due.
    await expectCancelledSoon(runId);
    // Ended by the attempt that refused to wait (not by a claim after a wait began), saying what it left.
    const lines = (await t.db.runLog.findMany({ where: { runId }, orderBy: { id: "asc" } })).map((l) => l.message);
    expect(lines.at(-1)).toBe("运行已取消：30 条记录的写入结果仍待确认，不再等待核对；本方案下一次写入数据的运行会先核对它们，不存在的才重新发送");
  } finally {
    await restore();
  }
}, 60_000);

test("a cancel that lands just after the run began its wait, before its job is delayed, ends the run at once", async () => {
  const { runId, restore } = await cancelAsTheWaitBegins("after");
  try {
    // Before the fix the worker delayed the job that cancelRun had found active: the run waited 20 s.
    await expectCancelledSoon(runId);
  } finally {
    await restore();
  }
}, 60_000);
