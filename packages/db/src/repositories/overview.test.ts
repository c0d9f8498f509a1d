import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { message } from "@qiao/core";
import { createPrisma, poolOf, type Db } from "../client";
import { createTestDatabase, transientFailures, type TestDatabase } from "../testing";
import { readMetricTotals } from "./metric-totals";
import { lastDays, OVERVIEW_SQL, pruneHourlyStats, readOverview, refreshRecordCounts, runWriteSeries, schemesWithStaleRecordCounts } from "./overview";
import { markSending } from "./mark-sending";
import { resolveUnknown } from "./resolve-unknown";
import { endRetryEarly } from "./retry-ends";
import { cancelRun, claimRun, createRun, failActiveRun, finishRun, requeueRun } from "./runs";
import { reportProgress } from "./run-progress";
import { assignFailedToRun } from "./staging";
import { recordWriteResults } from "./write-protocol";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("overview");
  db = createPrisma(tdb.url, 4);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

const scheme = (name: string, timezone = "Asia/Shanghai") => db.scheme.create({ data: { name, definition: {}, timezone } });

/** A run claimed, with `written` / `failed` reported, finished `status`. */
async function finishedRun(schemeId: string, status: "succeeded" | "partial" | "failed", written: number, failed: number, trigger: "manual" | "test" = "manual") {
  const run = await createRun(db, { schemeId, schemeVersion: 1, trigger });
  const claim = await claimRun(db, run.id, new Date());
  if (!claim.claimed) throw new Error("not claimed");
  await reportProgress(db, run.id, { written, failed }, claim.run.attempt);
  return (await finishRun(db, run.id, claim.run.attempt, { status }))!;
}

// Seconds alone; under a loaded machine's build the first statements (connections, plans) take longer.
describe("statistics kept as runs finish", { timeout: 30_000 }, () => {
  it("counts each finished run once, whichever path finishes it; test runs count for records only", async () => {
    const s = await scheme("stats");
    await finishedRun(s.id, "succeeded", 10, 0);
    await finishedRun(s.id, "partial", 4, 2);
    await finishedRun(s.id, "succeeded", 3, 0, "test");
    const queued = await createRun(db, { schemeId: s.id, schemeVersion: 1, trigger: "manual" });
    await cancelRun(db, queued.id);
    const lost = await createRun(db, { schemeId: s.id, schemeVersion: 1, trigger: "schedule" });
    await failActiveRun(db, lost.id, message("run.workerFailed", { text: "gone" }));
    // Touching a finished run again changes nothing.
    await db.run.update({ where: { id: lost.id }, data: { status: "failed" } });

    const totals = await db.schemeRunTotals.findUniqueOrThrow({ where: { schemeId: s.id } });
    expect(totals).toMatchObject({ succeeded: 1, partial: 1, failedRuns: 1, cancelled: 1, written: 17n, failed: 2n });
    const hourly = await db.schemeHourlyStats.findMany({ where: { schemeId: s.id } });
    expect(hourly.reduce((n, h) => n + h.succeeded + h.partial + h.failedRuns + h.cancelled, 0)).toBe(4);
    const daily = await db.schemeDailyStats.findMany({ where: { schemeId: s.id } });
    expect(daily.reduce((n, d) => n + d.written, 0n)).toBe(17n);

    const overview = await readOverview(db);
    const row = overview.schemes.find((x) => x.id === s.id)!;
    expect(row.last24h).toEqual({ succeeded: 1, partial: 1, failedRuns: 1, cancelled: 1, written: 17, failed: 2 });
    expect(row.last7d).toEqual(row.last24h);
    expect(row.lastRun).toMatchObject({ id: lost.id, status: "failed", trigger: "schedule" });
    expect(row.written.at(-1)).toBe(17);
    expect(row.written).toHaveLength(overview.days.length);
  });

  it("puts a run's records on its day in the scheme's timezone", async () => {
    const s = await scheme("new york", "America/New_York");
    const run = await finishedRun(s.id, "succeeded", 5, 0);
    const day = await db.schemeDailyStats.findFirstOrThrow({ where: { schemeId: s.id } });
    const expected = new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York" }).format(run.finishedAt!);
    expect(day.day.toISOString().slice(0, 10)).toBe(expected);
    // 03:00 UTC on Dec 2 is still Dec 1 in New York, and Dec 2 in Shanghai.
    expect(lastDays(new Date("2026-12-02T03:00:00Z"), "America/New_York", 2)).toEqual(["2026-11-30", "2026-12-01"]);
    expect(lastDays(new Date("2026-12-02T03:00:00Z"), "Asia/Shanghai", 2)).toEqual(["2026-12-01", "2026-12-02"]);
  });

  it("keeps a run's counter changes for its chart (run_write_stats), not its log lines", async () => {
    const s = await scheme("chart");
    const run = await createRun(db, { schemeId: s.id, schemeVersion: 1, trigger: "manual" });
    const claim = await claimRun(db, run.id, new Date());
    if (!claim.claimed) throw new Error("not claimed");
    await reportProgress(db, run.id, { fetched: 50 }, claim.run.attempt);
    await reportProgress(db, run.id, { written: 20, failed: 1 }, claim.run.attempt);
    await reportProgress(db, run.id, { written: 30 }, claim.run.attempt);
    expect(await db.runWriteStat.count({ where: { runId: run.id } })).toBe(2);
    expect(await runWriteSeries(db, run.id, 3600)).toEqual([expect.objectContaining({ written: 50, failed: 1 })]);
  });

  it("counts staging rows by status after a run, and names the schemes whose count is stale", async () => {
    const s = await scheme("records");
    await finishedRun(s.id, "partial", 1, 1);
    const rows = [
      ["a", "written"],
      ["b", "failed"],
      ["c", "failed"],
      ["d", "pending"],
    ] as const;
    for (const [sourceId, status] of rows) {
      await db.sourceRecord.create({ data: { schemeId: s.id, sourceId, data: {}, payloadHash: "h", status } });
    }
    expect(await schemesWithStaleRecordCounts(db, 500)).toContain(s.id);
    await refreshRecordCounts(db, s.id);
    expect(await schemesWithStaleRecordCounts(db, 500)).not.toContain(s.id);
    let row = (await readOverview(db)).schemes.find((x) => x.id === s.id)!;
    expect(row.records).toEqual({ written: 1, failed: 2, pending: 1 });
    expect(row.recordsCountedAt).toBeInstanceOf(Date);

    await db.sourceRecord.updateMany({ where: { schemeId: s.id, status: "failed" }, data: { status: "written" } });
    await refreshRecordCounts(db, s.id);
    row = (await readOverview(db)).schemes.find((x) => x.id === s.id)!;
    expect(row.records).toEqual({ written: 3, pending: 1 });
    const metrics = await readMetricTotals(db);
    expect(metrics.schemes.find((x) => x.schemeId === s.id)).toMatchObject({ written: 1, failed: 1, records: { written: 3, pending: 1 } });
    // The chart test's run is still running.
    expect(metrics.activeRuns).toEqual({ queued: 0, running: 1 });
  });
});

