// A retry run that ends before it sent every failed record it took (cancelled, or failed as a run):
// the records it did not send are failed again as they were, with their reason, their place in the
// retry schedule and their dead-letter mark, so they stay in the failed records' list and no other
// run sends them unasked. An automatic retry's are failed again as transient, due after the next
// step of the schedule (or dead letters past its last), each with a RunRecord saying why.
import type { WriteRequest } from "@qiao/connectors";
import { message } from "@qiao/core";
import { cancelRun, countDeadLetteredByRun, countFailedRecords, createRun, listFailedRecords, nextRetryDue, pruneRuns } from "@qiao/db";
import { afterEach, describe, expect, test } from "vitest";
import { executeRun, failAbandonedRun } from "./execute-run";
import { afterFirstCallNextMarked, runToEnd, simulate, targetConfig, testContext, wrapClients, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("retryends");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A scheme whose 300 shops all failed (their numbers are taken in 金蝶), 100 of them dead letters. */
async function failedScheme(batchSize = 100) {
  sim = await simulate(t.db, { shops: 300, concurrency: 1 });
  const scheme = await sim.createScheme((d) => {
    targetConfig(d).batchSize = batchSize;
  });
  const shops = sim.guanyi.state.shops.query({}, 0, 300).shops;
  sim.kingdee.store.preCreate(shops.map((s) => ({ FNumber: s.code, FName: "别人先建的" })));
  const first = await sim.requestRun(scheme.id, "manual");
  expect((await runToEnd(testContext(t.db), first.id)).kind).toBe("finished");
  const dead = (await t.db.sourceRecord.findMany({ where: { schemeId: scheme.id }, orderBy: { id: "desc" }, take: 100, select: { id: true } })).map((r) => r.id);
  await t.db.sourceRecord.updateMany({ where: { id: { in: dead } }, data: { deadAt: new Date(), retryStep: 3 } });
  const before = await t.db.sourceRecord.findMany({
    where: { schemeId: scheme.id },
    select: { id: true, status: true, lastError: true, lastRunId: true, retryStep: true, retryAt: true, deadAt: true, errorClass: true },
    orderBy: { id: "asc" },
  });
  expect(before.every((r) => r.status === "failed" && r.lastError?.includes("违反字段唯一性要求"))).toBe(true);
  expect(await countFailedRecords(t.db, scheme.id, "dead")).toBe(100);
  return { scheme, first, before };
}

const rows = (schemeId: string) =>
  t.db.sourceRecord.findMany({
    where: { schemeId },
    select: { id: true, status: true, lastError: true, lastRunId: true, retryStep: true, retryAt: true, deadAt: true, errorClass: true },
    orderBy: { id: "asc" },
  });

/** A context whose 金蝶 does `what` before its `nth` BatchSave call (cancel the run, lose the database). */
function beforeWrite(nth: number, what: () => unknown) {
  let calls = 0;
  return testContext(t.db, {
    getConnector: wrapClients({
      kingdee: (real) => ({
        ...real,
        async write(req: WriteRequest) {
          if (++calls === nth) await what();
          return real.write(req);
        },
      }),
    }),
  });
}

/**
 * A context whose run is cancelled once its second batch is marked, while the first call is in
 * flight: the second batch goes, the third is not marked (a cancellation is seen by the next mark).
 */
const cancelledAfterSecondMark = (schemeId: string, runId: string, batchSize: number) =>
  testContext(t.db, { getConnector: afterFirstCallNextMarked(t.db, schemeId, 2 * batchSize, () => cancelRun(t.db, runId)).getConnector });

describe("a retry run that ends early", () => {
  test("cancelled after its second batch was marked: the 200 it did not send are failed again as they were", async () => {
    // Batches of 50: the two sent are 100 records; the 200 left were not sent.
    const { scheme, first, before } = await failedScheme(50);
    const r = await sim!.requestRun(scheme.id, "retry", { retryOfId: first.id });
    const ctx = cancelledAfterSecondMark(scheme.id, r.id, 50);
    expect((await runToEnd(ctx, r.id)).kind).toBe("finished");
    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "cancelled", failed: 100, written: 0 });

    const after = await rows(scheme.id);
    const sent = new Set((await t.db.runOutcome.findMany({ where: { runId: r.id }, select: { sourceRecordId: true } })).map((o) => o.sourceRecordId));
    expect(sent.size).toBe(100);
    expect(after.every((a) => a.status === "failed")).toBe(true);
    // The others are exactly as before the retry.
    expect(after.filter((a) => !sent.has(a.id))).toEqual(before.filter((b) => !sent.has(b.id)));
    expect(await countFailedRecords(t.db, scheme.id)).toBe(300);
    const failed = await listFailedRecords(t.db, { schemeId: scheme.id, afterId: 0n, limit: 300 });
    expect(failed.filter((f) => !sent.has(f.id)).every((f) => f.run?.id === first.id && f.errorField === "FNumber")).toBe(true);
    const logs = (await t.db.runLog.findMany({ where: { runId: r.id } })).map((l) => l.message);
    expect(logs.some((m) => m.includes("200 条未重试的记录恢复为失败"))).toBe(true);
  }, 60_000);

  test("failed as a run (金蝶 down): none was sent, all 300 are failed again as they were, dead letters still dead", async () => {
    const { scheme, before } = await failedScheme();
    await sim!.kingdee.close();
    const r = await sim!.requestRun(scheme.id, "retry", { options: { scope: "scheme" } });
    expect((await runToEnd(testContext(t.db), r.id)).kind).toBe("finished");
    expect((await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).status).toBe("failed");
    expect(await rows(scheme.id)).toEqual(before);
    expect(await countFailedRecords(t.db, scheme.id, "dead")).toBe(100);
  }, 60_000);

  test("an automatic retry that fails as a run (金蝶 down): failed again, due after the schedule's next step, each with a RunRecord saying why", async () => {
    const { scheme, first } = await failedScheme();
    await t.db.sourceRecord.updateMany({ where: { schemeId: scheme.id, deadAt: null }, data: { errorClass: "transient", retryAt: new Date(Date.now() - 60_000), retryStep: 1 } });
    await sim!.kingdee.close();
    const r = await sim!.requestRun(scheme.id, "retry", { options: { scope: "scheme", automatic: true } });
    const started = Date.now();
    expect((await runToEnd(testContext(t.db), r.id)).kind).toBe("finished");
    // The run counts them, so its follow-up schedules the next retry (it skips runs that failed none).
    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "failed", failed: 200 });

    const after = await rows(scheme.id);
    const retried = after.filter((a) => a.lastRunId === r.id);
    expect(retried).toHaveLength(200);
    // Nothing was left pending for the scheme's next run to send unasked.
    expect(after.every((a) => a.status === "failed")).toBe(true);
    for (const a of retried) {
      expect(a).toMatchObject({ errorClass: "transient", retryStep: 2, deadAt: null });
      expect(a.lastError).toContain("自动重试运行失败，未发送");
      // The default schedule's third step (30 min): the step this retry counted stays counted.
      expect(a.retryAt!.getTime()).toBeGreaterThanOrEqual(started + 1_800_000 - 5_000);
      expect(a.retryAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1_800_000 + 5_000);
    }
    const due = await nextRetryDue(t.db, scheme.id);
    expect(due!.getTime()).toBeGreaterThan(Date.now() + 1_700_000);
    // The dead letters the retry did not take are untouched.
    expect(await countFailedRecords(t.db, scheme.id, "dead")).toBe(100);
    expect(await countDeadLetteredByRun(t.db, r.id)).toBe(0);
    // Each has this run's RunRecord, with the payload its last failure showed.
    const records = await t.db.runOutcome.findMany({ where: { runId: r.id } });
    expect(records).toHaveLength(200);
    const prior = new Map((await t.db.runOutcome.findMany({ where: { runId: first.id } })).map((o) => [o.sourceRecordId, o.payload]));
    for (const o of records) {
      expect(o).toMatchObject({ status: "failed", errorClass: "transient" });
      expect(o.payload).toEqual(prior.get(o.sourceRecordId));
      expect(o.payload).not.toEqual({});
    }
    const logs = (await t.db.runLog.findMany({ where: { runId: r.id } })).map((l) => l.message);
    expect(logs.some((m) => m.includes("200 条未发送的记录再次记为失败"))).toBe(true);
  }, 60_000);

  test("an automatic retry at the schedule's last step that is cancelled: the records it did not send are dead letters, announced by the run", async () => {
    const { scheme } = await failedScheme(50);
    // Four automatic retries done; the default schedule has five steps: this retry is the last.
    await t.db.sourceRecord.updateMany({ where: { schemeId: scheme.id, deadAt: null }, data: { errorClass: "transient", retryAt: new Date(Date.now() - 60_000), retryStep: 4 } });
    const r = await sim!.requestRun(scheme.id, "retry", { options: { scope: "scheme", automatic: true } });
    const ctx = cancelledAfterSecondMark(scheme.id, r.id, 50);
    expect((await runToEnd(ctx, r.id)).kind).toBe("finished");
    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "cancelled", failed: 200 });
    const retried = (await rows(scheme.id)).filter((a) => a.lastRunId === r.id);
    expect(retried).toHaveLength(200);
    // 100 were sent and failed again (their numbers are taken: a data error); 100 were not sent.
    const unsent = retried.filter((a) => a.lastError?.includes("自动重试运行已取消，未发送"));
    expect(unsent).toHaveLength(100);
    expect(unsent.every((a) => a.status === "failed" && a.retryStep === 5 && a.retryAt === null && a.deadAt !== null)).toBe(true);
    expect(await countFailedRecords(t.db, scheme.id, "dead")).toBe(200);
    expect(await countDeadLetteredByRun(t.db, r.id)).toBe(100);
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "pending" } })).toBe(0);
  }, 60_000);

  test("abandoned by the host (the database gone through every job attempt): the run is failed and what it took and did not send is put back", async () => {
    const { scheme, first, before } = await failedScheme();
    const r = await sim!.requestRun(scheme.id, "retry", { retryOfId: first.id });
    const ctx = beforeWrite(2, () => {
      throw Object.assign(new Error("Can't reach database server"), { name: "PrismaClientInitializationError" });
    });
    await expect(runToEnd(ctx, r.id)).rejects.toThrow("Can't reach database server");
    const taken = (await rows(scheme.id)).filter((a) => a.status === "pending").map((a) => a.id);
    expect(taken.length).toBeGreaterThan(0);

    const failed = await failAbandonedRun(testContext(t.db), r.id, message("run.workerFailed", { text: "gone" }));
    expect(failed).toMatchObject({ id: r.id, status: "failed" });
    const after = await rows(scheme.id);
    // No record is left pending for the scheme's next run to send unasked; those it took and did
    // not send are as they were (the batch in the air stays `sending`, for the next run to look up).
    expect(after.filter((a) => a.status === "pending")).toEqual([]);
    expect(after.filter((a) => taken.includes(a.id))).toEqual(before.filter((b) => taken.includes(b.id)));
    // Once: a second call (another worker's handler) changes nothing.
    expect(await failAbandonedRun(testContext(t.db), r.id, message("run.workerFailed", { text: "gone" }))).toBeNull();
  }, 60_000);

  test("handed back by a worker that stopped, then cancelled while queued: what it did not send is put back", async () => {
    const { scheme, first, before } = await failedScheme();
    const r = await sim!.requestRun(scheme.id, "retry", { retryOfId: first.id });
    let stopping = false;
    const ctx = { ...beforeWrite(1, () => (stopping = true)), shouldStop: () => stopping };
    expect((await executeRun(ctx, r.id)).kind).toBe("handed-back");
    expect((await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).status).toBe("queued");

    // No worker took it up yet; the person who asked for the retry cancels it.
    expect((await cancelRun(t.db, r.id))?.status).toBe("cancelled");
    const after = await rows(scheme.id);
    const sent = new Set((await t.db.runOutcome.findMany({ where: { runId: r.id }, select: { sourceRecordId: true } })).map((o) => o.sourceRecordId));
    expect(sent.size).toBe(100);
    expect(after.filter((a) => !sent.has(a.id))).toEqual(before.filter((b) => !sent.has(b.id)));
    expect(await countFailedRecords(t.db, scheme.id)).toBe(300);
    const logs = (await t.db.runLog.findMany({ where: { runId: r.id } })).map((l) => l.message);
    expect(logs.some((m) => m.includes("200 条未重试的记录恢复为失败"))).toBe(true);
  }, 60_000);

  test("cancelled while handed back, found so by the next worker's claim: what it did not send is put back", async () => {
    const { scheme, first, before } = await failedScheme();
    const r = await sim!.requestRun(scheme.id, "retry", { retryOfId: first.id });
    let stopping = false;
    const ctx = { ...beforeWrite(1, () => (stopping = true)), shouldStop: () => stopping };
    expect((await executeRun(ctx, r.id)).kind).toBe("handed-back");
    // The cancel came while the stopping attempt still held it (flagged, not finished) …
    await t.db.run.update({ where: { id: r.id }, data: { cancelRequested: true } });
    // … and the next worker's claim finishes it.
    expect((await executeRun(testContext(t.db), r.id)).kind).toBe("finished");
    expect((await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).status).toBe("cancelled");
    const sent = new Set((await t.db.runOutcome.findMany({ where: { runId: r.id }, select: { sourceRecordId: true } })).map((o) => o.sourceRecordId));
    expect((await rows(scheme.id)).filter((a) => !sent.has(a.id))).toEqual(before.filter((b) => !sent.has(b.id)));
    expect(await countFailedRecords(t.db, scheme.id)).toBe(300);
  }, 60_000);

  test("handed back, then the daily pruning: the run it retries is kept, and the resumed retry still takes only that run's records", async () => {
    const { scheme, first } = await failedScheme();
    const days = (n: number) => new Date(Date.now() - n * 86_400_000);
    // The failed run is past the 30 days' retention.
    await t.db.run.update({ where: { id: first.id }, data: { createdAt: days(41), startedAt: days(41), finishedAt: days(40) } });
    // 100 failures of another run Z: not part of a retry of the first.
    const z = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
    await t.db.run.update({ where: { id: z.id }, data: { status: "failed", phase: "done", finishedAt: new Date() } });
    const others: bigint[] = [];
    for (let i = 0; i < 100; i++) {
      const data = { id: `Z${i}`, code: `Z-${i}`, name: `别的店 ${i}`, nick: "", note: "", type_name: "淘宝", create_date: "2024-01-01 00:00:00", modify_date: "2024-01-01 00:00:00" };
      const made = await t.db.sourceRecord.create({ data: { schemeId: scheme.id, sourceId: `Z${i}`, data, payloadHash: "z", status: "failed", lastRunId: z.id, lastError: "别的失败" } });
      others.push(made.id);
    }
    const r = await sim!.requestRun(scheme.id, "retry", { retryOfId: first.id });
    let stopping = false;
    const ctx = { ...beforeWrite(1, () => (stopping = true)), shouldStop: () => stopping };
    expect((await executeRun(ctx, r.id)).kind).toBe("handed-back");

    await pruneRuns(t.db, 30);
    // Deleted, it would have taken the retry's link with it (ON DELETE SET NULL): the resumed
    // attempt would have retried every failed record of the scheme.
    expect((await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).retryOfId).toBe(first.id);
    expect((await runToEnd(testContext(t.db), r.id)).kind).toBe("finished");
    expect(await t.db.runOutcome.count({ where: { runId: r.id, sourceRecordId: { in: others } } })).toBe(0);
    expect((await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).failed).toBe(300);
  }, 60_000);
});

