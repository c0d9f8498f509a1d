// `npm run bench:compare`: two commits' 100,000-shop benchmarks, alternated in pairs (./compare.ts).
// What is compared per run (read from each run's result JSON), and the summary: each side's values
// and median, and the median of the pairs' differences, which is what a noisy machine leaves usable
// (docs/performance.md, "How it is measured"). Pure: tested in report-compare.test.ts.
import { z } from "zod";
import { table } from "./report";

/** The numbers of one benchmark run that a comparison looks at. */
export interface CompareMetrics {
  firstRunS: number;
  /** The no-op full read's time over the first run's (goal < ¼). */
  noopRatio: number;
  /** Platform over floor records/s; null when the floor was skipped. */
  ratio: number | null;
  /** Postgres CPU µs per record of the full sync. */
  pgUsPerRecord: number;
  /** WAL bytes per record of the full sync; null in results from before it was measured. */
  walBytesPerRecord: number | null;
  workerCpuS: number;
  postgresCpuS: number;
  /** The floor's client CPU s; null when the floor was skipped. */
  floorClientCpuS: number | null;
  workerPeakRssMb: number;
}

export const METRICS: { key: keyof CompareMetrics; label: string }[] = [
  { key: "firstRunS", label: "first run s" },
  { key: "noopRatio", label: "no-op / first" },
  { key: "ratio", label: "ratio (platform / floor)" },
  { key: "pgUsPerRecord", label: "Postgres µs / record" },
  { key: "walBytesPerRecord", label: "WAL bytes / record" },
  { key: "workerCpuS", label: "worker CPU s (full sync)" },
  { key: "postgresCpuS", label: "Postgres CPU s (full sync)" },
  { key: "floorClientCpuS", label: "floor client CPU s" },
  { key: "workerPeakRssMb", label: "worker peak RSS MB" },
];

/**
 * The bench's result JSON, as far as a comparison reads it. Older commits' results lack
 * `pg_us_per_record`: it is computed from the full sync's Postgres CPU, as the bench does.
 */
const benchResultSchema = z.looseObject({
  first_run_s: z.number(),
  noop_full_read_s: z.number(),
  ratio: z.number().nullable(),
  worker_peak_rss_mb: z.number(),
  pg_wal_bytes_per_record: z.number().optional(),
  runs: z
    .array(
      z.looseObject({
        fetched: z.number(),
        cpuS: z.looseObject({ workers: z.array(z.number()), postgres: z.number() }),
      }),
    )
    .min(1),
  floor: z.looseObject({ cpuS: z.looseObject({ client: z.number() }) }).nullable().optional(),
});

/** The comparison's numbers of one run, from its result JSON (the first run is the full sync). */
export function metricsOf(json: unknown): CompareMetrics {
  const r = benchResultSchema.parse(json);
  const full = r.runs[0]!;
  return {
    firstRunS: r.first_run_s,
    noopRatio: r.noop_full_read_s / r.first_run_s,
    ratio: r.ratio,
    pgUsPerRecord: full.fetched > 0 ? (full.cpuS.postgres * 1e6) / full.fetched : NaN,
    walBytesPerRecord: r.pg_wal_bytes_per_record ?? null,
    workerCpuS: full.cpuS.workers.reduce((a, b) => a + b, 0),
    postgresCpuS: full.cpuS.postgres,
    floorClientCpuS: r.floor?.cpuS.client ?? null,
    workerPeakRssMb: r.worker_peak_rss_mb,
  };
}

export interface ComparePair {
  base: CompareMetrics;
  head: CompareMetrics;
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface CompareRow {
  label: string;
  base: (number | null)[];
  head: (number | null)[];
  baseMedian: number | null;
  headMedian: number | null;
  /** Median over the pairs of head − base (pairs where either side is missing are left out). */
  medianDifference: number | null;
  /** That difference over the base's median. */
  relative: number | null;
}

export function summarizePairs(pairs: ComparePair[]): CompareRow[] {
  return METRICS.map(({ key, label }) => {
    const base = pairs.map((p) => p.base[key]);
    const head = pairs.map((p) => p.head[key]);
    const present = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null && Number.isFinite(x));
    const differences = pairs.flatMap((p) => {
      const b = p.base[key];
      const h = p.head[key];
      return b !== null && h !== null && Number.isFinite(b) && Number.isFinite(h) ? [h - b] : [];
    });
    const baseMedian = median(present(base));
    const medianDifference = median(differences);
    return {
      label,
      base,
      head,
      baseMedian,
      headMedian: median(present(head)),
      medianDifference,
      relative: medianDifference !== null && baseMedian ? medianDifference / baseMedian : null,
    };
  });
}

/** A value as the comparison prints it: 3 decimals under 1 (ratios), 2 under 100, else 1. */
export function formatValue(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return "-";
  const a = Math.abs(x);
  return x.toFixed(a < 1 ? 3 : a < 100 ? 2 : 1);
}

/** The summary as a table: every run's value, each side's median, the pairs' median difference. */
export function formatComparison(base: string, head: string, rows: CompareRow[]): string {
  const pairs = rows[0]?.base.length ?? 0;
  const headers = ["measure", base, "median", head, "median", `median Δ (${pairs} pair${pairs === 1 ? "" : "s"})`, "Δ %"];
  const list = (xs: (number | null)[]) => xs.map(formatValue).join(", ");
  return table(
    headers,
    rows.map((r) => [
      r.label,
      list(r.base),
      formatValue(r.baseMedian),
      list(r.head),
      formatValue(r.headMedian),
      formatValue(r.medianDifference),
      r.relative === null ? "-" : `${(r.relative * 100).toFixed(1)} %`,
    ]),
  );
}