// A finished run's counters still change: an automatic retry ended outside an attempt fails the
// records it did not send after the statement that finished it (cancelRun / claimRun finding it
// cancelled, failAbandonedRun's failActiveRun), and a lookup's verdicts move the run that SENT a
// record from unknown to written / failed, however long after it finished. The trigger
// runs_finished_stats_change (20261211131000) adds the difference to the rows the finish added to.
describe("a finished run whose counters change afterwards", { timeout: 30_000 }, () => {
  const FAILED = 3;

  /**
   * A scheme whose first run failed FAILED records transiently at the default schedule's last step,
   * and an automatic retry run that took them in its first attempt and sent none yet (running).
   */
  async function retryHoldingRecords(name: string) {
    const s = await scheme(name);
    await finishedRun(s.id, "partial", 0, FAILED);
    const first = await db.run.findFirstOrThrow({ where: { schemeId: s.id } });
    const records = await transientFailures(db, { schemeId: s.id, runId: first.id, count: FAILED });
    const retry = await createRun(db, { schemeId: s.id, schemeVersion: 1, trigger: "retry", options: { scope: "scheme", automatic: true } });
    const claim = await claimRun(db, retry.id, new Date());
    if (!claim.claimed) throw new Error("not claimed");
    expect(await assignFailedToRun(db, { schemeId: s.id, runId: retry.id, attempt: claim.run.attempt, records: records.map((r) => ({ id: r.id, hash: r.payloadHash })), automatic: true })).toBe(FAILED);
    return { scheme: s, retry: claim.run };
  }

  /** The run page's count, and the statistics: the first run's FAILED and the retry's FAILED. */
  async function expectStatsToCount(schemeId: string, runId: string) {
    expect((await db.run.findUniqueOrThrow({ where: { id: runId } })).failed).toBe(FAILED);
    const totals = await db.schemeRunTotals.findUniqueOrThrow({ where: { schemeId } });
    const metrics = (await readMetricTotals(db)).schemes.find((x) => x.schemeId === schemeId)!;
    const row = (await readOverview(db)).schemes.find((x) => x.id === schemeId)!;
    expect({ totals: Number(totals.failed), metric: metrics.failed, last24h: row.last24h.failed, chart: row.failed.reduce((a, b) => a + b, 0) }).toEqual({
      totals: 2 * FAILED,
      metric: 2 * FAILED,
      last24h: 2 * FAILED,
      chart: 2 * FAILED,
    });
    // Still one failed run and one cancelled / failed: the change counts records, not another run.
    expect(totals.partial + totals.failedRuns + totals.cancelled).toBe(2);
  }

  it("counts the records an automatic retry handed back, then cancelled while queued, failed again", async () => {
    const { scheme: s, retry } = await retryHoldingRecords("stats: retry cancelled while queued");
    await requeueRun(db, retry.id, retry.attempt);
    expect((await cancelRun(db, retry.id))?.status).toBe("cancelled");
    expect(await db.sourceRecord.count({ where: { schemeId: s.id, deadAt: { not: null } } })).toBe(FAILED);
    await expectStatsToCount(s.id, retry.id);
  });

  it("counts the records an abandoned automatic retry failed again (failAbandonedRun: failActiveRun, then endRetryEarly)", async () => {
    const { scheme: s, retry } = await retryHoldingRecords("stats: retry abandoned");
    const failed = await failActiveRun(db, retry.id, message("run.workerFailed", { text: "gone" }));
    expect(failed?.status).toBe("failed");
    await endRetryEarly(db, failed!, { failure: message("run.workerFailed", { text: "gone" }) });
    await expectStatsToCount(s.id, retry.id);
  });

  it("counts a lookup's verdicts on a run that finished days before, on that run's day and hour", async () => {
    const s = await scheme("stats: late verdicts");
    // The sender: three records sent in one batch, outcome unknown, then the run is cancelled (a
    // cancelled run's records count: what it sent reached 金蝶).
    const sender = await createRun(db, { schemeId: s.id, schemeVersion: 1, trigger: "manual" });
    const claimed = await claimRun(db, sender.id, new Date());
    if (!claimed.claimed) throw new Error("not claimed");
    const ref = { runId: sender.id, attempt: claimed.run.attempt, schemeId: s.id };
    const records = [];
    for (const sourceId of ["FOUND", "UNVERIFIABLE", "GONE"]) {
      const row = await db.sourceRecord.create({ data: { schemeId: s.id, sourceId, data: {}, dataHash: `d-${sourceId}`, payloadHash: "h1", status: "pending" } });
      records.push({ id: row.id, sourceId, hash: "h1", payload: { FNumber: sourceId } });
    }
    await markSending(db, { ...ref, batchId: "b1", mappingKey: "k", records });
    await recordWriteResults(db, {
      ...ref,
      batchId: "b1",
      mode: "create",
      results: records.map((r) => ({ id: r.id, hash: "h1", outcome: "unknown" as const, error: "超时" })),
      unknownWaitMs: 0,
      retryBackoffMs: [],
    });
    expect((await finishRun(db, sender.id, claimed.run.attempt, { status: "cancelled" }))?.status).toBe("cancelled");
    // As if it had finished two days ago: moving its finish moves what it counts (nothing written yet).
    await poolOf(db).query(`UPDATE runs SET finished_at = finished_at - interval '2 days' WHERE id = $1`, [sender.id]);

    // A later run looks the records up: one found, one unverifiable, one absent (pending again).
    const resolver = await createRun(db, { schemeId: s.id, schemeVersion: 1, trigger: "manual" });
    const claim = await claimRun(db, resolver.id, new Date());
    if (!claim.claimed) throw new Error("not claimed");
    const [found, unverifiable, gone] = records;
    const result = await resolveUnknown(db, {
      runId: resolver.id,
      attempt: claim.run.attempt,
      mode: "create",
      verdicts: [
        { id: found!.id, batchId: "b1", outcome: "found", sentHash: "h1", targetId: "T1", targetNumber: "FOUND" },
        { id: unverifiable!.id, batchId: "b1", outcome: "unverifiable", sentHash: "h1" },
        { id: gone!.id, batchId: "b1", outcome: "absent", sentHash: "h1" },
      ],
      messages: { absent: "不存在", unverifiable: "无法核对" },
    });
    expect(result).toMatchObject({ written: 1, failed: 1 });
    expect(await db.run.findUniqueOrThrow({ where: { id: sender.id }, select: { written: true, failed: true } })).toEqual({ written: 1, failed: 1 });

    const totals = await db.schemeRunTotals.findUniqueOrThrow({ where: { schemeId: s.id } });
    expect(totals).toMatchObject({ cancelled: 1, written: 1n, failed: 1n });
    expect((await readMetricTotals(db)).schemes.find((x) => x.schemeId === s.id)).toMatchObject({ written: 1, failed: 1 });
    const row = (await readOverview(db)).schemes.find((x) => x.id === s.id)!;
    // On the sender's day (two days ago) and hour, where its finish counted it: not today's.
    expect(row.written.slice(-3)).toEqual([1, 0, 0]);
    expect(row.failed.slice(-3)).toEqual([1, 0, 0]);
    expect(row.last24h).toMatchObject({ cancelled: 0, written: 0, failed: 0 });
    expect(row.last7d).toMatchObject({ cancelled: 1, written: 1, failed: 1 });
  });
});

