import { describe, expect, it } from "vitest";
import { checkGoals, formatNumber, formatReport, table, type BenchReport } from "./report";

const run = (label: string, seconds: number) => ({
  label,
  runId: "00000000-0000-4000-8000-000000000000",
  status: "succeeded",
  fetched: 1000,
  written: 1000,
  skipped: 0,
  failed: 0,
  seconds,
  runSeconds: seconds - 0.1,
  readPhaseS: seconds / 2,
  writePhaseS: seconds / 2,
  timingsMs: { total: seconds * 1000, read: 100, map: 10, stage: 200, write: 300, protocol: 150, journal: 50 },
  rows: { stagingInserted: 1000, stagingTouched: 1000, runRecords: 1000, runLogs: 25 },
  cpuS: { workers: [1.5], postgres: 1, simulators: 0.5, web: 0.1 },
});

function report(overrides: Partial<BenchReport> = {}): Omit<BenchReport, "goals"> {
  return {
    startedAt: "2026-11-28T12:00:00.000Z",
    machine: { cores: 2, cpu: "cpu", node: "v20.20.0", platform: "linux-x64" },
    commit: "abc1234",
    n: 1000,
    options: { workers: 1, pageSize: 100, batchSize: 100, qps: 1_000_000, workerNodeOptions: [] },
    platform_records_per_s: 1000,
    floor_records_per_s: 1500,
    ratio: 1000 / 1500,
    worker_peak_rss_mb: 180,
    worker_idle_rss_mb: 150,
    first_run_s: 1,
    noop_full_read_s: 0.2,
    noop_rerun_s: 0.1,
    incremental_1pct_s: 0.15,
    incremental_1pct: { changed: 10, written: 10, exact: true },
    duplicates: 0,
    customers_after_full_sync: 1000,
    phases_ms: null,
    floor: { seconds: 0.66, records: 1000, written: 1000, failed: 0, phasesMs: { read: 300, map: 10, write: 340 }, cpuS: { client: 0.4, simulators: 0.3 } },
    runs: [run("full sync", 1), run("no-op, full read", 0.2)],
    scale_out: [{ workers: 1, seconds: 1, recordsPerSecond: 1000, customers: 1000, duplicates: 0, workerCpuS: [1.5], exact: true }],
    rss_other_n: null,
    notes: [],
    logs: "/tmp/qiao-bench-x",
    ...overrides,
  };
}

describe("checkGoals", () => {
  it("meets every goal of a good run; flatness unknown without another N", () => {
    const goals = checkGoals(report());
    expect(goals.filter((g) => g.met === false)).toEqual([]);
    expect(goals.find((g) => g.goal === "RSS flat in N")?.met).toBeNull();
  });

  it("names each missed goal", () => {
    const goals = checkGoals(
      report({
        ratio: 0.3,
        worker_peak_rss_mb: 300,
        noop_rerun_s: 2.5,
        noop_full_read_s: 0.3,
        duplicates: 1,
        rss_other_n: { n: 100_000, worker_peak_rss_mb: 400, file: "x.json" },
      }),
    );
    expect(goals.filter((g) => g.met === false).map((g) => g.goal)).toEqual([
      "platform >= 0.5 x floor",
      "worker peak RSS <= 256 MB",
      "RSS flat in N",
      "no-op incremental rerun < 2 s",
      "no-op full-read rerun < 1/4 first run",
      "exactly N customers, 0 duplicates",
    ]);
  });

  it("a skipped floor is not a missed goal", () => {
    expect(checkGoals(report({ ratio: null, floor_records_per_s: null }))[0]).toMatchObject({ met: null, measured: "floor skipped" });
  });
});

describe("tables", () => {
  it("aligns numbers right and text left, CJK counted as two columns", () => {
    expect(table(["名称", "n"], [["ab", 1234], ["方案", 5]])).toBe(["名称      n", "----  -----", "ab    1,234", "方案      5"].join("\n"));
  });

  it("formats numbers for reading", () => {
    expect(formatNumber(100000)).toBe("100,000");
    expect(formatNumber(1.234)).toBe("1.23");
    expect(formatNumber(0.0456)).toBe("0.046");
  });

  it("prints the headline numbers, runs, scale-out and goals", () => {
    const r = report();
    const text = formatReport({ ...r, goals: checkGoals(r) });
    expect(text).toContain("platform_records_per_s");
    expect(text).toMatch(/ratio \(platform \/ floor\)\s+0\.67/);
    expect(text).toContain("no-op, full read");
    expect(text).toContain("Scale-out");
    expect(text).toMatch(/floor \(bare script\)\s+0\.40\s+0\s+0\.30\s+0\s+0\.70\s+0\.70/);
    expect(text).toContain("Goals (issue 6)");
  });
});
