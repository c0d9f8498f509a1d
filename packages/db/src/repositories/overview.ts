// The overview (概览) and /api/metrics read statistics kept as runs finish (the `runs_finished_stats`
// trigger, 20261204120000_overview_stats) and staging counts kept per scheme: a fixed handful of
// statements, each reading at most a few rows per scheme, however many runs a year brought. Nothing
// here aggregates runs, run_records or run_logs. See docs/overview-and-metrics.md.
import type pg from "pg";
import type { Prisma } from "../../generated/prisma/client";
import type { RunStatus, RunTrigger } from "../../generated/prisma/enums";
import { poolOf, scanQuery, type Db } from "../client";

/** Days of the records-per-day chart. */
export const OVERVIEW_DAYS = 14;
/** Hourly statistics are kept this long (the overview's widest window is 7 days). */
export const HOURLY_STATS_KEEP_DAYS = 8;

export interface RunCounts {
  succeeded: number;
  partial: number;
  failedRuns: number;
  cancelled: number;
  /** Records written and failed by those runs. */
  written: number;
  failed: number;
}

export interface SchemeOverview {
  id: string;
  name: string;
  enabled: boolean;
  cron: string | null;
  timezone: string;
  /** The latest run that is not a test run (it may still be active). */
  lastRun: {
    id: string;
    status: RunStatus;
    trigger: RunTrigger;
    createdAt: Date;
    finishedAt: Date | null;
    written: number;
    failed: number;
  } | null;
  last24h: RunCounts;
  last7d: RunCounts;
  /** Records written and failed per day of `Overview.days`, in the same order. */
  written: number[];
  failed: number[];
  /** The scheme's staging rows by status (every status there is, by its name), and when they were counted. */
  records: Record<string, number>;
  recordsCountedAt: Date | null;
}

export interface Overview {
  /** The chart's days (YYYY-MM-DD), oldest first, ending today in `timezone`. */
  days: string[];
  schemes: SchemeOverview[];
}

type Query = (text: string, values: unknown[]) => Promise<pg.QueryResult>;

const EMPTY: RunCounts = { succeeded: 0, partial: 0, failedRuns: 0, cancelled: 0, written: 0, failed: 0 };

