// The run against real Postgres and the in-process simulators (issue 4's Done-when list, engine side).
import type { SchemeDefinition } from "@qiao/core";
import type { WriteRequest } from "@qiao/connectors";
import { ConnectorError } from "@qiao/connectors";
import { cancelRun, Prisma } from "@qiao/db";
import { afterEach, describe, expect, test } from "vitest";
import type { EngineContext } from "./context";
import { executeRun } from "./execute-run";
import type { TestRunResult } from "./test-run";
import { afterFirstCallNextMarked, runToEnd, simulate, testContext, wrapKingdeeTarget, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("engine");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function context(extra: Partial<EngineContext> = {}): EngineContext {
  return testContext(t.db, extra);
}

async function run(schemeId: string, trigger: "manual" | "test" | "retry" = "manual", extra = {}, ctx = context()) {
  const r = await sim!.requestRun(schemeId, trigger, extra);
  const outcome = await runToEnd(ctx, r.id);
  expect(outcome.kind).toBe("finished");
  return t.db.run.findUniqueOrThrow({ where: { id: r.id } });
}

async function logsOf(runId: string): Promise<string[]> {
  const rows = await t.db.runLog.findMany({ where: { runId }, orderBy: { id: "asc" } });
  return rows.map((r) => r.message);
}

const wrappedKingdee = wrapKingdeeTarget;

const never = new Promise<never>(() => {});

describe("executeRun", () => {
  test("a full sync of 5,000 shops creates exactly 5,000 customers; a second full run writes 0 and skips 5,000", async () => {
    sim = await simulate(t.db, { shops: 5000 });
    const scheme = await sim.createScheme();

    const first = await run(scheme.id);
    expect(first).toMatchObject({ status: "succeeded", phase: "done", total: 5000, fetched: 5000, written: 5000, skipped: 0, failed: 0 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 5000, duplicateAttempts: 0 });
    expect(await t.db.runOutcome.count({ where: { runId: first.id, status: "written" } })).toBe(5000);
    const customer = sim.kingdee.store.list()[0]!;
    expect(customer.FCreateOrgId).toEqual({ FNumber: "100" });
    const scheme1 = await t.db.scheme.findUniqueOrThrow({ where: { id: scheme.id } });
    expect(scheme1.cursor?.getTime()).toBe(first.windowEnd?.getTime());

    const second = await run(scheme.id);
    expect(second).toMatchObject({ status: "succeeded", fetched: 5000, written: 0, skipped: 5000, failed: 0 });
    expect(await t.db.runOutcome.count({ where: { runId: second.id } })).toBe(0);
    expect(sim.kingdee.stats()).toMatchObject({ customers: 5000, duplicateAttempts: 0 });
    const logs = await logsOf(second.id);
    // The 50 unchanged pages share one line.
    expect(logs.filter((l) => l.startsWith("第 "))).toEqual(["第 1–50/50 页：读取 5000 条，全部未变"]);
    expect(logs.length).toBeLessThan(8);

    // The last line carries the attempt's time against the target and the target's concurrent
    // calls (the run page's timings): a span for the run that wrote, none for the one that did not.
    const finishedData = async (runId: string) =>
      (await t.db.runLog.findMany({ where: { runId }, orderBy: { id: "desc" }, take: 1 }))[0]!.data as {
        timingsMs: { total: number; targetSpan: number; targetIdle: number };
        target: { connectionId: string; concurrency: number };
      };
    const wrote = await finishedData(first.id);
    expect(wrote.target).toEqual({ connectionId: sim.targetConnectionId, concurrency: 2 });
    expect(wrote.timingsMs.targetSpan).toBeGreaterThan(0);
    expect(wrote.timingsMs.targetSpan).toBeLessThanOrEqual(wrote.timingsMs.total);
    expect(wrote.timingsMs.targetIdle).toBeLessThanOrEqual(wrote.timingsMs.targetSpan);
    expect((await finishedData(second.id)).timingsMs).toMatchObject({ targetSpan: 0, targetIdle: 0 });

    // Deleting the scheme takes its staging, runs and RunRecords along (a trigger, not foreign keys, for staging).
    await t.db.scheme.delete({ where: { id: scheme.id } });
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id } })).toBe(0);
    expect(await t.db.runOutcome.count({ where: { runId: { in: [first.id, second.id] } } })).toBe(0);
  }, 60_000);

  test("incremental upsert: a second run reads 0; after 10 shops change, a run writes exactly those 10", async () => {
    sim = await simulate(t.db, { shops: 300 });
    const scheme = await sim.createScheme((def) => {
      for (const node of def.nodes) {
        if (node.type === "source") node.config.params.modify_start_date = "{{LAST_SYNC_TIME datetime}}";
        if (node.type === "target") node.config.mode = "upsert";
      }
    });
    const first = await run(scheme.id);
    expect(first).toMatchObject({ status: "succeeded", fetched: 300, written: 300 });

    const second = await run(scheme.id);
    expect(second).toMatchObject({ status: "succeeded", total: 0, fetched: 0, written: 0 });
    expect(second.windowStart!.getTime()).toBe(first.windowEnd!.getTime() - 60_000);

    const shops = sim.guanyi.modifyShops(
      Array.from({ length: 10 }, (_, i) => ({ id: 710944500000 + i * 7, set: { name: `改名后的店铺 ${i}` } })),
    );
    const third = await run(scheme.id);
    expect(third).toMatchObject({ status: "succeeded", fetched: 10, written: 10, failed: 0 });
    const written = await t.db.runOutcome.findMany({ where: { runId: third.id }, select: { sourceId: true } });
    expect(written.map((r) => r.sourceId).sort()).toEqual(shops.map((s) => String(s.id)).sort());
    expect(sim.kingdee.stats()).toMatchObject({ customers: 300, duplicateAttempts: 0 });
    expect(sim.kingdee.store.list().filter((c) => String(c.FName).startsWith("改名后的店铺"))).toHaveLength(10);
  }, 30_000);

  test("a new mapping version writes what it changes; a mapping that uses the run's time is mapped again every run", async () => {
    sim = await simulate(t.db, { shops: 200 });
    const upsert = (def: SchemeDefinition) => {
      for (const node of def.nodes) if (node.type === "target") node.config.mode = "upsert";
    };
    const scheme = await sim.createScheme(upsert);
    expect(await run(scheme.id)).toMatchObject({ status: "succeeded", written: 200 });
    // Unchanged data, same mapping: found unchanged by the data hash and mapping key alone.
    expect(await run(scheme.id)).toMatchObject({ status: "succeeded", written: 0, skipped: 200 });

    const setMapping = (field: string, template: string) => (def: SchemeDefinition) => {
      for (const node of def.nodes) if (node.type === "target") node.config.mapping[field] = template;
    };
    await sim.saveVersion(scheme.id, setMapping("FDescription", "来自管易云：{{name}}"));
    expect(await run(scheme.id)).toMatchObject({ status: "succeeded", written: 200 });
    expect(sim.kingdee.store.list().every((c) => String(c.FDescription).startsWith("来自管易云："))).toBe(true);
    expect(await run(scheme.id)).toMatchObject({ status: "succeeded", written: 0, skipped: 200 });

    // CURRENT_TIME differs from run to run, and so does every payload (the data did not change).
    await sim.saveVersion(scheme.id, setMapping("FDescription", "同步于 {{CURRENT_TIME datetime}}"));
    const timed = await run(scheme.id);
    expect(timed).toMatchObject({ status: "succeeded", written: 200 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await run(scheme.id)).toMatchObject({ status: "succeeded", written: 200 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 200, duplicateAttempts: 0 });
  }, 60_000);

  test("create mode: a changed shop is stale (not updated), counted as skipped", async () => {
    sim = await simulate(t.db, { shops: 50 });
    const scheme = await sim.createScheme();
    await run(scheme.id);
    sim.guanyi.modifyShops([{ id: 710944500000, set: { name: "新名字" } }]);
    const second = await run(scheme.id);
    expect(second).toMatchObject({ status: "succeeded", fetched: 50, written: 0, skipped: 50 });
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "stale" } })).toBe(1);
    expect((await logsOf(second.id)).join("\n")).toContain("“新增”模式不更新");
  }, 30_000);

  test("20 FNumbers already taken: partial with Kingdee's message; after freeing them a retry writes those 20", async () => {
    sim = await simulate(t.db, { shops: 200 });
    const scheme = await sim.createScheme();
    const test = await run(scheme.id, "test", { options: { sampleSize: 100 } });
    const codes = (test.result as unknown as TestRunResult).records.slice(0, 20).map((r) => String(r.source.code));
    sim.kingdee.store.preCreate(codes.map((code) => ({ FNumber: code, FName: "别人先建的" })));

    const first = await run(scheme.id);
    expect(first).toMatchObject({ status: "partial", written: 180, failed: 20 });
    const failed = await t.db.runOutcome.findMany({ where: { runId: first.id, status: "failed" } });
    expect(failed).toHaveLength(20);
    expect(failed[0]!.error).toContain("违反字段唯一性要求");
    expect(failed[0]!.errorField).toBe("FNumber");
    expect(failed[0]!.payload).toMatchObject({ FNumber: expect.any(String), FName: expect.any(String) });

    expect(sim.kingdee.store.delete(codes)).toBe(20);
    // The retry maps with the scheme's current version.
    await sim.saveVersion(scheme.id, (def) => {
      for (const node of def.nodes) if (node.type === "target") node.config.mapping.FDescription = "重试 {{code}}";
    });
    const chosen = failed.slice(0, 5).map((r) => r.sourceRecordId.toString());
    const some = await run(scheme.id, "retry", { retryOfId: first.id, options: { sourceRecordIds: chosen } });
    expect(some).toMatchObject({ status: "succeeded", total: 5, written: 5 });
    const retry = await run(scheme.id, "retry", { retryOfId: first.id });
    expect(retry).toMatchObject({ status: "succeeded", fetched: 0, total: 15, written: 15, failed: 0, retryOfId: first.id });
    expect(sim.kingdee.stats().customers).toBe(200);
    expect(sim.kingdee.store.list().filter((c) => c.FDescription === `重试 ${c.FNumber}`)).toHaveLength(20);
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "written" } })).toBe(200);

    const again = await run(scheme.id, "retry", { options: { scope: "scheme" } });
    expect(again).toMatchObject({ status: "succeeded", total: 0, written: 0 });
  }, 30_000);

  test("records left sending by a dead attempt are parked as unknown and looked up after the wait, never resent before (crash after and before the call)", async () => {
    // One call at a time: the steps below follow the calls in order (parallel-writes.test.ts covers C > 1).
    sim = await simulate(t.db, { shops: 500, concurrency: 1 });
    const scheme = await sim.createScheme();
    const r = await sim.requestRun(scheme.id, "manual");

    // Attempt 1 "dies" after Kingdee committed its 2nd batch; attempt 2 before sending its 2nd batch.
    let calls = 0;
    const sent = new Map<string, number>();
    const crashing = (when: "after" | "before" | "never") =>
      context({
        getConnector: wrappedKingdee((real) => ({
          ...real,
          async write(req: WriteRequest) {
            calls++;
            if (calls === 2 && when === "before") return never;
            for (const record of req.records) sent.set(String(record.FNumber), (sent.get(String(record.FNumber)) ?? 0) + 1);
            const outcome = await real.write(req);
            if (calls === 2 && when === "after") return never;
            return outcome;
          },
        })),
      });
    void executeRun(crashing("after"), r.id);
    await expect.poll(() => calls, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => sim!.kingdee.stats().customers, { timeout: 10_000 }).toBe(200);
    // Sending: the batch in flight and the next one, marked while the call was in flight (the mark
    // may land just after the call's answer, hence the poll).
    await expect.poll(() => t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "sending" } }), { timeout: 10_000 }).toBe(200);
    // A RunRecord is written with the answer; a batch in flight has its payloads in its batch row's
    // slots (what the lookup will read), not yet as entries.
    expect(await t.db.runOutcome.count({ where: { runId: r.id } })).toBe(100);
    const slotted = await t.db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM source_records s JOIN run_written_batches b ON b.run_id = s.sending_run_id AND b.batch_id = s.batch_id
      WHERE s.scheme_id = ${scheme.id}::uuid AND s.status = 'sending' AND s.sending_run_id = ${r.id}::uuid
        AND b.source_record_ids[s.sending_entry - b.id + 1] = s.id AND (b.payloads[s.sending_entry - b.id + 1])::jsonb ? 'FNumber'
        AND b.ids[s.sending_entry - b.id + 1] IS NULL`;
    expect(slotted).toEqual([{ n: 200 }]);

    calls = 0;
    void executeRun(crashing("before"), r.id);
    await expect.poll(() => calls, { timeout: 10_000 }).toBe(2);
    // Attempt 1's 200 are unknown (not looked up yet: their wait has not passed) and are not read
    // again; attempt 2 wrote the 4th page's 100 and has the 5th page's 100 in flight.
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "unknown" } })).toBe(200);
    await expect.poll(() => t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "sending" } }), { timeout: 10_000 }).toBe(100);
    expect(sim.kingdee.stats().customers).toBe(300);
    const waiting = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
    expect(waiting.unknown).toBe(200);

    const outcome = await runToEnd(crashing("never"), r.id);
    expect(outcome.kind).toBe("finished");
    const done = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
    expect(done).toMatchObject({ status: "succeeded", written: 500, failed: 0, unknown: 0, waitingUntil: null });
    expect(done.attempt).toBeGreaterThanOrEqual(4);
    expect(sim.kingdee.stats()).toMatchObject({ customers: 500, duplicateAttempts: 0 });
    // Each number went out exactly once: the committed batch was found, the two never sent were
    // sent only after the lookup said they were absent.
    expect([...sent.values()].every((n) => n === 1)).toBe(true);
    expect(sent.size).toBe(500);
    const logs = (await logsOf(r.id)).join("\n");
    expect(logs).toContain("发现 200 条被中断的写入");
    expect(logs).toMatch(/条已存在（记为已写入），\d+ 条不存在（重新发送）/);
    expect(logs).toContain("写入结果待确认");
    expect(await t.db.runOutcome.count({ where: { runId: r.id, status: "written" } })).toBe(500);
    // The 100 found by the lookup keep the payload that was sent, and say how they were resolved.
    const lookedUp = await t.db.runOutcome.findMany({ where: { runId: r.id, status: "written", response: { path: ["lookedUp"], equals: true } } });
    expect(lookedUp).toHaveLength(100);
    expect(lookedUp.every((rr) => typeof (rr.payload as Record<string, unknown>).FNumber === "string")).toBe(true);
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, NOT: { sendingPayload: { equals: Prisma.DbNull } } } })).toBe(0);
  }, 30_000);

  test("a batch the target certainly did not process is put back to pending, with no RunRecord; the next run sends it once", async () => {
    // One call at a time: with two, the third batch may be sent while the second is refused, and
    // is then written in this run (correctly), which makes the counts below depend on timing.
    sim = await simulate(t.db, { shops: 300, concurrency: 1 });
    const scheme = await sim.createScheme();
    // The second batch is refused, not the second call: on a loaded machine a batch can wait past
    // the test's 1-second lease for its slot (not_sent) and go again, which is one more call.
    const batches = new Set<string>();
    const refusing = context({
      getConnector: wrappedKingdee((real) => ({
        ...real,
        async write(req: WriteRequest) {
          batches.add(JSON.stringify(req.records[0]));
          if (batches.size === 2 && JSON.stringify(req.records[0]) === [...batches][1]) {
            throw new ConnectorError("network", "kingdee", "connection refused");
          }
          return real.write(req);
        },
      })),
    });
    const first = await run(scheme.id, "manual", {}, refusing);
    expect(first).toMatchObject({ status: "failed", written: 100 });
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "sending" } })).toBe(0);
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "pending", sendingPayload: { equals: Prisma.DbNull } } })).toBe(200);
    expect(await t.db.runOutcome.count({ where: { runId: first.id } })).toBe(100);
    // The numbers of the records put back are unsent again (target_number_claims.sends): only the
    // 100 written hold a number a send may have written under.
    expect(await t.db.targetNumberClaim.count({ where: { schemeId: scheme.id, sends: { not: 0 } } })).toBe(100);
    expect(await t.db.targetNumberClaim.count({ where: { schemeId: scheme.id, sends: 0 } })).toBeGreaterThanOrEqual(100);

    const second = await run(scheme.id);
    expect(second).toMatchObject({ status: "succeeded", written: 200, failed: 0 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 300, duplicateAttempts: 0 });
  }, 30_000);

  test("a stalled attempt that wakes up after another took over records nothing and sends nothing more", async () => {
    // One call at a time: the steps below follow the calls in order (parallel-writes.test.ts covers C > 1).
    sim = await simulate(t.db, { shops: 300, concurrency: 1 });
    const scheme = await sim.createScheme();
    const r = await sim.requestRun(scheme.id, "manual");
    let wake: () => void = () => {};
    const woken = new Promise<void>((resolve) => (wake = resolve));
    let stalledCalls = 0;
    const stalled = executeRun(
      context({
        getConnector: wrappedKingdee((real) => ({
          ...real,
          async write(req: WriteRequest) {
            const outcome = await real.write(req);
            if (++stalledCalls === 1) await woken;
            return outcome;
          },
        })),
      }),
      r.id,
    );
    await expect.poll(() => sim!.kingdee.stats().customers, { timeout: 10_000 }).toBe(100);
    const taking = runToEnd(context(), r.id);
    await expect.poll(() => t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "unknown" } }), { timeout: 10_000 }).toBeGreaterThan(0);
    // A job is handed to another worker only after its worker missed renewing its lock for half the
    // lock's length or more (BullMQ renews it every half), and the lease is as long as the lock: the
    // stalled attempt wakes up past half its lease, so the lease its next batch was marked under is
    // read again before that batch's call (batchSendBy), or its own renewal failed meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 600));
    wake();
    expect((await stalled).kind).toBe("superseded");
    expect((await taking).kind).toBe("finished");
    expect(stalledCalls).toBe(1);
    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "succeeded", written: 300, unknown: 0 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 300, duplicateAttempts: 0 });
  }, 30_000);

  test("cancellation stops before the next batch not yet marked (one marked before it still goes); the next run writes the rest without duplicates", async () => {
    // One call at a time: the steps below follow the calls in order (parallel-writes.test.ts covers C > 1).
    sim = await simulate(t.db, { shops: 400, concurrency: 1 });
    const scheme = await sim.createScheme();
    const r = await sim.requestRun(scheme.id, "manual");
    // Cancelled once the second batch is marked (while the first call is in flight): it goes, the third is not marked.
    const watched = afterFirstCallNextMarked(t.db, scheme.id, 200, () => cancelRun(t.db, r.id));
    const ctx = context({ getConnector: watched.getConnector });
    await executeRun(ctx, r.id);
    expect(watched.calls()).toBe(2);
    const cancelled = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
    expect(cancelled).toMatchObject({ status: "cancelled", written: 200, cancelRequested: true });
    expect((await logsOf(r.id)).join("\n")).toContain("运行已取消");

    const next = await run(scheme.id);
    expect(next).toMatchObject({ status: "succeeded", written: 200, skipped: 200 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 400, duplicateAttempts: 0 });
  }, 30_000);

  test("a graceful stop hands the run back after its batch; the next attempt finishes it", async () => {
    sim = await simulate(t.db, { shops: 300 });
    const scheme = await sim.createScheme();
    const r = await sim.requestRun(scheme.id, "manual");
    let calls = 0;
    const stopping = context({
      shouldStop: () => calls >= 1,
      getConnector: wrappedKingdee((real) => ({
        ...real,
        async write(req: WriteRequest) {
          calls++;
          return real.write(req);
        },
      })),
    });
    expect((await executeRun(stopping, r.id)).kind).toBe("handed-back");
    // Records are written while the read goes on: the stop came during the read, which the next
    // attempt starts again (staging skips what is written).
    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "queued", phase: "reading", written: 100 });
    expect((await executeRun(context(), r.id)).kind).toBe("finished");
    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "succeeded", written: 300, attempt: 2 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 300, duplicateAttempts: 0 });
  }, 30_000);

  test("a mapping error fails the record without calling the target", async () => {
    sim = await simulate(t.db, { shops: 10 });
    sim.guanyi.modifyShops([{ id: 710944500000, set: { name: "   " } }]);
    const scheme = await sim.createScheme();
    const r = await run(scheme.id);
    expect(r).toMatchObject({ status: "partial", written: 10 - 1, failed: 1 });
    const failed = await t.db.runOutcome.findFirstOrThrow({ where: { runId: r.id, status: "failed" } });
    expect(failed).toMatchObject({ sourceId: "710944500000", errorField: "FName", response: null });
    expect(failed.error).toContain("必填字段 FName");
  }, 30_000);

  test("a source that refuses the credentials fails the run with the reason", async () => {
    sim = await simulate(t.db, { shops: 10 });
    const scheme = await sim.createScheme();
    await t.db.connection.update({ where: { id: sim.sourceConnectionId }, data: { settings: { appkey: "000000" } } });
    const r = await run(scheme.id);
    expect(r.status).toBe("failed");
    expect(r.error).toMatch(/管易云/);
    expect(await t.db.scheme.findUniqueOrThrow({ where: { id: scheme.id } })).toMatchObject({ cursor: null });
  }, 30_000);

  test("a target that stays down fails the run with a clear message, no hang", async () => {
    sim = await simulate(t.db, { shops: 10 });
    const scheme = await sim.createScheme();
    await sim.kingdee.close();
    const r = await run(scheme.id);
    expect(r.status).toBe("failed");
    expect(r.error).toMatch(/金蝶/);
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "pending" } })).toBe(10);
  }, 30_000);
});
