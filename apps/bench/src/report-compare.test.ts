import { describe, expect, test } from "vitest";
import { formatComparison, median, metricsOf, summarizePairs, type CompareMetrics } from "./report-compare";

/** A bench result JSON as main.ts writes it (only what a comparison reads, plus a key it ignores). */
function result(over: { first: number; noop: number; ratio: number | null; pg: number; worker: number[]; rss?: number; floor?: number | null; pgUs?: number }) {
  return {
    commit: "abc1234",
    first_run_s: over.first,
    noop_full_read_s: over.noop,
    ratio: over.ratio,
    worker_peak_rss_mb: over.rss ?? 200,
    ...(over.pgUs !== undefined && { pg_us_per_record: over.pgUs }),
    runs: [{ label: "full sync", fetched: 100_000, cpuS: { workers: over.worker, postgres: over.pg, simulators: 2.7, web: 0.4 } }],
    floor: over.floor === null ? null : { seconds: 3.6, cpuS: { client: over.floor ?? 1.9, simulators: 2.7 } },
  };
}

const m = (over: Partial<CompareMetrics>): CompareMetrics => ({
  firstRunS: 8,
  noopRatio: 0.25,
  ratio: 0.45,
  pgUsPerRecord: 43,
  walBytesPerRecord: 2400,
  workerCpuS: 5,
  postgresCpuS: 4.3,
  floorClientCpuS: 1.9,
  workerPeakRssMb: 230,
  ...over,
});

describe("bench:compare's report", () => {
  test("reads a run's numbers from its result JSON, Postgres per record from the full sync's CPU (older results lack the key)", () => {
    expect(metricsOf(result({ first: 8, noop: 2, ratio: 0.5, pg: 4.4, worker: [5, 0.5], rss: 238 }))).toEqual({
      firstRunS: 8,
      noopRatio: 0.25,
      ratio: 0.5,
      pgUsPerRecord: 44,
      walBytesPerRecord: null,
      workerCpuS: 5.5,
      postgresCpuS: 4.4,
      floorClientCpuS: 1.9,
      workerPeakRssMb: 238,
    });
    expect(metricsOf(result({ first: 8, noop: 2, ratio: null, pg: 4.4, worker: [5], floor: null }))).toMatchObject({ ratio: null, floorClientCpuS: null });
    expect(metricsOf({ ...result({ first: 8, noop: 2, ratio: 0.5, pg: 4.4, worker: [5] }), pg_wal_bytes_per_record: 2417 })).toMatchObject({ walBytesPerRecord: 2417 });
    // Not a bench result: refused, with what is missing.
    expect(() => metricsOf({ first_run_s: 1 })).toThrow(/noop_full_read_s/);
  });

  test("takes each side's median and the median of the pairs' differences, not the difference of the medians", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
    // Pair 2 ran on a slow stretch for both sides: the paired difference sees through it.
    const rows = summarizePairs([
      { base: m({ firstRunS: 10 }), head: m({ firstRunS: 9 }) },
      { base: m({ firstRunS: 20 }), head: m({ firstRunS: 18 }) },
      { base: m({ firstRunS: 11 }), head: m({ firstRunS: 10 }) },
    ]);
    const first = rows.find((r) => r.label === "first run s")!;
    expect(first).toMatchObject({ base: [10, 20, 11], head: [9, 18, 10], baseMedian: 11, headMedian: 10, medianDifference: -1 });
    expect(first.relative).toBeCloseTo(-1 / 11);
    // The floor skipped on one side of a pair: that pair is left out of the difference.
    const ratio = summarizePairs([
      { base: m({ ratio: 0.4 }), head: m({ ratio: null }) },
      { base: m({ ratio: 0.4 }), head: m({ ratio: 0.5 }) },
    ]).find((r) => r.label.startsWith("ratio"))!;
    expect(ratio).toMatchObject({ baseMedian: 0.4, headMedian: 0.5 });
    expect(ratio.medianDifference).toBeCloseTo(0.1);
  });

  test("prints every run's value, the medians and the difference per measure", () => {
    const text = formatComparison("05e58ea", "a1bdff3", summarizePairs([{ base: m({ pgUsPerRecord: 64.7 }), head: m({ pgUsPerRecord: 42.1 }) }]));
    const line = text.split("\n").find((l) => l.startsWith("Postgres µs / record"))!;
    expect(line).toMatch(/64\.70\s+64\.70\s+42\.10\s+42\.10\s+-22\.60\s+-34\.9 %/);
    expect(text.split("\n")[0]).toMatch(/^measure\s+05e58ea\s+median\s+a1bdff3\s+median\s+median Δ \(1 pair\)\s+Δ %$/);
    // Ratios with three decimals, a missing value as "-".
    const ratio = formatComparison("a", "b", summarizePairs([{ base: m({ ratio: null }), head: m({ ratio: 0.4567 }) }])).split("\n").find((l) => l.startsWith("ratio"))!;
    expect(ratio).toMatch(/^ratio \(platform \/ floor\)\s+-\s+-\s+0\.457\s+0\.457\s+-\s+-$/);
  });
});