/** YYYY-MM-DD of `at` in `timeZone`. */
function dayIn(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

/** The `count` calendar days ending with today in `timeZone`, oldest first. */
export function lastDays(now: Date, timeZone: string, count = OVERVIEW_DAYS): string[] {
  const today = new Date(`${dayIn(now, timeZone)}T00:00:00Z`).getTime();
  return Array.from({ length: count }, (_, i) => new Date(today - (count - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

/** The statements the overview runs, in order (the test checks each one's plan). */
export const OVERVIEW_SQL = {
  /** Every scheme with its latest non-test run: one probe of runs (scheme_id, created_at DESC) per scheme. */
  schemes: `SELECT s.id, s.name, s.enabled, s.cron, s.timezone,
      r.id AS run_id, r.status::text AS run_status, r.trigger::text AS run_trigger, r.created_at, r.finished_at, r.written, r.failed
    FROM schemes s
    LEFT JOIN LATERAL (
      SELECT id, status, trigger, created_at, finished_at, written, failed FROM runs
      WHERE scheme_id = s.id AND trigger <> 'test' ORDER BY created_at DESC LIMIT 1
    ) r ON true
    ORDER BY s.name, s.id`,
  /** Runs and records of the last 24 hours and 7 days, from the hourly rows of the last 7 days. */
  windows: `SELECT scheme_id,
      sum(succeeded) FILTER (WHERE hour > $1) AS s1, sum(partial) FILTER (WHERE hour > $1) AS p1,
      sum(failed_runs) FILTER (WHERE hour > $1) AS f1, sum(cancelled) FILTER (WHERE hour > $1) AS c1,
      sum(written) FILTER (WHERE hour > $1) AS w1, sum(failed) FILTER (WHERE hour > $1) AS x1,
      sum(succeeded) AS s7, sum(partial) AS p7, sum(failed_runs) AS f7, sum(cancelled) AS c7, sum(written) AS w7, sum(failed) AS x7
    FROM scheme_hourly_stats WHERE hour > $2 GROUP BY scheme_id`,
  /** Records per day of the chart's days. */
  daily: `SELECT scheme_id, to_char(day, 'YYYY-MM-DD') AS day, written, failed FROM scheme_daily_stats WHERE day >= $1::date`,
  /** Staging counts by status, and when each scheme's were counted. */
  records: `SELECT c.scheme_id, c.status, c.records, t.records_counted_at
    FROM scheme_record_counts c LEFT JOIN scheme_run_totals t ON t.scheme_id = c.scheme_id`,
} as const;

const num = (v: unknown) => Number(v ?? 0);

function counts(row: Record<string, unknown> | undefined, w: "1" | "7"): RunCounts {
  if (!row) return { ...EMPTY };
  return {
    succeeded: num(row[`s${w}`]),
    partial: num(row[`p${w}`]),
    failedRuns: num(row[`f${w}`]),
    cancelled: num(row[`c${w}`]),
    written: num(row[`w${w}`]),
    failed: num(row[`x${w}`]),
  };
}

/**
 * Everything the overview shows per scheme, in four statements whatever the number of schemes and
 * runs. `timezone` names the days of the chart; each scheme's rows are days in its own timezone,
 * placed on the chart by date. A scheme ahead of the chart's timezone (Tokyo, Auckland) has a day
 * the chart does not have yet for an hour or more each day: it counts on the last bar, as 24 小时
 * counts it (dropped, its records were on no bar; session 27's audit).
 */
export async function readOverview(db: Db, { now = new Date(), timezone = "Asia/Shanghai" }: { now?: Date; timezone?: string } = {}): Promise<Overview> {
  const pool = poolOf(db);
  const query: Query = (text, values) => pool.query(text, values);
  const days = lastDays(now, timezone);
  const [schemes, windows, daily, records] = await Promise.all([
    query(OVERVIEW_SQL.schemes, []),
    query(OVERVIEW_SQL.windows, [new Date(now.getTime() - 86_400_000), new Date(now.getTime() - 7 * 86_400_000)]),
    query(OVERVIEW_SQL.daily, [days[0]]),
    query(OVERVIEW_SQL.records, []),
  ]);
  const windowOf = new Map(windows.rows.map((r: Record<string, unknown>) => [String(r.scheme_id), r]));
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const series = new Map<string, { written: number[]; failed: number[] }>();
  const today = days.at(-1) ?? "";
  for (const row of daily.rows as { scheme_id: string; day: string; written: string; failed: string }[]) {
    // YYYY-MM-DD compares as text: a day after the chart's today goes on today's bar.
    const i = row.day > today ? days.length - 1 : dayIndex.get(row.day);
    if (i === undefined) continue;
    let s = series.get(row.scheme_id);
    if (!s) series.set(row.scheme_id, (s = { written: days.map(() => 0), failed: days.map(() => 0) }));
    s.written[i] = (s.written[i] ?? 0) + num(row.written);
    s.failed[i] = (s.failed[i] ?? 0) + num(row.failed);
  }
  const recordsOf = new Map<string, { records: Record<string, number>; countedAt: Date | null }>();
  for (const row of records.rows as { scheme_id: string; status: string; records: number; records_counted_at: Date | null }[]) {
    let r = recordsOf.get(row.scheme_id);
    if (!r) recordsOf.set(row.scheme_id, (r = { records: {}, countedAt: row.records_counted_at }));
    r.records[row.status] = row.records;
  }
  return {
    days,
    schemes: (schemes.rows as Record<string, unknown>[]).map((row) => {
      const id = String(row.id);
      const window = windowOf.get(id);
      const s = series.get(id);
      const r = recordsOf.get(id);
      return {
        id,
        name: String(row.name),
        enabled: Boolean(row.enabled),
        cron: (row.cron as string | null) ?? null,
        timezone: String(row.timezone),
        lastRun: row.run_id
          ? {
              id: String(row.run_id),
              // The run_status and run_trigger enums, as text.
              status: row.run_status as RunStatus,
              trigger: row.run_trigger as RunTrigger,
              createdAt: row.created_at as Date,
              finishedAt: (row.finished_at as Date | null) ?? null,
              written: num(row.written),
              failed: num(row.failed),
            }
          : null,
        last24h: counts(window, "1"),
        last7d: counts(window, "7"),
        written: s?.written ?? days.map(() => 0),
        failed: s?.failed ?? days.map(() => 0),
        records: r?.records ?? {},
        recordsCountedAt: r?.countedAt ?? null,
      };
    }),
  };
}

// Dead letters (死信: failed, automatic retries used up, dead_at set) count as their own status.
const RECOUNT_RECORDS_SQL = `WITH c AS (
      SELECT CASE WHEN dead_at IS NOT NULL AND status = 'failed' THEN 'dead' ELSE status::text END AS status, count(*)::int AS n
      FROM source_records WHERE scheme_id = $1::uuid GROUP BY 1
    ),
    gone AS (DELETE FROM scheme_record_counts WHERE scheme_id = $1::uuid AND status NOT IN (SELECT status FROM c)),
    stamped AS (UPDATE scheme_run_totals SET records_counted_at = now() WHERE scheme_id = $1::uuid)
    INSERT INTO scheme_record_counts (scheme_id, status, records, counted_at)
    SELECT $1::uuid, status, n, now() FROM c
    ON CONFLICT (scheme_id, status) DO UPDATE SET records = EXCLUDED.records, counted_at = EXCLUDED.counted_at`;

/**
 * Counts the scheme's staging rows by status into scheme_record_counts (statuses gone since the last
 * count are removed). One pass over the scheme's rows: run after a run finished, not per request.
 */
export async function refreshRecordCounts(db: Db, schemeId: string): Promise<void> {
  await scanQuery(db, RECOUNT_RECORDS_SQL, [schemeId]);
}

/** refreshRecordCounts inside a transaction that changed statuses: the counts commit with the change. */
export async function refreshRecordCountsIn(tx: Prisma.TransactionClient, schemeId: string): Promise<void> {
  await tx.$executeRawUnsafe(RECOUNT_RECORDS_SQL, schemeId);
}

/** Schemes whose staging counts are older than their last finished run (a recount was missed), oldest first. */
export async function schemesWithStaleRecordCounts(db: Db, limit: number): Promise<string[]> {
  const { rows } = await poolOf(db).query<{ scheme_id: string }>(
    `SELECT scheme_id FROM scheme_run_totals
    WHERE last_finished_at > COALESCE(records_counted_at, '-infinity'::timestamptz)
    ORDER BY last_finished_at LIMIT $1`,
    [limit],
  );
  return rows.map((r) => r.scheme_id);
}

/** Drops hourly statistics past HOURLY_STATS_KEEP_DAYS (the daily ones stay). */
export async function pruneHourlyStats(db: Db, now = new Date()): Promise<number> {
  const { rowCount } = await poolOf(db).query(`DELETE FROM scheme_hourly_stats WHERE hour < $1`, [
    new Date(now.getTime() - HOURLY_STATS_KEEP_DAYS * 86_400_000),
  ]);
  return rowCount ?? 0;
}

/**
 * A run's records written and failed per `bucketSeconds`, from run_write_stats (one row per change
 * of its counters): the run page's chart. `t` is the bucket's start, epoch seconds.
 */
export async function runWriteSeries(db: Db, runId: string, bucketSeconds: number): Promise<{ t: number; written: number; failed: number }[]> {
  const { rows } = await poolOf(db).query<{ t: number; written: string; failed: string }>(
    `SELECT (floor(extract(epoch FROM at) / $2) * $2)::float8 AS t, sum(written)::bigint AS written, sum(failed)::bigint AS failed
    FROM run_write_stats WHERE run_id = $1::uuid GROUP BY 1 ORDER BY 1`,
    [runId, bucketSeconds],
  );
  return rows.map((r) => ({ t: r.t, written: Number(r.written), failed: Number(r.failed) }));
}
