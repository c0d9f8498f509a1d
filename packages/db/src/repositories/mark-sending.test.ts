// The mark (step 1 of the write protocol) sends only what staging holds: a row whose staged data
// changed since its payload was mapped is left pending, and a batch holding a record twice is
// refused; so do the batch's mapping failures and waits. The answer says which records the write
// left pending again (changed while being sent).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { markSending, type SendingRecordInput } from "./mark-sending";
import { parkSending, sendingMarkedByOthers } from "./outcomes";
import { resolveUnknown } from "./resolve-unknown";
import { renewLease, runFence, waitForOutcomes } from "./run-progress";
import { claimedRunWithPending } from "./claimed-run.test-util";
import { claimRun, createRun, finishRun } from "./runs";
import { recordWaiting } from "./waiting";
import { recordMappingFailures } from "./unsent";
import { recordWriteResults } from "./write-protocol";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("marksending");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

const setup = (sourceIds: string[]) => claimedRunWithPending(db, "标记", sourceIds);

const record = (id: bigint, sourceId: string, extra: Partial<SendingRecordInput> = {}): SendingRecordInput => ({
  id,
  sourceId,
  hash: "h1",
  payload: { FNumber: sourceId },
  ...extra,
});

describe("markSending", () => {
  it("marks a row only while it holds the data the payload was mapped from", async () => {
    const { ref, ids } = await setup(["A", "B", "C"]);
    const marked = await markSending(db, {
      ...ref,
      batchId: "b1",
      mappingKey: "k",
      records: [
        record(ids.get("A")!, "A", { dataHash: "d-A" }),
        // Staged again with newer data after this payload was mapped.
        record(ids.get("B")!, "B", { dataHash: "d-B-older" }),
        // No hash given: not checked.
        record(ids.get("C")!, "C"),
      ],
    });
    expect([...marked].sort()).toEqual([ids.get("A")!, ids.get("C")!].sort());
    const b = await db.sourceRecord.findUniqueOrThrow({ where: { id: ids.get("B")! } });
    expect(b).toMatchObject({ status: "pending", batchId: null, payloadHash: "h1", sendingRunId: null });
  });

  it("hands back the lease it was fenced under (the call's deadline), and none when it marked nothing", async () => {
    const { ref, ids } = await setup(["A", "B", "C"]);
    // claimRun's default lease: 30 s from the claim, by the database's clock.
    const marked = await markSending(db, { ...ref, batchId: "lease-1", mappingKey: "k", records: [record(ids.get("A")!, "A")] });
    expect([...marked]).toEqual([ids.get("A")]);
    expect(marked.leaseMsLeft).toBeGreaterThan(20_000);
    expect(marked.leaseMsLeft).toBeLessThanOrEqual(30_000);
    // The lease set nearly out: the mark reads what is left of it.
    await db.run.update({ where: { id: ref.runId }, data: { leaseUntil: new Date(Date.now() + 5_000) } });
    const again = await markSending(db, { ...ref, batchId: "lease-2", mappingKey: "k", records: [record(ids.get("B")!, "B")] });
    expect(again.size).toBe(1);
    expect(again.leaseMsLeft).toBeLessThanOrEqual(5_000);
    // Run out: nothing is marked, and there is no lease to hand back.
    await db.run.update({ where: { id: ref.runId }, data: { leaseUntil: new Date(Date.now() - 1_000) } });
    const none = await markSending(db, { ...ref, batchId: "lease-3", mappingKey: "k", records: [record(ids.get("C")!, "C")] });
    expect(none.size).toBe(0);
    expect(none.leaseMsLeft).toBeNull();
  });

  it("refuses a batch that holds a record twice, marking nothing", async () => {
    const { ref, ids } = await setup(["A", "B"]);
    const a = ids.get("A")!;
    await expect(
      markSending(db, { ...ref, batchId: "b1", mappingKey: "k", records: [record(a, "A"), record(ids.get("B")!, "B"), record(a, "A", { hash: "h2" })] }),
    ).rejects.toThrow(/twice/);
    expect(await db.sourceRecord.count({ where: { schemeId: ref.schemeId, status: "sending" } })).toBe(0);
    expect(await db.runWrittenBatch.count({ where: { runId: ref.runId } })).toBe(0);
  });

  it("a batch of one record without a data hash is marked (an empty list of hashes)", async () => {
    const { ref, ids } = await setup(["A"]);
    const marked = await markSending(db, { ...ref, batchId: "b1", mappingKey: "k", records: [record(ids.get("A")!, "A")] });
    expect([...marked]).toEqual([ids.get("A")!]);
  });
});

