// The benchmark's results: their shape (the JSON file), the goals of issue 6 checked against them,
// and the tables printed on stdout. Pure: tested in report.test.ts.
import { formatLatency, latencyGoals, type LatencyMeasure, type LatencyProfileUsed } from "./report-latency";

/** Milliseconds per phase of one run attempt, as the engine logs them with the run's last line. */
export interface PhaseTimings {
  total: number;
  read: number;
  map: number;
  stage: number;
  write: number;
  protocol: number;
  journal: number;
  /** Time with no target call under way between the run's first call and its last (absent in older runs). */
  targetIdle?: number;
}

/** CPU seconds used during a run, per part of the stack. */
export interface CpuUse {
  workers: number[];
  postgres: number;
  simulators: number;
  web: number;
}

export interface RunMeasure {
  label: string;
  runId: string;
  status: string;
  fetched: number;
  written: number;
  skipped: number;
  failed: number;
  /** From the API request to the run's end (server clock): queue pickup included. */
  seconds: number;
  /** From the worker's claim to the run's end. */
  runSeconds: number;
  /** Wall time of the read phase (claim → "read complete") and of the write phase (→ end). */
  readPhaseS: number | null;
  writePhaseS: number | null;
  /** The engine's per-phase clock (last attempt). */
  timingsMs: PhaseTimings | null;
  /** Rows this run added or touched in Postgres. */
  rows: { stagingInserted: number; stagingTouched: number; runRecords: number; runLogs: number };
  cpuS: CpuUse;
  /**
   * WAL bytes the server inserted from the run's request to its end (pg_current_wal_insert_lsn
   * before and after: the whole server's, which is the benchmark's alone while it runs). Unlike CPU
   * time, the same for the same work on a busy or a quiet host (checkpoints' full-page images aside).
   */
  walBytes: number;
}

export interface ScaleOutMeasure {
  workers: number;
  seconds: number;
  recordsPerSecond: number;
  customers: number;
  duplicates: number;
  /** CPU seconds per worker during the run: shows which workers took part. */
  workerCpuS: number[];
  exact: boolean;
}

export interface BenchReport {
  startedAt: string;
  machine: { cores: number; cpu: string; node: string; platform: string };
  commit: string;
  n: number;
  options: { workers: number; pageSize: number; batchSize: number; qps: number; workerNodeOptions: string[] };
  platform_records_per_s: number;
  floor_records_per_s: number | null;
  ratio: number | null;
  worker_peak_rss_mb: number;
  /** RSS of the worker(s) once ready, before any run. */
  worker_idle_rss_mb: number;
  first_run_s: number;
  /** Postgres CPU (backends of the benchmark's database) per record of the full sync, µs (issue #16). */
  pg_us_per_record: number;
  /** WAL bytes per record of the full sync (RunMeasure.walBytes): the write volume, free of the host's noise. */
  pg_wal_bytes_per_record?: number;
  noop_full_read_s: number;
  noop_rerun_s: number;
  /** Bytes of staging (source_records with its indexes and TOAST) per staged record after the full sync; the same for the RunRecords (run_records and run_written_batches) per RunRecord. */
  staging_bytes_per_record?: number;
  run_records_bytes_per_record?: number;
  incremental_1pct_s: number;
  incremental_1pct: { changed: number; written: number; exact: boolean };
  /** Kingdee duplicate create attempts over the whole benchmark (floor excluded). */
  duplicates: number;
  customers_after_full_sync: number;
  phases_ms: PhaseTimings | null;
  floor: {
    seconds: number;
    records: number;
    written: number;
    failed: number;
    phasesMs: { read: number; map: number; write: number };
    /** CPU seconds of the bare script (the benchmark process) and of the simulators. */
    cpuS: { client: number; simulators: number };
  } | null;
  runs: RunMeasure[];
  scale_out: ScaleOutMeasure[];
  /** Peak worker RSS of the latest earlier result with another N (same page and batch sizes), for "flat in N". */
  rss_other_n: { n: number; worker_peak_rss_mb: number; file: string } | null;
  goals: Goal[];
  notes: string[];
  /** Where the processes' output was kept (simulators, web, workers). */
  logs: string;
  /** `--latency real` only: the simulators' profile, and the platform against the latency-bound floor per C (src/latency.ts). */
  latency_profile?: LatencyProfileUsed;
  latency?: LatencyMeasure[];
}

export interface Goal {
  goal: string;
  measured: string;
  met: boolean | null;
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);

/** Postgres CPU µs per record of a run (its backends' CPU ÷ the records it read; NaN when it read none). */
export function pgUsPerRecord(run: Pick<RunMeasure, "cpuS" | "fetched">): number {
  return run.fetched > 0 ? (run.cpuS.postgres * 1e6) / run.fetched : NaN;
}

