// A retry that ends before any attempt took its records (cancelled while still queued, or given up
// by the host before a worker took it), docs/retry-policy.md: an automatic one counts the step it
// would have counted on the due transient failures it would have taken, so they are not due again
// at once (another automatic retry within the minute: the cancel would not stick); one someone
// asked for leaves the records as they were. So does an automatic one that failed in an attempt
// before it took them all (session 32). Real Postgres, a database of its own. The retries that end
// early after an attempt took records: packages/engine/src/retry-ends.test.ts.
import { DEFAULT_RETRY_BACKOFF_MS, message } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, transientFailures, type TestDatabase } from "../testing";
import { countDeadLetteredByRun, nextRetryDue, schemesWithRetries } from "./retries";
import { endRetryEarly } from "./retry-ends";
import { cancelRun, claimRun, createRun, failActiveRun } from "./runs";
import { assignFailedToRun } from "./staging";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("retryends");
  db = createPrisma(tdb.url, 4);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

const AUTOMATIC = { scope: "scheme", automatic: true };

/**
 * A scheme (no saved versions: the default schedule) whose manual run failed `count` records
 * transiently at `retryStep`, due a minute ago; beside them one failed for its data, one transient
 * not due for an hour and one dead letter, which no automatic retry takes.
 */
async function dueFailures(name: string, count: number, retryStep: number) {
  const scheme = await db.scheme.create({ data: { name, definition: {} } });
  const first = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
  await db.run.update({ where: { id: first.id }, data: { status: "partial", phase: "done", failed: count + 3, finishedAt: new Date() } });
  const due = await transientFailures(db, { schemeId: scheme.id, runId: first.id, count, retryStep });
  const base = { schemeId: scheme.id, data: {}, payloadHash: "h", status: "failed" as const, lastRunId: first.id };
  const others = [
    await db.sourceRecord.create({ data: { ...base, sourceId: "DATA", lastError: "编码重复", errorClass: "data" } }),
    await db.sourceRecord.create({ data: { ...base, sourceId: "LATER", lastError: "金蝶繁忙", errorClass: "transient", retryStep: 1, retryAt: new Date(Date.now() + 3_600_000) } }),
    await db.sourceRecord.create({ data: { ...base, sourceId: "DEAD", lastError: "金蝶繁忙", errorClass: "transient", retryStep: 5, deadAt: new Date(Date.now() - 60_000) } }),
  ];
  for (const r of due) {
    await db.$executeRaw`
      INSERT INTO run_records (run_id, source_record_id, source_id, status, error, error_class, payload, created_at, updated_at)
      VALUES (${first.id}::uuid, ${r.id}, ${r.sourceId}, 'failed', '金蝶繁忙', 'transient', ${JSON.stringify({ FNumber: r.sourceId })}::jsonb, now(), now())`;
  }
  const snapshot = (ids: bigint[]) => db.sourceRecord.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" } });
  return { scheme, first, due, others, othersBefore: await snapshot(others.map((o) => o.id)), snapshot };
}

const logLines = async (runId: string) => (await db.runLog.findMany({ where: { runId }, orderBy: { id: "asc" } })).map((l) => l.message);

