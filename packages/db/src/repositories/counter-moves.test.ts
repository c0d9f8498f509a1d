// "A record counts once per run, as it ended" (session 24, from its audit of 9f7991e): parkSending
// and recordWaiting give a record resent in the same run a new outcome (unknown, waiting), and the
// run's counters move from the outcome it had. Waiting is one of those outcomes (session 31's audit):
// a record that waited and is then written, failed or parked in the same run moves off `waiting`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { claimedRunWithPending } from "./claimed-run.test-util";
import { markSending, type SendingRecordInput } from "./mark-sending";
import { parkSending } from "./outcomes";
import { resolveUnknown } from "./resolve-unknown";
import { claimRun } from "./runs";
import { recordWaiting, type WaitingRecordInput } from "./waiting";
import { recordMappingFailures } from "./unsent";
import { recordWriteResults, type WriteResult } from "./write-protocol";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("countermoves");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

const record = (id: bigint, sourceId: string, hash: string): SendingRecordInput => ({ id, sourceId, hash, payload: { FNumber: sourceId, v: hash } });

async function state(runId: string) {
  const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
  const outcomes = await db.runOutcome.findMany({ where: { runId }, orderBy: { sourceRecordId: "asc" } });
  return {
    counters: { written: run.written, failed: run.failed, unknown: run.unknown, saved: run.saved, waiting: run.waiting },
    outcomes: outcomes.map((o) => [o.sourceId, o.status]),
  };
}

/** One record A, sent in batch b1 and answered `first` while its payload changed (upsert: pending again). */
async function answeredWhileChanged(label: string, first: "written" | "failed") {
  const { ref, ids } = await claimedRunWithPending(db, label, ["A"]);
  const a = ids.get("A")!;
  await markSending(db, { ...ref, batchId: "b1", mappingKey: "k", records: [record(a, "A", "h1")] });
  // Staged again with other data while b1 was in flight.
  await db.sourceRecord.update({ where: { id: a }, data: { payloadHash: "h2" } });
  const answer: WriteResult =
    first === "written"
      ? { id: a, hash: "h1", outcome: "written", targetId: "T-A", targetNumber: "A" }
      : { id: a, hash: "h1", outcome: "failed", error: "超时", errorClass: "transient" };
  const r1 = await recordWriteResults(db, { ...ref, batchId: "b1", mode: "upsert", results: [answer], unknownWaitMs: 0, retryBackoffMs: [60_000] });
  expect(r1.requeued).toBe(1);
  return { ref, a };
}

/** answeredWhileChanged, then marked again in b2. */
async function sentTwice(first: "written" | "failed") {
  const { ref, a } = await answeredWhileChanged("审计", first);
  // The sweep sends the newer payload in b2.
  expect((await markSending(db, { ...ref, batchId: "b2", mappingKey: "k", records: [record(a, "A", "h2")] })).size).toBe(1);
  return { ref, a };
}

describe("parkSending: a record resent in the same run, its worker killed during the resend", () => {
  it("written in b1, resent in b2, parked as unknown by the resumed attempt: counts as unknown only", async () => {
    const { ref, a } = await sentTwice("written");
    // The worker dies during b2's call; the next attempt takes the run over and parks b2.
    const next = await claimRun(db, ref.runId, new Date());
    if (!next.claimed) throw new Error("not claimed");
    const mine = { runId: ref.runId, attempt: next.run.attempt, schemeId: ref.schemeId };
    expect((await parkSending(db, { ...mine, delayMs: 0, message: "中断" })).parked).toBe(1);
    // One RunRecord, unknown: the run's counters must say unknown 1, written 0.
    expect.soft(await state(ref.runId)).toEqual({ counters: { written: 0, failed: 0, unknown: 1, saved: 0, waiting: 0 }, outcomes: [["A", "unknown"]] });

    // Its lookup finds it, and the target says it holds what b2 sent (the verdict's own foundAs, as
    // a bill's status does): written once. (Without it, a found resend of a record written before is
    // pending again in upsert mode, and stale in create mode since session 32: neither proves it.)
    await resolveUnknown(db, {
      ...mine,
      mode: "create",
      verdicts: [{ id: a, batchId: "b2", outcome: "found", sentHash: "h2", targetId: "T-A", targetNumber: "A", foundAs: "written" }],
      messages: { absent: "不存在", unverifiable: "无法核对" },
    });
    expect(await state(ref.runId)).toEqual({ counters: { written: 1, failed: 0, unknown: 0, saved: 0, waiting: 0 }, outcomes: [["A", "written"]] });
  });

  it("failed in b1 (changed meanwhile), resent in b2, parked: counts as unknown, not also as failed", async () => {
    const { ref } = await sentTwice("failed");
    const next = await claimRun(db, ref.runId, new Date());
    if (!next.claimed) throw new Error("not claimed");
    await parkSending(db, { runId: ref.runId, attempt: next.run.attempt, schemeId: ref.schemeId, delayMs: 0, message: "中断" });
    expect(await state(ref.runId)).toEqual({ counters: { written: 0, failed: 0, unknown: 1, saved: 0, waiting: 0 }, outcomes: [["A", "unknown"]] });
  });
});

