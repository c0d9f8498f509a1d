// The deliveries benchmark's results (`--scheme deliveries`): their shape under the result file's
// `deliveries` key, the checks, and the section printed on stdout. Pure: tested in report.test.ts.
import { table, type BenchReport, type Goal, type RunMeasure } from "./report";

/** What the 管易云 simulator's dataset should become in 金蝶 (computed from the same generator). */
export interface DeliveriesExpected {
  /** Deliveries generated. */
  deliveries: number;
  /** 作废 (cancel = 1): the query hides them, so the scheme never reads them. */
  cancelled: number;
  /** Not 发货成功 (未发货, 发货中, 发货失败): the scheme asks `delivery` 1, so it never reads them. */
  unshipped: number;
  /** Read, but every line has qty 0: no entry row, the record fails before any call. */
  rowless: number;
  /** Bills that must exist, and their entry rows (lines with qty > 0). */
  bills: number;
  rows: number;
}

/** What the 金蝶 simulator holds in SAL_OUTSTOCK after a full sync. */
export interface BillsFound {
  bills: number;
  rows: number;
  /** Bill numbers that are not an expected delivery's code. */
  unexpected: number;
  duplicates: number;
}

export interface DeliveriesFloor {
  seconds: number;
  records: number;
  written: number;
  failed: number;
  rows: number;
  documentsPerSecond: number;
  rowsPerSecond: number;
  phasesMs: { read: number; map: number; write: number };
  cpuS: { client: number; simulators: number };
  /** The untimed 店铺→客户 and 商品→物料 the bare script wrote first. */
  masterDataS: number[];
  bills: number;
}

export interface DeliveriesReport {
  /** Deliveries generated (`--n`), and the shops and items they name. */
  n: number;
  shops: number;
  items: number;
  options: { workers: number; pageSize: number; batchSize: number; qps: number; workerNodeOptions: string[] };
  expected: DeliveriesExpected;
  /** Bills written ÷ the full sync's seconds (API request to `finishedAt`), and their entry rows ÷ the same. */
  documents_per_s: number;
  rows_per_s: number;
  floor_documents_per_s: number | null;
  floor_rows_per_s: number | null;
  /** documents_per_s ÷ floor_documents_per_s. */
  ratio: number | null;
  full_sync_s: number;
  /** 店铺→客户 and 商品→物料 before it: not timed in the numbers above, reported. */
  master_data_s: { shops: number; items: number };
  found: BillsFound;
  exact: boolean;
  worker_peak_rss_mb: number;
  worker_idle_rss_mb: number;
  phases_ms: RunMeasure["timingsMs"];
  /** 店铺→客户, 商品→物料, 发货单→销售出库单. */
  runs: RunMeasure[];
  floor: DeliveriesFloor | null;
  goals: Goal[];
}

/** The result file of `--scheme deliveries`: the shops benchmark's header, the result under its own key. */
export type DeliveriesBenchFile = Pick<BenchReport, "startedAt" | "machine" | "commit" | "logs" | "notes"> & { deliveries: DeliveriesReport };

const fmt = (n: number, digits = 2) => n.toFixed(digits);

/** Exactly the expected bills and rows after the full sync (run counters and 金蝶's contents agree), none twice. */
export function deliveriesExact(r: Pick<DeliveriesReport, "expected" | "found" | "runs">): boolean {
  const full = r.runs[r.runs.length - 1];
  return (
    full !== undefined &&
    full.written === r.expected.bills &&
    full.failed === r.expected.rowless &&
    r.found.bills === r.expected.bills &&
    r.found.rows === r.expected.rows &&
    r.found.unexpected === 0 &&
    r.found.duplicates === 0
  );
}

export function checkDeliveriesGoals(r: Omit<DeliveriesReport, "goals">): Goal[] {
  return [
    {
      goal: "exactly the expected bills and entry rows, 0 duplicates",
      measured: `${r.found.bills} bills / ${r.found.rows} rows of ${r.expected.bills} / ${r.expected.rows}, ${r.found.unexpected} unexpected, ${r.found.duplicates} duplicates`,
      met: r.exact,
    },
    // Issue 6's goal for records, applied to documents: the same bar, so the two benchmarks compare.
    { goal: "documents >= 0.5 x floor", measured: r.ratio === null ? "floor skipped" : `${fmt(r.ratio)} x`, met: r.ratio === null ? null : r.ratio >= 0.5 },
    { goal: "worker peak RSS <= 256 MB", measured: `${fmt(r.worker_peak_rss_mb, 0)} MB`, met: r.worker_peak_rss_mb <= 256 },
  ];
}