describe("a retry that ends before any attempt took its records", () => {
  test("an automatic retry cancelled while still queued moves the due records to the schedule's next step: no other retry within the minute", async () => {
    const { scheme, first, due, others, othersBefore, snapshot } = await dueFailures("cancelled while queued", 3, 1);
    // A test run that writes nothing runs beside it (it stages nothing): no reason to hold back.
    const dry = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "test", options: { sampleSize: 5 } });
    // The retry job fired and queued the automatic retry; before a worker took it, someone pressed 取消
    // (金蝶 is being maintained, say).
    const retry = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "retry", options: AUTOMATIC });
    const cancelled = await cancelRun(db, retry.id);
    // Its failed counter counts them: @qiao/jobs' cancelRun keeps the run's job for the follow-ups.
    expect(cancelled).toMatchObject({ status: "cancelled", attempt: 0, failed: 3 });

    // Before session 18 they stayed due a minute ago: the once-a-minute restore-retries step (apps/worker
    // retries.ts) found them (schemesWithRetries) and queued the next automatic retry at once.
    const nextDue = await nextRetryDue(db, scheme.id);
    expect(nextDue!.getTime()).toBeGreaterThan(Date.now() + 60_000);
    expect((await schemesWithRetries(db)).find((s) => s.schemeId === scheme.id)?.retryAt).toEqual(nextDue);
    for (const r of await snapshot(due.map((d) => d.id))) {
      // The step the retry would have counted is counted: the default schedule's third (30 min) is next.
      expect(r).toMatchObject({ status: "failed", errorClass: "transient", retryStep: 2, deadAt: null, lastRunId: retry.id });
      expect(r.lastError).toContain("自动重试运行已取消，未发送");
      expect(r.retryAt!.getTime()).toBeGreaterThan(Date.now() + DEFAULT_RETRY_BACKOFF_MS[2]! - 10_000);
      expect(r.retryAt!.getTime()).toBeLessThanOrEqual(Date.now() + DEFAULT_RETRY_BACKOFF_MS[2]!);
    }
    // Each has a RunRecord of the retry, with the payload its last failure showed.
    const outcomes = await db.runOutcome.findMany({ where: { runId: retry.id }, orderBy: { sourceRecordId: "asc" } });
    expect(outcomes.map((o) => ({ status: o.status, errorClass: o.errorClass, payload: o.payload }))).toEqual(
      due.map((d) => ({ status: "failed", errorClass: "transient", payload: { FNumber: d.sourceId } })),
    );
    // What no automatic retry would have taken is untouched, and so is the run that failed them.
    expect(await snapshot(others.map((o) => o.id))).toEqual(othersBefore);
    expect((await db.run.findUniqueOrThrow({ where: { id: first.id } })).failed).toBe(6);
    expect(await logLines(retry.id)).toEqual([expect.stringContaining("运行已取消"), expect.stringContaining("3 条未发送的记录再次记为失败")]);

    // Once: it ended, nothing is due, a second call changes nothing.
    expect(await endRetryEarly(db, cancelled!, { failure: null })).toBeNull();
    expect((await db.run.findUniqueOrThrow({ where: { id: retry.id } })).failed).toBe(3);
    await cancelRun(db, dry.id);
  });

  test("at the schedule's last step they are dead letters of the cancelled retry, which its follow-up announces", async () => {
    const { scheme, due } = await dueFailures("cancelled while queued, last step", 3, 4);
    const retry = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "retry", options: AUTOMATIC });
    expect(await cancelRun(db, retry.id)).toMatchObject({ status: "cancelled", failed: 3 });
    const after = await db.sourceRecord.findMany({ where: { id: { in: due.map((d) => d.id) } } });
    expect(after.every((r) => r.status === "failed" && r.retryStep === 5 && r.retryAt === null && r.deadAt !== null)).toBe(true);
    expect(await countDeadLetteredByRun(db, retry.id)).toBe(3);
    // Only the transient one due in an hour is still waiting for a retry.
    expect((await nextRetryDue(db, scheme.id))!.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
    expect(await logLines(retry.id)).toEqual([expect.stringContaining("运行已取消"), expect.stringContaining("其中 3 条已用完重试次数，进入死信")]);
  });

  test("a retry someone asked for, cancelled while still queued, leaves the failed records as they were", async () => {
    const { scheme, due, others, snapshot } = await dueFailures("manual retry cancelled while queued", 3, 1);
    const all = [...due, ...others].map((r) => r.id);
    const before = await snapshot(all);
    for (const options of [{ scope: "scheme" }, { scope: "scheme", deadLetters: true }]) {
      const retry = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "retry", options });
      expect(await cancelRun(db, retry.id)).toMatchObject({ status: "cancelled", failed: 0 });
      expect(await snapshot(all)).toEqual(before);
      expect(await db.runOutcome.count({ where: { runId: retry.id } })).toBe(0);
      expect(await logLines(retry.id)).toEqual([]);
    }
  });

  test("an automatic retry given up before a worker took it does the same, and never touches the records of another active run", async () => {
    const { scheme, due, snapshot } = await dueFailures("given up before an attempt", 3, 1);
    const ids = due.map((d) => d.id);
    const retry = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "retry", options: AUTOMATIC });
    const failure = message("run.workerFailed", { text: "gone" });
    const failed = await failActiveRun(db, retry.id, failure);
    expect(failed).toMatchObject({ status: "failed", attempt: 0 });

    // Before its records were seen to, another run of the scheme started: they are its to send or fail.
    const other = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
    const before = await snapshot(ids);
    expect(await endRetryEarly(db, failed!, { failure })).toBeNull();
    expect(await snapshot(ids)).toEqual(before);
    await cancelRun(db, other.id);

    // With none active, they move to the schedule's next step, saying why.
    const line = await endRetryEarly(db, failed!, { failure });
    expect(line?.data).toEqual({ failed: 3, deadLettered: 0 });
    for (const r of await snapshot(ids)) {
      expect(r).toMatchObject({ retryStep: 2, lastRunId: retry.id, deadAt: null });
      expect(r.lastError).toContain("自动重试运行失败，未发送");
    }
  });

  test("an automatic retry that is still queued is not ended early: its records wait for its attempt", async () => {
    const { scheme, due, snapshot } = await dueFailures("still queued", 3, 1);
    const ids = due.map((d) => d.id);
    const before = await snapshot(ids);
    const retry = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "retry", options: AUTOMATIC });
    expect(await endRetryEarly(db, retry, { failure: null })).toBeNull();
    expect(await snapshot(ids)).toEqual(before);
    await cancelRun(db, retry.id);
  });
});