/** Record A waiting (with payload hash `hash`) for a new scheme 客户's key C1. */
async function waitFor(a: bigint, hash: string): Promise<WaitingRecordInput> {
  const dep = await db.scheme.create({ data: { name: `客户 ${Math.random()}`, definition: {} } });
  return {
    id: a,
    sourceId: "A",
    hash,
    payload: { FNumber: "A" },
    reason: "等待依赖",
    waits: [{ schemeId: dep.id, scheme: "客户", key: "C1", field: "FCustId", checkedAt: new Date() }],
  };
}

describe("recordWaiting: a record with an outcome in the run already, its newer data waiting for a lookup", () => {
  async function waitsAfter(first: "written" | "failed") {
    const { ref, a } = await answeredWhileChanged("审计等待", first);
    expect(await recordWaiting(db, { ...ref, records: [await waitFor(a, "h2")] })).toBe(1);
    return ref;
  }

  it("written in b1, its newer data waits: counted as waiting, no longer as written", async () => {
    const ref = await waitsAfter("written");
    const s = await state(ref.runId);
    expect(s.outcomes).toEqual([["A", "waiting"]]);
    expect(s.counters).toEqual({ written: 0, failed: 0, unknown: 0, saved: 0, waiting: 1 });
  });

  it("failed in b1, its newer data waits: counted as waiting, no longer as failed", async () => {
    const ref = await waitsAfter("failed");
    const s = await state(ref.runId);
    expect(s.outcomes).toEqual([["A", "waiting"]]);
    expect(s.counters).toEqual({ written: 0, failed: 0, unknown: 0, saved: 0, waiting: 1 });
  });
});

describe("a record that waited earlier in the run, then mapped again and given another outcome (its dependency wrote meanwhile)", () => {
  /** A waits in the run, then is pending again (a resumed attempt's read stages it again). */
  async function waitedThenPending(label: string) {
    const { ref, ids } = await claimedRunWithPending(db, label, ["A"]);
    const a = ids.get("A")!;
    expect(await recordWaiting(db, { ...ref, records: [await waitFor(a, "h1")] })).toBe(1);
    expect((await state(ref.runId)).counters.waiting).toBe(1);
    await db.sourceRecord.update({ where: { id: a }, data: { status: "pending" } });
    return { ref, a };
  }

  it("written: counts as written only, not also as waiting", async () => {
    const { ref, a } = await waitedThenPending("等待后写入");
    expect((await markSending(db, { ...ref, batchId: "b1", mappingKey: "k", records: [record(a, "A", "h1")] })).size).toBe(1);
    const answer: WriteResult = { id: a, hash: "h1", outcome: "written", targetId: "T-A", targetNumber: "A" };
    await recordWriteResults(db, { ...ref, batchId: "b1", mode: "create", results: [answer], unknownWaitMs: 0, retryBackoffMs: [60_000] });
    expect(await state(ref.runId)).toEqual({ counters: { written: 1, failed: 0, unknown: 0, saved: 0, waiting: 0 }, outcomes: [["A", "written"]] });
  });

  it("failed in its mapping: counts as failed only", async () => {
    const { ref, a } = await waitedThenPending("等待后映射失败");
    await recordMappingFailures(db, { ...ref, failures: [{ id: a, sourceId: "A", hash: "h1", payload: {}, error: "缺少字段", errorField: "FName" }] });
    expect(await state(ref.runId)).toEqual({ counters: { written: 0, failed: 1, unknown: 0, saved: 0, waiting: 0 }, outcomes: [["A", "failed"]] });
  });

  it("sent, its worker killed, parked by the next attempt: counts as unknown only", async () => {
    const { ref, a } = await waitedThenPending("等待后待确认");
    expect((await markSending(db, { ...ref, batchId: "b1", mappingKey: "k", records: [record(a, "A", "h1")] })).size).toBe(1);
    const next = await claimRun(db, ref.runId, new Date());
    if (!next.claimed) throw new Error("not claimed");
    await parkSending(db, { runId: ref.runId, attempt: next.run.attempt, schemeId: ref.schemeId, delayMs: 0, message: "中断" });
    expect(await state(ref.runId)).toEqual({ counters: { written: 0, failed: 0, unknown: 1, saved: 0, waiting: 0 }, outcomes: [["A", "unknown"]] });
  });
});