/** WAL bytes per record read (see RunMeasure.walBytes). */
export function walBytesPerRecord(run: Pick<RunMeasure, "walBytes" | "fetched">): number {
  return run.fetched > 0 ? Math.round(run.walBytes / run.fetched) : NaN;
}

export function checkGoals(r: Omit<BenchReport, "goals">): Goal[] {
  const goals: Goal[] = [
    {
      goal: "platform >= 0.5 x floor",
      measured: r.ratio === null ? "floor skipped" : `${fmt(r.ratio)} x`,
      met: r.ratio === null ? null : r.ratio >= 0.5,
    },
    { goal: "worker peak RSS <= 256 MB", measured: `${fmt(r.worker_peak_rss_mb, 0)} MB`, met: r.worker_peak_rss_mb <= 256 },
  ];
  if (r.rss_other_n) {
    const other = r.rss_other_n.worker_peak_rss_mb;
    // "Flat": within 10 % (or 16 MB) of the run with the other N.
    const flat = Math.abs(r.worker_peak_rss_mb - other) <= Math.max(16, 0.1 * other);
    goals.push({ goal: "RSS flat in N", measured: `${fmt(r.worker_peak_rss_mb, 0)} MB at N=${r.n} vs ${fmt(other, 0)} MB at N=${r.rss_other_n.n}`, met: flat });
  } else {
    goals.push({ goal: "RSS flat in N", measured: "no earlier result with another N in results/", met: null });
  }
  goals.push(
    { goal: "no-op incremental rerun < 2 s", measured: `${fmt(r.noop_rerun_s)} s`, met: r.noop_rerun_s < 2 },
    {
      goal: "no-op full-read rerun < 1/4 first run",
      measured: `${fmt(r.noop_full_read_s)} s vs ${fmt(r.first_run_s / 4)} s`,
      met: r.noop_full_read_s < r.first_run_s / 4,
    },
    {
      goal: "exactly N customers, 0 duplicates",
      measured: `${r.customers_after_full_sync} customers, ${r.duplicates} duplicates`,
      met: r.customers_after_full_sync === r.n && r.duplicates === 0 && r.scale_out.every((s) => s.exact),
    },
    {
      goal: "1 % change: exactly 1 % written",
      measured: `${r.incremental_1pct.written} written of ${r.incremental_1pct.changed} changed`,
      met: r.incremental_1pct.exact,
    },
  );
  if (r.latency) goals.push(...latencyGoals(r.latency, r.n));
  return goals;
}

/** A plain-text table: numbers right-aligned, everything else left-aligned. */
export function table(headers: string[], rows: (string | number | null)[][]): string {
  const cells = rows.map((row) => row.map((c) => (c === null ? "-" : typeof c === "number" ? formatNumber(c) : c)));
  const numeric = headers.map((_, i) => rows.every((row) => typeof row[i] === "number" || row[i] === null));
  const widths = headers.map((h, i) => Math.max(width(h), ...cells.map((row) => width(row[i] ?? ""))));
  const line = (row: string[]) =>
    row.map((c, i) => (numeric[i] ? pad(c, widths[i]!, "left") : pad(c, widths[i]!, "right"))).join("  ").trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

/** Integers with thousands separators; other numbers with 2 decimals (3 below 0.1). */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString("en-US");
  return Math.abs(n) < 0.1 ? n.toFixed(3) : n.toFixed(2);
}