describe("an automatic retry that fails in an attempt before it took all the due records (session 32)", () => {
  test("what it took and what it did not take each count one step, once: no other retry within the minute", async () => {
    const { scheme, due, others, othersBefore, snapshot } = await dueFailures("failed while preparing", 4, 1);
    const ids = due.map((d) => d.id);
    const retry = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "retry", options: AUTOMATIC });
    const claim = await claimRun(db, retry.id, new Date());
    if (!claim.claimed) throw new Error("not claimed");
    // It took its first chunk (two records); warming the next one, an ERP lookup failed the run.
    const taken = due.slice(0, 2).map((r) => ({ id: r.id, hash: r.payloadHash }));
    expect(await assignFailedToRun(db, { schemeId: scheme.id, runId: retry.id, attempt: claim.run.attempt, records: taken, automatic: true })).toBe(2);
    const failure = message("run.workerFailed", { text: "lookup failed" });

    // An attempt that no longer owns the run changes nothing.
    expect(await endRetryEarly(db, { ...claim.run, attempt: claim.run.attempt + 1 }, { failure })).toBeNull();
    expect((await snapshot(ids)).map((r) => r.retryStep)).toEqual([2, 2, 1, 1]);

    const line = await endRetryEarly(db, claim.run, { failure });
    expect(line?.data).toEqual({ failed: 4, deadLettered: 0 });
    for (const r of await snapshot(ids)) {
      // The default schedule's third step (30 min) is next for all four, taken or not.
      expect(r).toMatchObject({ status: "failed", errorClass: "transient", retryStep: 2, deadAt: null, lastRunId: retry.id, retryPrior: null });
      expect(r.lastError).toContain("自动重试运行失败，未发送");
      expect(r.retryAt!.getTime()).toBeGreaterThan(Date.now() + DEFAULT_RETRY_BACKOFF_MS[2]! - 10_000);
    }
    expect(await db.runOutcome.count({ where: { runId: retry.id, status: "failed" } })).toBe(4);
    expect((await db.run.findUniqueOrThrow({ where: { id: retry.id } })).failed).toBe(4);
    expect((await nextRetryDue(db, scheme.id))!.getTime()).toBeGreaterThan(Date.now() + 60_000);
    expect(await snapshot(others.map((o) => o.id))).toEqual(othersBefore);

    // Once: a second call (another path ending it) counts nothing more.
    expect(await endRetryEarly(db, claim.run, { failure })).toBeNull();
    expect((await snapshot(ids)).map((r) => r.retryStep)).toEqual([2, 2, 2, 2]);
    expect((await db.run.findUniqueOrThrow({ where: { id: retry.id } })).failed).toBe(4);
    await failActiveRun(db, retry.id, failure);
  });
});
