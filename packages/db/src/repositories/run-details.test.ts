import { message } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import {
  countRunRecordsByStatus,
  FINISHED_LINE_WITHIN,
  finishedRunTimings,
  findRunWithSchemeName,
  listFailedRunRecords,
  listRunLogs,
  listRunRecords,
  listSchemeRuns,
  sourceDataByRecord,
} from "./run-details";
import { createRun } from "./runs";
import { appendRunLog } from "./run-progress";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("rundetails");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

async function scheme(name: string) {
  return db.scheme.create({ data: { name, definition: {} } });
}

/** A finished run created `minutesAgo` ago. */
async function run(schemeId: string, minutesAgo: number) {
  const created = await createRun(db, { schemeId, schemeVersion: 1, trigger: "manual" });
  return db.run.update({ where: { id: created.id }, data: { status: "partial", createdAt: new Date(Date.now() - minutesAgo * 60_000) } });
}

/** A staged record and its outcome in `runId`, as the engine writes them. */
async function record(schemeId: string, runId: string, sourceId: string, status: "written" | "failed" | "skipped" | "unknown" | "saved") {
  const staged = await db.sourceRecord.create({
    data: { schemeId, sourceId, data: { code: sourceId }, payloadHash: "h", status: status === "skipped" ? "written" : status, lastRunId: runId },
  });
  return db.runRecord.create({
    data: { runId, sourceRecordId: staged.id, sourceId, status: status === "skipped" ? "written" : status, payload: { FNumber: sourceId }, error: status === "failed" ? "失败" : null },
  });
}

// The first statements on a fresh database (and a loaded 2-core machine) can take seconds.
const SLOW = { timeout: 30_000 };

describe("run details", SLOW, () => {
  it("find a run with its scheme's name and page through a scheme's runs, newest first", async () => {
    const s = await scheme("运行列表");
    const other = await scheme("other");
    const oldest = await run(s.id, 30);
    const middle = await run(s.id, 20);
    const newest = await run(s.id, 10);
    await run(other.id, 5);

    expect((await findRunWithSchemeName(db, middle.id))?.scheme.name).toBe("运行列表");
    expect(await findRunWithSchemeName(db, "00000000-0000-4000-8000-00000000dead")).toBeNull();
    const first = await listSchemeRuns(db, { schemeId: s.id, take: 2 });
    expect(first.map((r) => r.id)).toEqual([newest.id, middle.id]);
    expect(first[0]?.scheme.name).toBe("运行列表");
    const second = await listSchemeRuns(db, { schemeId: s.id, afterRunId: middle.id, take: 2 });
    expect(second.map((r) => r.id)).toEqual([oldest.id]);
  });

  it("page through a run's records by status with their counts and source data", async () => {
    const s = await scheme("记录");
    const r = await run(s.id, 1);
    const a = await record(s.id, r.id, "A", "written");
    const b = await record(s.id, r.id, "B", "failed");
    await record(s.id, r.id, "C", "failed");
    const d = await record(s.id, r.id, "D", "unknown");
    const elsewhere = await run((await scheme("other records")).id, 1);
    await record(elsewhere.schemeId, elsewhere.id, "X", "failed");

    expect((await listRunRecords(db, { runId: r.id, take: 10 })).map((x) => x.sourceId)).toEqual(["A", "B", "C", "D"]);
    expect((await listRunRecords(db, { runId: r.id, status: "failed", take: 1 })).map((x) => x.sourceId)).toEqual(["B"]);
    expect((await listRunRecords(db, { runId: r.id, status: "failed", afterId: b.id, take: 1 })).map((x) => x.sourceId)).toEqual(["C"]);
    expect(await listRunRecords(db, { runId: r.id, afterId: d.id, take: 10 })).toEqual([]);
    expect(await countRunRecordsByStatus(db, r.id)).toEqual({ written: 1, failed: 2, unknown: 1 });
    expect(await countRunRecordsByStatus(db, (await run(s.id, 0)).id)).toEqual({});

    const data = await sourceDataByRecord(db, [a.sourceRecordId, b.sourceRecordId]);
    expect(data).toEqual(new Map([[a.sourceRecordId, { code: "A" }], [b.sourceRecordId, { code: "B" }]]));
    expect(await sourceDataByRecord(db, [])).toEqual(new Map());
  });

  it("list a run's failed records, all of them or those asked for", async () => {
    const s = await scheme("重试");
    const r = await run(s.id, 1);
    const written = await record(s.id, r.id, "A", "written");
    const b = await record(s.id, r.id, "B", "failed");
    const c = await record(s.id, r.id, "C", "failed");
    // A bill saved whose audit was refused (已保存未审核): the run's retry audits it.
    const d = await record(s.id, r.id, "D", "saved");

    expect(await listFailedRunRecords(db, r.id)).toEqual(
      expect.arrayContaining([{ id: b.id, sourceRecordId: b.sourceRecordId }, { id: c.id, sourceRecordId: c.sourceRecordId }, { id: d.id, sourceRecordId: d.sourceRecordId }]),
    );
    expect(await listFailedRunRecords(db, r.id)).toHaveLength(3);
    expect(await listFailedRunRecords(db, r.id, [c.id, written.id])).toEqual([{ id: c.id, sourceRecordId: c.sourceRecordId }]);
    expect(await listFailedRunRecords(db, r.id, [])).toEqual([]);
  });

  it("read a run's log in order after the last line seen", async () => {
    const s = await scheme("日志");
    const r = await run(s.id, 1);
    await appendRunLog(db, r.id, ["一", "二", "三"].map((n) => ({ level: "info" as const, message: message("run.cancelled"), data: { n } })));
    const all = await listRunLogs(db, { runId: r.id, take: 10 });
    expect(all.map((l) => (l.data as { n: string }).n)).toEqual(["一", "二", "三"]);
    expect((await listRunLogs(db, { runId: r.id, afterId: all[0]!.id, take: 1 })).map((l) => l.id)).toEqual([all[1]!.id]);
    expect(await listRunLogs(db, { runId: r.id, afterId: all[2]!.id, take: 10 })).toEqual([]);
  });

  it("finishedRunTimings: the last attempt's run.finished line, not another run's, null before any", async () => {
    const s = await scheme("用时");
    const r = await run(s.id, 1);
    const other = await run(s.id, 1);
    const finished = (total: number) => ({
      level: "info" as const,
      message: message("run.finished", { seconds: "1.0", fetched: 1, written: 1, skipped: 0, failed: 0 }),
      data: { timingsMs: { total, targetSpan: total - 100, targetIdle: 10 }, target: { connectionId: "c", concurrency: 2 } },
    });
    expect(await finishedRunTimings(db, r.id)).toBeNull();
    await appendRunLog(db, other.id, finished(9_999));
    await appendRunLog(db, r.id, [{ level: "info", message: message("run.started", { version: 1 }) }, finished(1_000)]);
    // A second attempt finished later: its line is the one shown; lines after it do not hide it.
    await appendRunLog(db, r.id, [finished(2_000), { level: "info", message: message("run.cancelled") }]);
    expect(await finishedRunTimings(db, r.id)).toEqual({
      timings: { total: 2_000, targetSpan: 1_900, targetIdle: 10 },
      target: { connectionId: "c", concurrency: 2 },
    });
    // Looked for among the last FINISHED_LINE_WITHIN lines only (a run that never finished has a long log).
    await appendRunLog(db, r.id, Array.from({ length: FINISHED_LINE_WITHIN }, () => ({ level: "info" as const, message: message("run.cancelled") })));
    expect(await finishedRunTimings(db, r.id)).toBeNull();
  });
});
