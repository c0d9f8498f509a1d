// Upgrading to 20261208100000_marks_in_batch_rows (issue #16): batch rows written before it (payloads
// and answers as jsonb) read the same after it, and records the code before it left `sending` (their
// payload on the staging row, no slot) are parked or answered with that payload, never without it.
import { expect, it } from "vitest";
import { poolOf } from "../client";
import { useDatabaseWithout } from "../upgrade-db.test-util";
import { parkSending } from "./outcomes";
import { listRunRecords } from "./run-details";
import { claimRun, createRun } from "./runs";
import { recordWriteResults } from "./write-protocol";

const MIGRATION = "20261208100000_marks_in_batch_rows";
// A database migrated without it, as the code before it left it.
const up = useDatabaseWithout("marksupgrade", MIGRATION);

it("reads earlier batch rows the same, and parks or answers a batch marked before it with the payload on its row", { timeout: 30_000 }, async () => {
  const { db } = up;
  const pool = poolOf(db);
  const schemeId = (await db.scheme.create({ data: { name: "升级", definition: {} } })).id;
  const run = await createRun(db, { schemeId, schemeVersion: 1, trigger: "manual" });
  const claimed = await claimRun(db, run.id, new Date());
  if (!claimed.claimed) throw new Error("not claimed");
  const ctx = { runId: run.id, attempt: claimed.run.attempt };
  // A batch row as the code before wrote it (jsonb), and four records it left in flight: two batches,
  // payloads on the staging rows.
  await pool.query(
    `INSERT INTO run_written_batches (run_id, id, batch_id, ids, source_record_ids, source_ids, target_ids, target_numbers, payloads, responses, written, created_at)
    VALUES ($1::uuid, nextval('run_records_id_seq'), 'old', ARRAY[currval('run_records_id_seq'), NULL]::bigint[], ARRAY[1, 2]::bigint[], ARRAY['A', 'B'],
      ARRAY['T-A', NULL], ARRAY['A1', NULL], ARRAY['{"FNumber": "A", "FName": "甲"}'::jsonb, '{"FNumber": "B"}'::jsonb], ARRAY['{"Number": "A1"}'::jsonb, NULL], 1, now())`,
    [run.id],
  );
  for (const [sourceId, batch] of [["P", "b1"], ["Q", "b1"], ["R", "b2"], ["S", "b2"]] as const) {
    await pool.query(
      `INSERT INTO source_records (scheme_id, source_id, data, payload_hash, status, batch_id, sending_run_id, sending_payload, last_run_id, updated_at)
      VALUES ($1::uuid, $2, '{}', 'h1', 'sending', $3, $4::uuid, jsonb_build_object('FNumber', $2::text), $4::uuid, now())`,
      [schemeId, sourceId, batch, run.id],
    );
  }

  expect(await up.upgrade()).toEqual([MIGRATION]);

  const [old] = await listRunRecords(db, { runId: run.id, take: 10 });
  expect(old).toMatchObject({ sourceId: "A", status: "written", payload: { FNumber: "A", FName: "甲" }, response: { Number: "A1" }, targetNumber: "A1" });

  // b1's answer: P written, Q failed, each with the payload that was on its row.
  const ids = new Map((await db.sourceRecord.findMany({ where: { schemeId }, select: { id: true, sourceId: true } })).map((r) => [r.sourceId, r.id]));
  const answered = await recordWriteResults(db, {
    ...ctx,
    batchId: "b1",
    mode: "upsert",
    unknownWaitMs: 0,
    retryBackoffMs: [],
    results: [
      { id: ids.get("P")!, hash: "h1", outcome: "written", targetId: "T-P", targetNumber: "P1", response: { Number: "P1" } },
      { id: ids.get("Q")!, hash: "h1", outcome: "failed", error: "编码重复" },
    ],
  });
  expect(answered).toMatchObject({ written: 1, failed: 1, fenced: true });
  // b2's attempt died: R and S are parked as unknown, with their payloads.
  expect((await parkSending(db, { ...ctx, schemeId, delayMs: 0, message: "interrupted" })).parked).toBe(2);

  const records = await listRunRecords(db, { runId: run.id, take: 10 });
  expect(records.map((r) => [r.sourceId, r.status, r.payload])).toEqual([
    ["A", "written", { FNumber: "A", FName: "甲" }],
    ["P", "written", { FNumber: "P" }],
    ["Q", "failed", { FNumber: "Q" }],
    ["R", "unknown", { FNumber: "R" }],
    ["S", "unknown", { FNumber: "S" }],
  ]);
  const parked = await db.sourceRecord.findMany({ where: { schemeId, status: "unknown" }, orderBy: { sourceId: "asc" }, select: { sendingPayload: true } });
  expect(parked).toEqual([{ sendingPayload: { FNumber: "R" } }, { sendingPayload: { FNumber: "S" } }]);
});