export function formatDeliveriesReport(file: DeliveriesBenchFile): string {
  const r = file.deliveries;
  const e = r.expected;
  const out: string[] = [];
  out.push(
    `Qiao bench · 发货单→销售出库单 · N=${r.n.toLocaleString("en-US")} deliveries (${r.shops} shops, ${r.items} items) · page ${r.options.pageSize}` +
      ` · batch ${r.options.batchSize} bills · workers ${r.options.workers} · ${file.machine.cores} cores · Node ${file.machine.node} · ${file.commit}`,
  );
  if (r.options.workerNodeOptions.length > 0) out.push(`Worker Node flags: ${r.options.workerNodeOptions.join(" ")}`);
  out.push(
    `Expected: ${e.bills.toLocaleString("en-US")} bills with ${e.rows.toLocaleString("en-US")} entry rows (${e.cancelled} cancelled and ${e.unshipped} unshipped deliveries not read, ` +
      `${e.rowless} with only qty-0 lines failing before any call). Master data first, not timed: 店铺→客户 ${fmt(r.master_data_s.shops)} s, 商品→物料 ${fmt(r.master_data_s.items)} s.`,
  );
  out.push("");
  out.push(
    table(
      ["metric", "platform", "floor", "ratio"],
      [
        ["documents/s (bills written)", r.documents_per_s, r.floor_documents_per_s, r.ratio],
        ["rows/s (entry rows written)", r.rows_per_s, r.floor_rows_per_s, r.floor_rows_per_s === null ? null : r.rows_per_s / r.floor_rows_per_s],
        ["full sync s", r.full_sync_s, r.floor?.seconds ?? null, null],
        ["bills in 金蝶", r.found.bills, r.floor?.bills ?? null, null],
        ["entry rows in 金蝶", r.found.rows, r.floor?.rows ?? null, null],
        ["worker peak RSS MB", r.worker_peak_rss_mb, null, null],
        ["worker idle RSS MB", r.worker_idle_rss_mb, null, null],
      ],
    ),
  );
  out.push("");
  out.push("Runs (s = API request to run finished; the engine's clock per kind of work, s, overlapping)");
  const secs = (ms: number | undefined) => (ms === undefined ? null : ms / 1000);
  out.push(
    table(
      ["run", "status", "read", "written", "failed", "s", "source", "map", "stage", "target", "protocol", "journal"],
      r.runs.map((m) => [m.label, m.status, m.fetched, m.written, m.failed, m.seconds, secs(m.timingsMs?.read), secs(m.timingsMs?.map), secs(m.timingsMs?.stage), secs(m.timingsMs?.write), secs(m.timingsMs?.protocol), secs(m.timingsMs?.journal)]),
    ),
  );
  out.push("");
  out.push("CPU seconds per run (worker processes, Postgres backends of the benchmark's database, simulators, web app)");
  const cpuRows: (string | number | null)[][] = r.runs.map((m) => {
    const worker = m.cpuS.workers.reduce((a, b) => a + b, 0);
    const total = worker + m.cpuS.postgres + m.cpuS.simulators + m.cpuS.web;
    return [m.label, worker, m.cpuS.postgres, m.cpuS.simulators, m.cpuS.web, total, m.written > 0 ? (total * 1000) / m.written : null];
  });
  if (r.floor) {
    const total = r.floor.cpuS.client + r.floor.cpuS.simulators;
    cpuRows.push(["floor (bare script)", r.floor.cpuS.client, 0, r.floor.cpuS.simulators, 0, total, r.floor.written > 0 ? (total * 1000) / r.floor.written : null]);
  }
  out.push(table(["run", "worker", "postgres", "simulators", "web", "total", "ms per written"], cpuRows));
  if (r.floor) {
    const f = r.floor;
    out.push("");
    out.push(
      `Floor (bare script: connector clients + mapRecord with entry rows, no DB, no queue): ${fmt(f.seconds)} s, ${f.written} bills (${f.rows} rows) written, ` +
        `${f.failed} failed; read ${fmt(f.phasesMs.read / 1000)} s, map ${fmt(f.phasesMs.map / 1000)} s, write ${fmt(f.phasesMs.write / 1000)} s; ` +
        `its master data first, not timed: ${f.masterDataS.map((s) => `${fmt(s)} s`).join(", ")}`,
    );
  }
  out.push("");
  out.push("Checks");
  out.push(table(["goal", "measured", "met"], r.goals.map((g) => [g.goal, g.measured, g.met === null ? "n/a" : g.met ? "yes" : "NO"])));
  for (const note of file.notes) out.push(`note: ${note}`);
  return out.join("\n");
}
