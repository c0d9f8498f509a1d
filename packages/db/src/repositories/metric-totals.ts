// What /api/metrics reads from Postgres: per scheme the run and record totals kept by the
// `runs_finished_stats` trigger, its staging counts by status, and the runs active now. Three small
// statements (a row per scheme, per scheme and status, per active status).
import { poolOf, type Db } from "../client";

export interface SchemeTotals {
  schemeId: string;
  schemeName: string;
  /** Finished runs by how they ended (test runs not counted). */
  runs: { succeeded: number; partial: number; failed: number; cancelled: number };
  written: number;
  failed: number;
  /** Staging rows by status, as last counted. */
  records: Record<string, number>;
}

export interface MetricTotals {
  schemes: SchemeTotals[];
  /** Runs queued and running now. */
  activeRuns: Record<string, number>;
}

export async function readMetricTotals(db: Db): Promise<MetricTotals> {
  const pool = poolOf(db);
  const [totals, records, active] = await Promise.all([
    pool.query<Record<string, string | number | null>>(
      `SELECT s.id, s.name, t.succeeded, t.partial, t.failed_runs, t.cancelled, t.written, t.failed
      FROM schemes s LEFT JOIN scheme_run_totals t ON t.scheme_id = s.id ORDER BY s.id`,
    ),
    pool.query<{ scheme_id: string; status: string; records: number }>(`SELECT scheme_id, status, records FROM scheme_record_counts`),
    // The status index: only the active runs are visited, however many finished ones there are.
    pool.query<{ status: string; n: number }>(`SELECT status::text AS status, count(*)::int AS n FROM runs WHERE status IN ('queued', 'running') GROUP BY status`),
  ]);
  const recordsOf = new Map<string, Record<string, number>>();
  for (const r of records.rows) {
    const m = recordsOf.get(r.scheme_id) ?? {};
    m[r.status] = r.records;
    recordsOf.set(r.scheme_id, m);
  }
  const n = (v: unknown) => Number(v ?? 0);
  return {
    schemes: totals.rows.map((r) => ({
      schemeId: String(r.id),
      schemeName: String(r.name),
      runs: { succeeded: n(r.succeeded), partial: n(r.partial), failed: n(r.failed_runs), cancelled: n(r.cancelled) },
      written: n(r.written),
      failed: n(r.failed),
      records: recordsOf.get(String(r.id)) ?? {},
    })),
    activeRuns: { queued: 0, running: 0, ...Object.fromEntries(active.rows.map((r) => [r.status, r.n])) },
  };
}