/** Display width: CJK characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}

function pad(s: string, w: number, side: "left" | "right"): string {
  const fill = " ".repeat(Math.max(0, w - width(s)));
  return side === "left" ? fill + s : s + fill;
}

const seconds = (ms: number | undefined) => (ms === undefined ? null : ms / 1000);

export function formatReport(r: BenchReport): string {
  const out: string[] = [];
  out.push(
    `Qiao bench · N=${r.n.toLocaleString("en-US")} · page ${r.options.pageSize} · batch ${r.options.batchSize} · workers ${r.options.workers}` +
      ` · ${r.machine.cores} cores · Node ${r.machine.node} · ${r.commit}`,
  );
  if (r.options.workerNodeOptions.length > 0) out.push(`Worker Node flags: ${r.options.workerNodeOptions.join(" ")}`);
  out.push(
    `Simulators ${r.latency_profile ? `with the ${r.latency_profile.name} latency profile (below), no faults` : "without latency or faults"}; connection QPS ${r.options.qps.toLocaleString("en-US")} (WORKER_CONNECTION_QPS for the platform, ConnectionConfig.qps for the floor): never throttled.`,
  );
  out.push("");
  out.push(
    table(
      ["metric", "value"],
      [
        ["platform_records_per_s", r.platform_records_per_s],
        ["floor_records_per_s", r.floor_records_per_s],
        ["ratio (platform / floor)", r.ratio],
        ["first_run_s", r.first_run_s],
        ["pg_us_per_record", r.pg_us_per_record],
        ["pg_wal_bytes_per_record", r.pg_wal_bytes_per_record ?? null],
        ["worker_peak_rss_mb", r.worker_peak_rss_mb],
        ["worker_idle_rss_mb", r.worker_idle_rss_mb],
        ["noop_full_read_s", r.noop_full_read_s],
        ["noop_rerun_s", r.noop_rerun_s],
        ["staging_bytes_per_record", r.staging_bytes_per_record ?? null],
        ["run_records_bytes_per_record", r.run_records_bytes_per_record ?? null],
        ["incremental_1pct_s", r.incremental_1pct_s],
        ["duplicates", r.duplicates],
      ],
    ),
  );
  out.push("");
  out.push("Runs: s = API request to run finished (server clock); read ph = until the read completed (records are written as it goes), write ph = the sweep of what was still pending after it;");
  out.push("then the engine's clock per kind of work, s (it overlaps: pages are staged while the next is fetched, batches are");
  out.push("prepared and recorded while a call is in flight, so these add up to more than the run's time); target idle = time");
  out.push("between the first call and the last with no call under way (the target waited on the run)");
  out.push(
    table(
      ["run", "status", "read", "written", "skipped", "s", "read ph", "write ph", "source", "map", "stage", "target", "target idle", "protocol", "journal"],
      r.runs.map((m) => {
        const t = m.timingsMs;
        return [
          m.label,
          m.status,
          m.fetched,
          m.written,
          m.skipped,
          m.seconds,
          m.readPhaseS,
          m.writePhaseS,
          seconds(t?.read),
          seconds(t?.map),
          seconds(t?.stage),
          seconds(t?.write),
          seconds(t?.targetIdle),
          seconds(t?.protocol),
          seconds(t?.journal),
        ];
      }),
    ),
  );
  out.push("");
  out.push("Rows written to Postgres per run (staging: inserted / touched; run_records; run_logs)");
  out.push(
    table(
      ["run", "staging ins", "staging touched", "run_records", "run_logs"],
      r.runs.map((m) => [m.label, m.rows.stagingInserted, m.rows.stagingTouched, m.rows.runRecords, m.rows.runLogs]),
    ),
  );
  out.push("");
  out.push("CPU seconds per run (worker processes, Postgres backends of the benchmark's database, simulators, web app)");
  const cpuRows: (string | number | null)[][] = r.runs.map((m) => {
    const worker = m.cpuS.workers.reduce((a, b) => a + b, 0);
    const total = worker + m.cpuS.postgres + m.cpuS.simulators + m.cpuS.web;
    return [m.label, worker, m.cpuS.postgres, m.cpuS.simulators, m.cpuS.web, total, m.fetched > 0 ? (total * 1000) / m.fetched : null];
  });
  if (r.floor) {
    const total = r.floor.cpuS.client + r.floor.cpuS.simulators;
    cpuRows.push(["floor (bare script)", r.floor.cpuS.client, 0, r.floor.cpuS.simulators, 0, total, (total * 1000) / r.floor.records]);
  }
  out.push(table(["run", "worker", "postgres", "simulators", "web", "total", "ms per record"], cpuRows));
  if (r.floor) {
    out.push("");
    out.push(
      `Floor (bare script: connector clients + mapRecord, no DB, no queue): ${fmt(r.floor.seconds)} s, ${r.floor.written} written, ${r.floor.failed} failed; ` +
        `read ${fmt(r.floor.phasesMs.read / 1000)} s, map ${fmt(r.floor.phasesMs.map / 1000)} s, write ${fmt(r.floor.phasesMs.write / 1000)} s`,
    );
  }
  if (r.scale_out.length > 0) {
    out.push("");
    out.push("Scale-out: one full sync, k worker processes (CPU s per worker during the run shows who took part)");
    out.push(
      table(
        ["workers", "s", "records/s", "customers", "duplicates", "exact", "worker CPU s"],
        r.scale_out.map((s) => [s.workers, s.seconds, s.recordsPerSecond, s.customers, s.duplicates, s.exact ? "yes" : "NO", s.workerCpuS.map((c) => fmt(c, 1)).join(" / ")]),
      ),
    );
  }
  if (r.latency_profile && r.latency) out.push("", formatLatency(r.latency_profile, r.latency, r.n));
  out.push("");
  out.push("Goals (issue 6)");
  out.push(table(["goal", "measured", "met"], r.goals.map((g) => [g.goal, g.measured, g.met === null ? "n/a" : g.met ? "yes" : "NO"])));
  for (const note of r.notes) out.push(`note: ${note}`);
  return out.join("\n");
}