describe("sendingMarkedByOthers: a last settling's check for marks it did not make", () => {
  it("sees a record another attempt of the run marked and left sending, until it is parked; never the asking attempt's own", async () => {
    const { ref, ids } = await setup(["A", "B", "C"]);
    const mine = { runId: ref.runId, attempt: ref.attempt };
    // Nothing marked yet.
    expect(await sendingMarkedByOthers(db, mine)).toBe(false);
    await markSending(db, { ...ref, batchId: "b1", mappingKey: "k", records: [record(ids.get("A")!, "A"), record(ids.get("B")!, "B")] });
    // The attempt's own batch, sending: not another's.
    expect(await sendingMarkedByOthers(db, mine)).toBe(false);
    // Taken over: for the next attempt, attempt 1's batch is another's.
    const next = await claimRun(db, ref.runId, new Date());
    if (!next.claimed) throw new Error("not claimed");
    const theirs = { runId: ref.runId, attempt: next.run.attempt };
    expect(await sendingMarkedByOthers(db, theirs)).toBe(true);
    // Parked as unknown (what the settling then does): nothing sending is left.
    const parked = await parkSending(db, { ...theirs, schemeId: ref.schemeId, delayMs: 60_000, message: "中断" });
    expect(parked.parked).toBe(2);
    expect(await sendingMarkedByOthers(db, theirs)).toBe(false);
    // Another run's batch rows are not this run's concern (its own next look finds them).
    const other = await setup(["X"]);
    await markSending(db, { ...other.ref, batchId: "b9", mappingKey: "k", records: [record(other.ids.get("X")!, "X")] });
    expect(await sendingMarkedByOthers(db, theirs)).toBe(false);
  });

  it("counts a batch row without an attempt (marked before the column existed) as another's", async () => {
    const { ref, ids } = await setup(["A"]);
    const mine = { runId: ref.runId, attempt: ref.attempt };
    await markSending(db, { ...ref, batchId: "b1", mappingKey: "k", records: [record(ids.get("A")!, "A")] });
    expect(await sendingMarkedByOthers(db, mine)).toBe(false);
    await db.$executeRaw`UPDATE run_written_batches SET attempt = NULL WHERE run_id = ${ref.runId}::uuid`;
    expect(await sendingMarkedByOthers(db, mine)).toBe(true);
    // Answered: nothing sending, whoever marked it.
    await recordWriteResults(db, {
      ...mine,
      batchId: "b1",
      mode: "create",
      unknownWaitMs: 0,
      retryBackoffMs: [],
      results: [{ id: ids.get("A")!, hash: "h1", outcome: "written", targetId: "1", targetNumber: "A" }],
    });
    expect(await sendingMarkedByOthers(db, mine)).toBe(false);
  });
});