/** Node types of a plan that read `relation` without an index. */
function seqScans(plan: Record<string, unknown>, relation: string): string[] {
  const own = plan["Node Type"] === "Seq Scan" && plan["Relation Name"] === relation ? [relation] : [];
  const children = (plan.Plans as Record<string, unknown>[] | undefined) ?? [];
  return [...own, ...children.flatMap((c) => seqScans(c, relation))];
}

describe("with 200 schemes and a year of runs", () => {
  it("answers in four statements that read the year-long tables through their indexes", async () => {
    const pool = poolOf(db);
    await pool.query(`INSERT INTO schemes (name, definition, cron) SELECT 'bulk ' || lpad(i::text, 3, '0'), '{}', '*/5 * * * *' FROM generate_series(1, 200) i`);
    const bulk = `SELECT id FROM schemes WHERE name LIKE 'bulk %'`;
    // A run a day for a year (the trigger fires on finishing, not on insert: the statistics are seeded beside them).
    // The daily rows are days in the schemes' timezone (Asia/Shanghai), as the trigger keeps them: from 16:00 UTC
    // Shanghai's today is UTC's tomorrow, and a row per UTC date left the chart's last day empty.
    await pool.query(`INSERT INTO runs (scheme_id, scheme_version, trigger, status, phase, created_at, started_at, finished_at, written)
      SELECT s.id, 1, 'schedule', 'succeeded', 'done', d, d, d + interval '1 minute', 10
      FROM (${bulk}) s, generate_series(now() - interval '365 days', now() - interval '1 hour', interval '1 day') d`);
    await pool.query(`INSERT INTO scheme_daily_stats (scheme_id, day, succeeded, written)
      SELECT s.id, (d AT TIME ZONE 'Asia/Shanghai')::date, 1, 10 FROM (${bulk}) s, generate_series(now() - interval '365 days', now(), interval '1 day') d`);
    // Thirty days of hourly rows, as if pruning had not run for three weeks.
    await pool.query(`INSERT INTO scheme_hourly_stats (scheme_id, hour, succeeded, written)
      SELECT s.id, h, 1, 10 FROM (${bulk}) s, generate_series(date_trunc('hour', now()) - interval '30 days', date_trunc('hour', now()), interval '1 hour') h`);
    await pool.query(`ANALYZE`);

    expect(await pruneHourlyStats(db)).toBeGreaterThan(0);
    const { rows: left } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM scheme_hourly_stats`);
    // What the 7-day window reads is bounded by schemes × hours kept, not by history.
    expect(left[0]!.n).toBeLessThanOrEqual(210 * 24 * 8 + 210);
    await pool.query(`ANALYZE scheme_hourly_stats`);

    const spy = vi.spyOn(pool, "query");
    const overview = await readOverview(db);
    expect(spy).toHaveBeenCalledTimes(Object.keys(OVERVIEW_SQL).length);
    spy.mockRestore();
    expect(Object.keys(OVERVIEW_SQL)).toHaveLength(4);
    const one = overview.schemes.find((x) => x.name === "bulk 001")!;
    expect(one.lastRun).toMatchObject({ status: "succeeded", written: 10 });
    expect(one.last24h.succeeded).toBeGreaterThanOrEqual(23);
    expect(one.last7d.succeeded).toBeGreaterThan(one.last24h.succeeded);
    expect(one.written.every((w) => w === 10)).toBe(true);

    const now = Date.now();
    const params: Record<keyof typeof OVERVIEW_SQL, unknown[]> = {
      schemes: [],
      windows: [new Date(now - 86_400_000), new Date(now - 7 * 86_400_000)],
      daily: [overview.days[0]],
      records: [],
    };
    for (const [name, sql] of Object.entries(OVERVIEW_SQL) as [keyof typeof OVERVIEW_SQL, string][]) {
      const { rows } = await pool.query<{ "QUERY PLAN": [{ Plan: Record<string, unknown> }] }>(`EXPLAIN (FORMAT JSON) ${sql}`, params[name]);
      const plan = rows[0]!["QUERY PLAN"][0].Plan;
      expect([...seqScans(plan, "runs"), ...seqScans(plan, "scheme_daily_stats")], `${name}: ${JSON.stringify(plan)}`).toEqual([]);
    }
  }, 120_000);
});
