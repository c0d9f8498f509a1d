import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { countFailedRecords, listFailedRecords, stillFailed } from "./failed-records";
import { pruneRuns } from "./prune-runs";
import { createRun } from "./runs";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("failed");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

const days = (n: number) => new Date(Date.now() - n * 86_400_000);

async function scheme(name: string) {
  return db.scheme.create({ data: { name, definition: {} } });
}

/** A finished run, `age` days old. */
async function oldRun(schemeId: string, age: number, trigger: "manual" | "retry" = "manual") {
  const run = await createRun(db, { schemeId, schemeVersion: 1, trigger });
  return db.run.update({ where: { id: run.id }, data: { status: "partial", createdAt: days(age + 1), finishedAt: days(age) } });
}

/** A staged record whose last write in `runId` ended `status` (with its RunRecord, as the engine writes them). */
async function record(schemeId: string, sourceId: string, runId: string, status: "failed" | "written", error?: string) {
  const row = await db.sourceRecord.create({
    data: { schemeId, sourceId, data: { code: sourceId }, payloadHash: "h", status, lastRunId: runId, lastError: error ?? null, attempts: 1 },
  });
  await db.runRecord.create({
    data: { runId, sourceRecordId: row.id, sourceId, status, payload: {}, error: error ?? null, errorField: error ? "FNumber" : null },
  });
  return row;
}

describe("failed records", () => {
  it("are listed per scheme with the error, its field and the run that failed them, page by page", async () => {
    const s = await scheme("list");
    const other = await scheme("other");
    const run = await oldRun(s.id, 1);
    const a = await record(s.id, "A", run.id, "failed", "编码已经被使用");
    await record(s.id, "B", run.id, "written");
    const c = await record(s.id, "C", run.id, "failed", "名称为空");
    await record(other.id, "X", (await oldRun(other.id, 1)).id, "failed", "other scheme");

    expect(await countFailedRecords(db, s.id)).toBe(2);
    const first = await listFailedRecords(db, { schemeId: s.id, afterId: 0n, limit: 1 });
    expect(first).toEqual([
      expect.objectContaining({ id: a.id, sourceId: "A", error: "编码已经被使用", errorField: "FNumber", run: expect.objectContaining({ id: run.id, trigger: "manual" }) }),
    ]);
    const second = await listFailedRecords(db, { schemeId: s.id, afterId: first[0]!.id, limit: 1 });
    expect(second.map((r) => r.sourceId)).toEqual(["C"]);
    expect(await listFailedRecords(db, { schemeId: s.id, afterId: c.id, limit: 1 })).toEqual([]);
    expect(await stillFailed(db, s.id, [a.id, c.id + 1000n])).toEqual([a.id]);
  });

  it("keep the run they need through pruning until they are resolved", async () => {
    const s = await scheme("prune");
    const needed = await oldRun(s.id, 40);
    const sending = await oldRun(s.id, 40);
    const done = await oldRun(s.id, 40);
    // The scheme's latest run is kept whatever its age: this one, recent.
    const latest = await oldRun(s.id, 1);
    const failed = await record(s.id, "F", needed.id, "failed", "失败");
    await record(s.id, "W", done.id, "written");
    const inFlight = await db.sourceRecord.create({
      data: { schemeId: s.id, sourceId: "S", data: {}, payloadHash: "h", status: "sending", lastRunId: sending.id, sendingRunId: sending.id },
    });
    // A written record whose last run was the failed one's does not keep it: only unresolved ones do.
    await db.sourceRecord.create({ data: { schemeId: s.id, sourceId: "W2", data: {}, payloadHash: "h", status: "written", lastRunId: needed.id } });

    expect(await pruneRuns(db, 30)).toEqual({ expired: 1, quiet: 0 });
    const left = async () => (await db.run.findMany({ where: { schemeId: s.id }, select: { id: true } })).map((r) => r.id).sort();
    expect(await left()).toEqual([needed.id, sending.id, latest.id].sort());
    expect(await db.runOutcome.count({ where: { runId: needed.id } })).toBe(1);
    expect((await listFailedRecords(db, { schemeId: s.id, afterId: 0n, limit: 10 }))[0]?.run?.id).toBe(needed.id);

    // Once the record is written (by a retry) and the write settled, their runs go at the next pruning.
    await db.sourceRecord.update({ where: { id: failed.id }, data: { status: "written", lastError: null } });
    await db.sourceRecord.update({ where: { id: inFlight.id }, data: { status: "written", sendingRunId: null } });
    expect(await pruneRuns(db, 30)).toEqual({ expired: 2, quiet: 0 });
    expect(await left()).toEqual([latest.id]);
  });
});
