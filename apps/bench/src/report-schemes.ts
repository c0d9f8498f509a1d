// The many-schemes benchmark's checks and the section printed on stdout (`--schemes K`). Pure:
// tested in schemes-ticks.test.ts.
import { table, type Goal } from "./report";
import type { SchemesBenchFile, SchemesReport } from "./schemes";

const mb = (bytes: number) => bytes / 1024 / 1024;

export function checkSchemesGoals(r: SchemesReport): Goal[] {
  const p95 = r.tick_to_start_ms.p95;
  return [
    { goal: "no tick missed", measured: `${r.ticks_run} of ${r.ticks_expected} ticks ran (${r.missed} missed)`, met: r.missed === 0 },
    { goal: "no duplicate run", measured: `${r.duplicate_runs} extra runs for one tick`, met: r.duplicate_runs === 0 },
    { goal: "tick → run start p95 < 2 s", measured: p95 === null ? "no run started" : `${(p95 / 1000).toFixed(2)} s`, met: p95 !== null && p95 < 2_000 },
    {
      goal: "every shop once in 金蝶",
      measured: `${r.records.in_kingdee} of ${r.records.expected}, ${r.lost} lost, ${r.duplicates} duplicates, ${r.records.unexpected} unexpected`,
      met: r.lost === 0 && r.duplicates === 0 && r.records.unexpected === 0 && r.records.written_by_runs === r.records.expected,
    },
    { goal: "worker peak RSS <= 256 MB", measured: `${r.worker_peak_rss_mb.toFixed(0)} MB`, met: r.worker_peak_rss_mb <= 256 },
  ];
}

export function formatSchemesReport(file: SchemesBenchFile): string {
  const r = file.schemes;
  const s = (ms: number | null) => (ms === null ? null : ms / 1000);
  const out: string[] = [];
  out.push(
    `Qiao bench · ${r.count} schemes × ${r.shops_per_scheme} shops · cron "* * * * *" · ${r.minutes} ticks · workers ${r.workers} × concurrency ${r.worker_concurrency}` +
      ` · ${file.machine.cores} cores · Node ${file.machine.node} · ${file.commit}`,
  );
  out.push("");
  out.push(
    table(
      ["metric", "value"],
      [
        ["ticks expected / run / missed", `${r.ticks_expected} / ${r.ticks_run} / ${r.missed}`],
        ["duplicate runs (same scheme, same tick)", r.duplicate_runs],
        ["scheduled runs outside the window / not succeeded", `${r.outside} / ${r.not_succeeded}`],
        ["tick → start s p50 / p95 / max", `${s(r.tick_to_start_ms.p50)} / ${s(r.tick_to_start_ms.p95)} / ${s(r.tick_to_start_ms.max)}`],
        ["  after the first tick p50 / p95 / max", `${s(r.steady_tick_to_start_ms.p50)} / ${s(r.steady_tick_to_start_ms.p95)} / ${s(r.steady_tick_to_start_ms.max)}`],
        ["tick → run queued s p50 / p95", `${s(r.tick_to_queued_ms.p50)} / ${s(r.tick_to_queued_ms.p95)}`],
        ["first tick: slot → last run finished s", r.first_tick_s],
        ["shops in 金蝶 / expected / written by runs", `${r.records.in_kingdee} / ${r.records.expected} / ${r.records.written_by_runs}`],
        ["lost / duplicates / unexpected", `${r.lost} / ${r.duplicates} / ${r.records.unexpected}`],
        ["Postgres MB: before / after the first tick / end", `${mb(r.pg_bytes.before_first_tick).toFixed(1)} / ${mb(r.pg_bytes.after_first_tick).toFixed(1)} / ${mb(r.pg_bytes.end).toFixed(1)}`],
        ["Postgres growth MB per day (after the first tick)", mb(r.pg_growth_bytes_per_day)],
        ["runs after the first tick that were quiet (pruned sooner)", `${(100 * r.quiet_run_share).toFixed(1)} %`],
        [
          `Postgres MB at retention ${r.retention_days} d, quiet runs ${r.retention_quiet_days} d (estimate)`,
          mb(r.pg_bytes_at_retention),
        ],
        ["worker peak RSS MB", r.worker_peak_rss_mb],
        ["CPU s: workers / Postgres / simulators / web", `${r.cpu_s.workers.toFixed(1)} / ${r.cpu_s.postgres.toFixed(1)} / ${r.cpu_s.simulators.toFixed(1)} / ${r.cpu_s.web.toFixed(1)}`],
      ],
    ),
  );
  out.push("");
  out.push("Per tick");
  out.push(table(["slot", "runs started", "p95 tick → start s"], r.per_slot.map((p) => [p.slot, p.runs, s(p.p95_start_ms)])));
  out.push("");
  out.push("Postgres growth per day by table (MB)");
  out.push(table(["table", "MB/day"], Object.entries(r.pg_tables_bytes_per_day).slice(0, 8).map(([name, b]) => [name, mb(b)])));
  out.push("");
  out.push("Checks");
  out.push(table(["goal", "measured", "met"], checkSchemesGoals(r).map((g) => [g.goal, g.measured, g.met === null ? "n/a" : g.met ? "yes" : "NO"])));
  for (const note of file.notes) out.push(`note: ${note}`);
  return out.join("\n");
}
