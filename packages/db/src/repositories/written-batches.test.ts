// A batch's written records are one run_written_batches row (issue #16), the others run_records
// rows: each record of a run must still be read once, with its last outcome and the payload sent,
// whichever way it was recorded and however often it was sent in the run (DESIGN.md, Runs).
import { stableStringify } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { parkSending } from "./outcomes";
import { resolveUnknown } from "./resolve-unknown";
import { listRecordAttempts } from "./retries";
import { countRunRecordsByStatus, listRunRecords } from "./run-details";
import { pruneRuns } from "./prune-runs";
import { claimRun, createRun } from "./runs";
import { markSending } from "./mark-sending";
import { recordMappingFailures, releaseSending } from "./unsent";
import { recordWriteResults, type WriteResult } from "./write-protocol";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("writtenbatches");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

const SLOW = { timeout: 30_000 };

interface Ctx {
  schemeId: string;
  runId: string;
  attempt: number;
}

async function startRun(schemeId: string): Promise<Ctx> {
  const run = await createRun(db, { schemeId, schemeVersion: 1, trigger: "manual" });
  const claimed = await claimRun(db, run.id, new Date());
  if (!claimed.claimed) throw new Error("not claimed");
  return { schemeId, runId: run.id, attempt: claimed.run.attempt };
}

/** Pending staging rows, as a read stages new records. */
async function stage(ctx: Ctx, sourceIds: string[]): Promise<Map<string, bigint>> {
  const ids = new Map<string, bigint>();
  for (const sourceId of sourceIds) {
    const row = await db.sourceRecord.create({
      data: { schemeId: ctx.schemeId, sourceId, data: { code: sourceId }, payloadHash: "h1", status: "pending", lastRunId: ctx.runId },
    });
    ids.set(sourceId, row.id);
  }
  return ids;
}

/** The record read again with other data (upsert mode): pending again, with a new payload hash. */
async function changed(id: bigint, hash: string): Promise<void> {
  await db.sourceRecord.update({ where: { id }, data: { status: "pending", payloadHash: hash } });
}

const payloadOf = (sourceId: string, hash: string) => ({ FNumber: sourceId, FName: `${sourceId}@${hash}` });

async function send(ctx: Ctx, batchId: string, records: { id: bigint; sourceId: string; hash: string }[]): Promise<void> {
  const marked = await markSending(db, {
    ...ctx,
    batchId,
    mappingKey: "k",
    records: records.map((r) => ({ id: r.id, sourceId: r.sourceId, hash: r.hash, payload: payloadOf(r.sourceId, r.hash) })),
  });
  expect(marked.size).toBe(records.length);
}

async function answer(ctx: Ctx, batchId: string, results: WriteResult[]) {
  const r = await recordWriteResults(db, { ...ctx, batchId, mode: "upsert", results, unknownWaitMs: 0, retryBackoffMs: [] });
  expect(r.fenced).toBe(true);
  return r;
}

const written = (id: bigint, hash: string, n: string): WriteResult => ({ id, hash, outcome: "written", targetId: `T-${n}`, targetNumber: n, response: { Number: n } });

/** Every RunRecord of the run, paged through 2 at a time (so pages cross batch rows and statuses). */
async function allRecords(runId: string, status?: "written" | "failed" | "unknown" | "pending") {
  const out = [];
  for (let after: bigint | undefined; ; ) {
    const page = await listRunRecords(db, { runId, status, afterId: after, take: 2 });
    out.push(...page);
    if (page.length < 2) return out;
    after = page.at(-1)!.id;
  }
}