describe("a mark that outlives its run's end", () => {
  it("is looked up by the scheme's next run no sooner than the lease of the attempt that marked it, plus the wait", async () => {
    const { ref, ids } = await setup(["A", "B"]);
    // Attempt 1 runs on a worker with a long lock (a minute); it marks a batch.
    const longLeaseEnd = new Date(Date.now() + 60_000);
    await db.run.update({ where: { id: ref.runId }, data: { leaseUntil: longLeaseEnd } });
    await markSending(db, { ...ref, batchId: "b1", mappingKey: "k", records: [record(ids.get("A")!, "A"), record(ids.get("B")!, "B")] });
    // A worker with a one-second lock takes the run over and ends it without seeing that mark (it
    // committed after the attempt's last look): the rows stay sending, and attempt 1 may still send
    // them until its lease ends.
    const second = await claimRun(db, ref.runId, new Date(), 0, 1_000);
    if (!second.claimed) throw new Error("not claimed");
    expect(await finishRun(db, ref.runId, second.run.attempt, { status: "succeeded" })).not.toBeNull();
    // The scheme's next run, on a short lock too, parks them: they wait for attempt 1's lease.
    const next = await createRun(db, { schemeId: ref.schemeId, schemeVersion: 1, trigger: "manual" });
    const claimed = await claimRun(db, next.id, new Date(), 0, 1_000);
    if (!claimed.claimed) throw new Error("not claimed");
    const parked = await parkSending(db, { runId: next.id, attempt: claimed.run.attempt, schemeId: ref.schemeId, delayMs: 1_300, afterLeaseMs: 300, message: "中断" });
    expect(parked.parked).toBe(2);
    expect(parked.lastCheck!.getTime()).toBeGreaterThanOrEqual(longLeaseEnd.getTime() + 300);
    const rows = await db.sourceRecord.findMany({ where: { schemeId: ref.schemeId }, select: { status: true, checkAfter: true } });
    for (const row of rows) {
      expect(row.status).toBe("unknown");
      expect(row.checkAfter!.getTime()).toBeGreaterThanOrEqual(longLeaseEnd.getTime() + 300);
    }
  });

  // Session 22's audit: with the lease kept, a run waiting for outcomes (still `running`, in the
  // attempt that handed it to its delayed job) let that ended attempt pass every fence until its lease ran out.
  it("an attempt that handed its run to the delayed job to wait for outcomes passes no fence: no mark, renewal or park", async () => {
    const { ref, ids } = await setup(["A", "B"]);
    expect(await waitForOutcomes(db, ref.runId, ref.attempt, new Date(Date.now() + 60_000))).toBe("waiting");
    expect(await runFence(db, ref.runId)).toMatchObject({ status: "running", attempt: ref.attempt, leaseMsLeft: 0 });
    const renewed = await renewLease(db, ref.runId, ref.attempt, 30_000);
    const marked = await markSending(db, { ...ref, batchId: "after-wait", mappingKey: "k", records: [record(ids.get("A")!, "A")] });
    const parked = await parkSending(db, { ...ref, delayMs: 1_000, message: "中断" });
    expect({ renewed, marked: marked.size, leaseMsLeft: marked.leaseMsLeft, parked: parked.parked }).toEqual({ renewed: null, marked: 0, leaseMsLeft: null, parked: 0 });
    expect((await db.sourceRecord.findUniqueOrThrow({ where: { id: ids.get("A")! }, select: { status: true } })).status).toBe("pending");
    // The next attempt's claim ends the wait: it owns the run, with at least the lease kept.
    const next = await claimRun(db, ref.runId, new Date(), 0, 1_000);
    if (!next.claimed) throw new Error("not claimed");
    const mine = await markSending(db, { ...ref, attempt: next.run.attempt, batchId: "resumed", mappingKey: "k", records: [record(ids.get("A")!, "A")] });
    expect(mine.size).toBe(1);
    expect(mine.leaseMsLeft!).toBeGreaterThan(20_000);
  });
});

describe("what a batch records before its call: only while the row holds the data mapped", () => {
  const failure = (id: bigint, sourceId: string, dataHash?: string) => ({ id, sourceId, hash: "h2", payload: { FNumber: sourceId }, error: "FName 必填", errorField: "FName", dataHash });

  it("a mapping failure of an older copy leaves the row pending (the newer copy is in a later batch)", async () => {
    const { ref, ids } = await setup(["A", "B", "C"]);
    const failed = await recordMappingFailures(db, {
      ...ref,
      failures: [failure(ids.get("A")!, "A", "d-A"), failure(ids.get("B")!, "B", "d-B-older"), failure(ids.get("C")!, "C")],
    });
    expect(failed).toBe(2);
    expect(await db.sourceRecord.findUniqueOrThrow({ where: { id: ids.get("A")! } })).toMatchObject({ status: "failed", lastError: "FName 必填" });
    expect(await db.sourceRecord.findUniqueOrThrow({ where: { id: ids.get("B")! } })).toMatchObject({ status: "pending", lastError: null, payloadHash: "h1" });
    expect(await db.runRecord.count({ where: { runId: ref.runId, sourceRecordId: ids.get("B")! } })).toBe(0);
  });

  it("a wait of an older copy leaves the row pending, without a waiting row or a count", async () => {
    const { ref, ids } = await setup(["A", "B"]);
    const waits = [{ schemeId: ref.schemeId, scheme: "店铺→客户", key: "S1", field: "FCustomerID", checkedAt: new Date() }];
    const wait = (id: bigint, sourceId: string, dataHash: string) => ({ id, sourceId, hash: "h2", payload: { FBillNo: sourceId }, waits, reason: "等待依赖", dataHash });
    const waiting = await recordWaiting(db, { ...ref, records: [wait(ids.get("A")!, "A", "d-A"), wait(ids.get("B")!, "B", "d-B-older")] });
    expect(waiting).toBe(1);
    expect(await db.sourceRecord.findUniqueOrThrow({ where: { id: ids.get("B")! } })).toMatchObject({ status: "pending", lastError: null });
    expect(await db.waitingRecord.count({ where: { sourceRecordId: ids.get("B")! } })).toBe(0);
    expect(await db.run.findUniqueOrThrow({ where: { id: ref.runId } })).toMatchObject({ waiting: 1 });
  });
});

describe("recordWriteResults", () => {
  it("counts the records left pending because their payload changed while they were sent", async () => {
    const { ref, ids } = await setup(["A", "B"]);
    const a = ids.get("A")!;
    const b = ids.get("B")!;
    await markSending(db, { ...ref, batchId: "b1", mappingKey: "k", records: [record(a, "A"), record(b, "B")] });
    // A staged again while in flight (status kept `sending`, new payload hash).
    await db.sourceRecord.update({ where: { id: a }, data: { payloadHash: "h2" } });
    const written = (id: bigint, n: string) => ({ id, hash: "h1", outcome: "written" as const, targetId: `T-${n}`, targetNumber: n, response: { Number: n } });
    const r = await recordWriteResults(db, { ...ref, batchId: "b1", mode: "upsert", results: [written(a, "A1"), written(b, "B1")], unknownWaitMs: 0, retryBackoffMs: [] });
    expect(r).toMatchObject({ written: 2, requeued: 1, fenced: true });
    expect(await db.sourceRecord.findUniqueOrThrow({ where: { id: a } })).toMatchObject({ status: "pending", writtenHash: "h1" });
    expect(await db.sourceRecord.findUniqueOrThrow({ where: { id: b } })).toMatchObject({ status: "written", writtenHash: "h1" });
  });

  it("counts a record sent twice in one run once, as it ended", async () => {
    const { ref, ids } = await setup(["A", "B", "C"]);
    const [a, b, c] = ["A", "B", "C"].map((s) => ids.get(s)!) as [bigint, bigint, bigint];
    const counters = async () => {
      const run = await db.run.findUniqueOrThrow({ where: { id: ref.runId } });
      return { written: run.written, failed: run.failed, unknown: run.unknown, saved: run.saved };
    };
    const written = (id: bigint, hash: string) => ({ id, hash, outcome: "written" as const, targetId: `T-${id}`, targetNumber: `N-${id}` });
    const answer = (batchId: string, results: Parameters<typeof recordWriteResults>[1]["results"]) =>
      recordWriteResults(db, { ...ref, batchId, mode: "upsert", results, unknownWaitMs: 0, retryBackoffMs: [60_000] });
    await markSending(db, { ...ref, batchId: "b1", mappingKey: "k", records: [record(a, "A"), record(b, "B"), record(c, "C")] });
    // A and C staged again while in flight (upsert): written, and pending again to send the newer payload.
    await db.sourceRecord.updateMany({ where: { id: { in: [a, c] } }, data: { payloadHash: "h2" } });
    expect(await answer("b1", [written(a, "h1"), written(b, "h1"), written(c, "h1")])).toMatchObject({ written: 3, requeued: 2 });
    expect(await counters()).toEqual({ written: 3, failed: 0, unknown: 0, saved: 0 });
    // Sent again in the same run: A is written again, C fails this time.
    await markSending(db, { ...ref, batchId: "b2", mappingKey: "k", records: [record(a, "A", { hash: "h2" }), record(c, "C", { hash: "h2" })] });
    await answer("b2", [written(a, "h2"), { id: c, hash: "h2", outcome: "failed", error: "拒绝", errorClass: "transient" }]);
    // Each record counts once, as it ended: A and B written, C failed.
    expect(await counters()).toEqual({ written: 2, failed: 1, unknown: 0, saved: 0 });
    const outcomes = await db.runOutcome.findMany({ where: { runId: ref.runId }, orderBy: { sourceRecordId: "asc" } });
    expect(outcomes.map((o) => [o.sourceId, o.status])).toEqual([
      ["A", "written"],
      ["B", "written"],
      ["C", "failed"],
    ]);
  });

  it("a record written, then failing its mapping in the same run, counts as failed only", async () => {
    const { ref, ids } = await setup(["A"]);
    const a = ids.get("A")!;
    await markSending(db, { ...ref, batchId: "b1", mappingKey: "k", records: [record(a, "A")] });
    await db.sourceRecord.update({ where: { id: a }, data: { payloadHash: "h2" } });
    await recordWriteResults(db, { ...ref, batchId: "b1", mode: "upsert", results: [{ id: a, hash: "h1", outcome: "written", targetId: "T", targetNumber: "A" }], unknownWaitMs: 0, retryBackoffMs: [] });
    // Its newer data fails to map: counted as it is recorded, moved from written.
    expect(await recordMappingFailures(db, { ...ref, failures: [{ id: a, sourceId: "A", hash: "h2", payload: {}, error: "缺字段", errorField: "FName" }] })).toBe(1);
    expect(await db.run.findUniqueOrThrow({ where: { id: ref.runId } })).toMatchObject({ written: 0, failed: 1 });
  });

  // A bill saved but not audited whose record was staged with another payload while it was in
  // flight: the row keeps the hash of what was saved (the audit makes it the written hash) and drops
  // its mapping key, so the run after the audit maps it again and finds it changed.
  it("a saved answer keeps the hash of the payload sent, and drops the mapping key if staging changed it meanwhile", async () => {
    const { ref, ids } = await setup(["A", "B"]);
    const a = ids.get("A")!;
    const b = ids.get("B")!;
    await markSending(db, { ...ref, batchId: "b1", mappingKey: "k", records: [record(a, "A"), record(b, "B")] });
    await db.sourceRecord.update({ where: { id: b }, data: { payloadHash: "h2", mappedWith: "k" } });
    const saved = (id: bigint, sourceId: string) => ({ id, hash: "h1", outcome: "saved" as const, targetId: `T-${sourceId}`, targetNumber: sourceId, error: "负库存" });
    await recordWriteResults(db, { ...ref, batchId: "b1", mode: "create", results: [saved(a, "A"), saved(b, "B")], unknownWaitMs: 1000, retryBackoffMs: [] });
    expect(await db.sourceRecord.findUniqueOrThrow({ where: { id: a } })).toMatchObject({ status: "saved", payloadHash: "h1", mappedWith: "k" });
    expect(await db.sourceRecord.findUniqueOrThrow({ where: { id: b } })).toMatchObject({ status: "saved", payloadHash: "h1", mappedWith: null });
  });

  it("a bill found saved by the lookup of an unknown outcome keeps the hash of the payload sent, the same way", async () => {
    const { ref, ids } = await setup(["A"]);
    const a = ids.get("A")!;
    await markSending(db, { ...ref, batchId: "b1", mappingKey: "k", records: [record(a, "A")] });
    await recordWriteResults(db, { ...ref, batchId: "b1", mode: "create", results: [{ id: a, hash: "h1", outcome: "unknown", error: "超时" }], unknownWaitMs: 0, retryBackoffMs: [] });
    await db.sourceRecord.update({ where: { id: a }, data: { payloadHash: "h2", mappedWith: "k" } });
    await resolveUnknown(db, {
      ...ref,
      mode: "create",
      foundAs: "saved",
      verdicts: [{ id: a, batchId: "b1", outcome: "found", sentHash: "h1", targetId: "T-A", targetNumber: "A" }],
      messages: { absent: "不存在", unverifiable: "无法核对", foundSaved: "已保存未审核" },
    });
    expect(await db.sourceRecord.findUniqueOrThrow({ where: { id: a } })).toMatchObject({ status: "saved", payloadHash: "h1", mappedWith: null });
  });
});