describe("the written records of a batch as one row", SLOW, () => {
  it("shows each record of a run once, with its last outcome and payload, however it was recorded", async () => {
    const s = await db.scheme.create({ data: { name: "批次结果", definition: {} } });
    const ctx = await startRun(s.id);
    const ids = await stage(ctx, ["A", "B", "C", "D", "E", "F"]);
    const id = (k: string) => ids.get(k)!;

    // Batch 1: A, B, E, F written, C failed, D unknown.
    await send(ctx, "b1", ["A", "B", "C", "D", "E", "F"].map((k) => ({ id: id(k), sourceId: k, hash: "h1" })));
    await answer(ctx, "b1", [
      written(id("A"), "h1", "A1"),
      written(id("B"), "h1", "B1"),
      { id: id("C"), hash: "h1", outcome: "failed", error: "名称为空", errorField: "FName" },
      { id: id("D"), hash: "h1", outcome: "unknown", error: "timeout" },
      written(id("E"), "h1", "E1"),
      written(id("F"), "h1", "F1"),
    ]);
    expect(await db.runWrittenBatch.count({ where: { runId: ctx.runId } })).toBe(1);
    expect(await db.runRecord.count({ where: { runId: ctx.runId } })).toBe(2);
    let records = await allRecords(ctx.runId);
    expect(records.map((r) => [r.sourceId, r.status])).toEqual([
      ["A", "written"],
      ["B", "written"],
      ["E", "written"],
      ["F", "written"],
      ["C", "failed"],
      ["D", "unknown"],
    ]);
    const a = records[0]!;
    expect(a).toMatchObject({ sourceRecordId: id("A"), payload: payloadOf("A", "h1"), response: { Number: "A1" }, targetId: "T-A1", targetNumber: "A1", batchId: "b1", error: null });
    expect(records[4]).toMatchObject({ payload: payloadOf("C", "h1"), error: "名称为空", errorField: "FName" });

    // D: looked up absent (pending again), sent again in this run, written: one RunRecord, written.
    await resolveUnknown(db, { ...ctx, mode: "upsert", verdicts: [{ id: id("D"), batchId: "b1", outcome: "absent", sentHash: "h1" }], messages: { absent: "absent", unverifiable: "?" } });
    await send(ctx, "b2", [{ id: id("D"), sourceId: "D", hash: "h1" }]);
    await answer(ctx, "b2", [written(id("D"), "h1", "D2")]);
    const run = await db.run.findUniqueOrThrow({ where: { id: ctx.runId } });
    const counts = await countRunRecordsByStatus(db, ctx.runId);
    // The counts per status are the run's counters (no record was sent twice with two answers yet).
    expect(counts).toEqual({ written: run.written, failed: run.failed });
    expect(counts).toEqual({ written: 5, failed: 1 });
    expect((await allRecords(ctx.runId, "written")).map((r) => [r.sourceId, r.targetNumber])).toEqual([
      ["A", "A1"],
      ["B", "B1"],
      ["E", "E1"],
      ["F", "F1"],
      ["D", "D2"],
    ]);

    // A: changed, sent again in this run, failed: its written entry is superseded.
    await changed(id("A"), "h2");
    await send(ctx, "b3", [{ id: id("A"), sourceId: "A", hash: "h2" }]);
    await answer(ctx, "b3", [{ id: id("A"), hash: "h2", outcome: "failed", error: "编码重复" }]);
    // B: changed, its mapping failed in this run.
    await changed(id("B"), "h2");
    await recordMappingFailures(db, { ...ctx, failures: [{ id: id("B"), sourceId: "B", hash: "h2", payload: payloadOf("B", "h2"), error: "没有映射", errorField: "FName" }] });
    // E: changed, sent again, written again: one RunRecord with the second answer.
    await changed(id("E"), "h2");
    await send(ctx, "b4", [{ id: id("E"), sourceId: "E", hash: "h2" }]);
    await answer(ctx, "b4", [written(id("E"), "h2", "E2")]);
    // F: changed, sent again, and the attempt's call is left in flight: parked unknown.
    await changed(id("F"), "h2");
    await send(ctx, "b5", [{ id: id("F"), sourceId: "F", hash: "h2" }]);
    await parkSending(db, { ...ctx, delayMs: 0, message: "interrupted" });

    records = await allRecords(ctx.runId);
    const bySource = new Map(records.map((r) => [r.sourceId, r]));
    expect(records).toHaveLength(6);
    expect(bySource.size).toBe(6);
    expect(bySource.get("A")).toMatchObject({ status: "failed", error: "编码重复", payload: payloadOf("A", "h2") });
    expect(bySource.get("B")).toMatchObject({ status: "failed", error: "没有映射", payload: payloadOf("B", "h2") });
    expect(bySource.get("C")).toMatchObject({ status: "failed", payload: payloadOf("C", "h1") });
    expect(bySource.get("D")).toMatchObject({ status: "written", targetNumber: "D2", payload: payloadOf("D", "h1") });
    expect(bySource.get("E")).toMatchObject({ status: "written", targetNumber: "E2", payload: payloadOf("E", "h2"), response: { Number: "E2" } });
    expect(bySource.get("F")).toMatchObject({ status: "unknown", payload: payloadOf("F", "h2") });
    // In id order, and the filtered pages and the counts agree with the full list.
    expect(records.map((r) => r.id)).toEqual([...records.map((r) => r.id)].sort((x, y) => (x < y ? -1 : 1)));
    expect(await countRunRecordsByStatus(db, ctx.runId)).toEqual({ written: 2, failed: 3, unknown: 1 });
    expect((await allRecords(ctx.runId, "written")).map((r) => r.sourceId)).toEqual(["D", "E"]);
    expect((await allRecords(ctx.runId, "failed")).map((r) => r.sourceId).sort()).toEqual(["A", "B", "C"]);
    // The view every other reader uses says the same.
    expect(await db.runOutcome.count({ where: { runId: ctx.runId } })).toBe(6);
    expect(await db.runOutcome.count({ where: { runId: ctx.runId, status: "written" } })).toBe(2);
    // The batch row of b1 keeps no superseded entry: its count and its entries agree.
    // (SQL, not Prisma: Prisma cannot read the NULL elements of a superseded entry.)
    const [b1] = await db.$queryRaw<{ written: number; left: number }[]>`
      SELECT written, cardinality(array_remove(ids, NULL)) AS left FROM run_written_batches WHERE run_id = ${ctx.runId}::uuid AND batch_id = 'b1'`;
    expect(b1).toEqual({ written: 0, left: 0 });
  });

  it("keeps another run's entries, lists a record's attempts from both, and deletes batch rows with their run", async () => {
    const s = await db.scheme.create({ data: { name: "两次运行", definition: {} } });
    const first = await startRun(s.id);
    const ids = await stage(first, ["P", "Q"]);
    const p = ids.get("P")!;
    const q = ids.get("Q")!;
    await send(first, "b1", [{ id: p, sourceId: "P", hash: "h1" }, { id: q, sourceId: "Q", hash: "h1" }]);
    await answer(first, "b1", [written(p, "h1", "P1"), written(q, "h1", "Q1")]);
    await db.run.update({ where: { id: first.runId }, data: { status: "succeeded", finishedAt: new Date(Date.now() - 40 * 86_400_000), createdAt: new Date(Date.now() - 41 * 86_400_000) } });

    // The next run: P changed and written again (a batch entry of that run, not a supersession).
    const second = await startRun(s.id);
    await changed(p, "h2");
    await send(second, "b1", [{ id: p, sourceId: "P", hash: "h2" }]);
    await answer(second, "b1", [written(p, "h2", "P2")]);
    expect((await allRecords(first.runId)).map((r) => [r.sourceId, r.targetNumber])).toEqual([
      ["P", "P1"],
      ["Q", "Q1"],
    ]);
    expect((await allRecords(second.runId)).map((r) => [r.sourceId, r.targetNumber])).toEqual([["P", "P2"]]);
    const attempts = await listRecordAttempts(db, { schemeId: s.id, recordId: p, limit: 10 });
    expect(attempts.map((x) => [x.runId, x.status])).toEqual([
      [second.runId, "written"],
      [first.runId, "written"],
    ]);

    // Retention: the old run goes, with its batch row (runs_delete_written_batches), once the
    // second has succeeded (a scheme's latest success is kept).
    await db.run.update({ where: { id: second.runId }, data: { status: "succeeded", finishedAt: new Date() } });
    expect(await pruneRuns(db, 30)).toEqual({ expired: 1, quiet: 0 });
    expect(await db.runWrittenBatch.count({ where: { runId: first.runId } })).toBe(0);
    expect(await db.runWrittenBatch.count({ where: { runId: second.runId } })).toBe(1);
    expect(await listRunRecords(db, { runId: first.runId, take: 10 })).toEqual([]);
  });

  it("marks a batch into its row's slots: empty for a record not marked, gone when released, copied to the row when unknown or saved", async () => {
    const s = await db.scheme.create({ data: { name: "批次槽位", definition: {} } });
    const ctx = await startRun(s.id);
    const ids = await stage(ctx, ["K", "L", "M", "N", "O"]);
    const id = (k: string) => ids.get(k)!;
    const slotsOf = (batchId: string) => db.$queryRaw<{ ids: (string | null)[]; sources: (string | null)[]; payloads: string | null; written: number }[]>`
      SELECT ids::text[] AS ids, source_ids AS sources, payloads::text AS payloads, written FROM run_written_batches
      WHERE run_id = ${ctx.runId}::uuid AND batch_id = ${batchId}`;
    const mark = (batchId: string, keys: string[]) =>
      markSending(db, { ...ctx, schemeId: s.id, batchId, mappingKey: "k", records: keys.map((k) => ({ id: id(k), sourceId: k, hash: "h1", payload: payloadOf(k, "h1") })) });

    // A batch that is put back (the call certainly did not happen) leaves no row behind.
    expect((await mark("r1", ["K", "L"])).size).toBe(2);
    expect(await slotsOf("r1")).toHaveLength(1);
    await releaseSending(db, { ...ctx, schemeId: s.id, batchId: "r1" });
    expect(await slotsOf("r1")).toEqual([]);

    // L is not pending (sending in another batch): its slot in the next one stays empty.
    expect((await mark("x", ["L"])).size).toBe(1);
    const marked = await mark("b1", ["K", "L", "M", "N", "O"]);
    expect([...marked].sort()).toEqual([id("K"), id("M"), id("N"), id("O")].sort());
    const [row] = await slotsOf("b1");
    expect(row!.sources).toEqual(["K", null, "M", "N", "O"]);
    expect(row!.ids).toEqual([null, null, null, null, null]);
    expect(row!.written).toBe(0);

    // K written, M unknown, N saved (audit failed), O failed.
    await answer(ctx, "b1", [
      written(id("K"), "h1", "K1"),
      { id: id("M"), hash: "h1", outcome: "unknown", error: "timeout" },
      { id: id("N"), hash: "h1", outcome: "saved", targetId: "T-N", targetNumber: "N1", error: "审核失败" },
      { id: id("O"), hash: "h1", outcome: "failed", error: "编码重复" },
    ]);
    const [after] = await slotsOf("b1");
    expect(after!.written).toBe(1);
    expect(after!.ids.map((x) => x !== null)).toEqual([true, false, false, false, false]);
    // The lookup and the audit read the payload sent from the staging row.
    const rows = await db.sourceRecord.findMany({ where: { id: { in: [id("K"), id("M"), id("N"), id("O")] } }, orderBy: { sourceId: "asc" }, select: { sourceId: true, status: true, sendingPayload: true } });
    expect(rows).toEqual([
      { sourceId: "K", status: "written", sendingPayload: null },
      { sourceId: "M", status: "unknown", sendingPayload: payloadOf("M", "h1") },
      { sourceId: "N", status: "saved", sendingPayload: payloadOf("N", "h1") },
      { sourceId: "O", status: "failed", sendingPayload: null },
    ]);
    const records = await allRecords(ctx.runId);
    expect(records.map((r) => [r.sourceId, r.status, r.payload])).toEqual([
      ["K", "written", payloadOf("K", "h1")],
      ["M", "unknown", payloadOf("M", "h1")],
      ["N", "saved", payloadOf("N", "h1")],
      ["O", "failed", payloadOf("O", "h1")],
    ]);
  });

  it("stores a batch's payloads, answers and ids compressed with lz4 (pglz took twice the CPU)", async () => {
    const s = await db.scheme.create({ data: { name: "批次压缩", definition: {} } });
    const ctx = await startRun(s.id);
    const sourceIds = Array.from({ length: 100 }, (_, i) => `SHOP${String(i).padStart(6, "0")}`);
    const ids = await stage(ctx, sourceIds);
    const records = sourceIds.map((sourceId) => ({ id: ids.get(sourceId)!, sourceId, hash: "h1" }));
    await send(ctx, "big", records);
    await answer(ctx, "big", records.map((r) => written(r.id, "h1", r.sourceId)));
    // Large enough for TOAST (over ~2 KB a row), so the column's compression method is used.
    // Every array of the row that Postgres compressed (the ids and source ids too: pglz was ~2 % of
    // Postgres's CPU in the benchmark, 20261208110000_written_batches_lz4_arrays).
    const rows = await db.$queryRaw<Record<string, string | null>[]>`
      SELECT pg_column_compression(payloads) AS payloads, pg_column_compression(responses) AS responses,
        pg_column_compression(ids) AS ids, pg_column_compression(source_record_ids) AS source_record_ids,
        pg_column_compression(source_ids) AS source_ids
      FROM run_written_batches WHERE run_id = ${ctx.runId}::uuid`;
    expect(rows).toEqual([{ payloads: "lz4", responses: "lz4", ids: "lz4", source_record_ids: "lz4", source_ids: "lz4" }]);
  });

  it("marks a payload given as its JSON text (any key order) exactly as the payload itself, and records it sent", async () => {
    const s = await db.scheme.create({ data: { name: "载荷文本", definition: {} } });
    const ctx = await startRun(s.id);
    const ids = await stage(ctx, ["T1", "T2"]);
    const payload = { FNumber: "T", FName: '名称 "引号" \\ 😀', FEntity: [{ FQty: 1.5, FNote: null }], FFlag: true };
    // The keys sorted, as the engine's hash wrote them; the other record without a text.
    const text = stableStringify(payload);
    expect(text.startsWith('{"FEntity"')).toBe(true);
    const marked = await markSending(db, {
      ...ctx,
      batchId: "t",
      mappingKey: "k",
      records: [
        { id: ids.get("T1")!, sourceId: "T1", hash: "h1", payload, payloadText: text },
        { id: ids.get("T2")!, sourceId: "T2", hash: "h2", payload },
      ],
    });
    expect(marked.size).toBe(2);
    // The payloads are in the batch's row, one slot per record in the order given, not on the rows.
    const rows = await db.$queryRaw<{ sourceId: string; payloadHash: string; onRow: unknown; slot: number; payload: unknown; stored: string }[]>`
      SELECT s.source_id AS "sourceId", s.payload_hash AS "payloadHash", s.sending_payload AS "onRow", (s.sending_entry - b.id)::int AS slot,
        (b.payloads[s.sending_entry - b.id + 1])::jsonb AS payload, (b.payloads[s.sending_entry - b.id + 1])::text AS stored
      FROM source_records s JOIN run_written_batches b ON b.run_id = s.sending_run_id AND b.batch_id = s.batch_id
      WHERE s.scheme_id = ${s.id}::uuid AND s.status = 'sending' ORDER BY s.source_id`;
    expect(rows).toEqual([
      { sourceId: "T1", payloadHash: "h1", onRow: null, slot: 0, payload, stored: text },
      { sourceId: "T2", payloadHash: "h2", onRow: null, slot: 1, payload, stored: JSON.stringify(payload) },
    ]);
    await answer(ctx, "t", [written(ids.get("T1")!, "h1", "T1"), written(ids.get("T2")!, "h2", "T2")]);
    expect((await allRecords(ctx.runId)).map((r) => r.payload)).toEqual([payload, payload]);
  });
});
