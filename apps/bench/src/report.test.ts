import { describe, expect, it } from "vitest";
import { checkGoals, formatNumber, formatReport, pgUsPerRecord, table, walBytesPerRecord, type BenchReport, type PhaseTimings } from "./report";
import { checkDeliveriesGoals, deliveriesExact, formatDeliveriesReport, type DeliveriesReport } from "./report-deliveries";
import { profileUsed } from "./latency";
import type { LatencyMeasure } from "./report-latency";

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
  timingsMs: { total: seconds * 1000, read: 100, map: 10, stage: 200, write: 300, targetIdle: 120, protocol: 150, journal: 50 } as PhaseTimings,
  rows: { stagingInserted: 1000, stagingTouched: 1000, runRecords: 1000, runLogs: 25 },
  cpuS: { workers: [1.5], postgres: 1, simulators: 0.5, web: 0.1 },
  walBytes: 2_500_000,
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
    pg_us_per_record: 1000,
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
    expect(text).toMatch(/pg_us_per_record\s+1,000/);
  });

  it("prints each run's target idle time beside its target time; none for a run logged without it", () => {
    const older = run("older run", 2);
    const { targetIdle: _dropped, ...withoutIdle } = older.timingsMs;
    const text = formatReport({ ...report({ runs: [run("full sync", 2), { ...older, timingsMs: withoutIdle }] }), goals: [] });
    expect(text).toMatch(/target\s+target idle\s+protocol/);
    // source, map, stage, target, target idle, protocol, journal
    expect(text).toMatch(/full sync .*0\.10\s+0\.010\s+0\.20\s+0\.30\s+0\.12\s+0\.15\s+0\.050/);
    expect(text).toMatch(/older run .*0\.20\s+0\.30\s+-\s+0\.15\s+0\.050/);
  });

  it("counts Postgres CPU per record read (µs), none when the run read nothing", () => {
    expect(pgUsPerRecord({ cpuS: { workers: [1], postgres: 4.5, simulators: 0, web: 0 }, fetched: 100_000 })).toBeCloseTo(45);
    expect(pgUsPerRecord({ cpuS: { workers: [1], postgres: 0.2, simulators: 0, web: 0 }, fetched: 0 })).toBeNaN();
  });

  it("counts WAL bytes per record read, none when the run read nothing", () => {
    expect(walBytesPerRecord({ walBytes: 250_000_400, fetched: 100_000 })).toBe(2500);
    expect(walBytesPerRecord({ walBytes: 8_192, fetched: 0 })).toBeNaN();
  });
});

function deliveries(overrides: Partial<DeliveriesReport> = {}): Omit<DeliveriesReport, "goals"> {
  const full = { ...run("发货单→销售出库单", 4), fetched: 1900, written: 1800, failed: 100 };
  return {
    n: 2000,
    shops: 200,
    items: 500,
    options: { workers: 1, pageSize: 100, batchSize: 50, qps: 1_000_000, workerNodeOptions: [] },
    expected: { deliveries: 2300, cancelled: 100, unshipped: 300, rowless: 100, bills: 1800, rows: 4500 },
    documents_per_s: 450,
    rows_per_s: 1125,
    floor_documents_per_s: 600,
    floor_rows_per_s: 1500,
    ratio: 0.75,
    full_sync_s: 4,
    master_data_s: { shops: 0.5, items: 0.75 },
    found: { bills: 1800, rows: 4500, unexpected: 0, duplicates: 0 },
    exact: true,
    worker_peak_rss_mb: 200,
    worker_idle_rss_mb: 140,
    phases_ms: full.timingsMs,
    runs: [run("店铺→客户", 0.5), run("商品→物料", 0.75), full],
    floor: {
      seconds: 3,
      records: 1900,
      written: 1800,
      failed: 100,
      rows: 4500,
      documentsPerSecond: 600,
      rowsPerSecond: 1500,
      phasesMs: { read: 1000, map: 200, write: 1800 },
      cpuS: { client: 1.2, simulators: 0.6 },
      masterDataS: [0.2, 0.3],
      bills: 1800,
    },
    ...overrides,
  };
}

describe("deliveries report", () => {
  it("exact only when the run's counters and 金蝶's bills and rows match the expectation, with no duplicates", () => {
    const r = deliveries();
    expect(deliveriesExact(r)).toBe(true);
    expect(deliveriesExact({ ...r, found: { ...r.found, rows: 4499 } })).toBe(false);
    expect(deliveriesExact({ ...r, found: { ...r.found, unexpected: 1 } })).toBe(false);
    expect(deliveriesExact({ ...r, found: { ...r.found, duplicates: 1 } })).toBe(false);
    expect(deliveriesExact({ ...r, runs: [...r.runs.slice(0, 2), { ...r.runs[2]!, failed: 101 }] })).toBe(false);
    expect(deliveriesExact({ ...r, runs: [] })).toBe(false);
  });

  it("checks exactness, the ratio and RSS; a skipped floor is not a miss", () => {
    expect(checkDeliveriesGoals(deliveries()).map((g) => g.met)).toEqual([true, true, true]);
    const bad = checkDeliveriesGoals(deliveries({ exact: false, ratio: 0.4, worker_peak_rss_mb: 300 }));
    expect(bad.filter((g) => g.met === false).map((g) => g.goal)).toEqual([
      "exactly the expected bills and entry rows, 0 duplicates",
      "documents >= 0.5 x floor",
      "worker peak RSS <= 256 MB",
    ]);
    expect(checkDeliveriesGoals(deliveries({ ratio: null, floor: null }))[1]).toMatchObject({ met: null, measured: "floor skipped" });
  });

  it("prints documents/s and rows/s against the floor, the master data, runs, CPU and checks", () => {
    const r = deliveries();
    const text = formatDeliveriesReport({
      startedAt: "2026-12-03T22:00:00.000Z",
      machine: { cores: 2, cpu: "cpu", node: "v20.20.0", platform: "linux-x64" },
      commit: "abc1234",
      logs: "/tmp/qiao-bench-x",
      notes: ["a note"],
      deliveries: { ...r, goals: checkDeliveriesGoals(r) },
    });
    expect(text).toContain("N=2,000 deliveries (200 shops, 500 items) · page 100 · batch 50 bills");
    expect(text).toContain("Expected: 1,800 bills with 4,500 entry rows (100 cancelled and 300 unshipped deliveries not read, 100 with only qty-0 lines");
    expect(text).toContain("店铺→客户 0.50 s, 商品→物料 0.75 s");
    expect(text).toMatch(/documents\/s \(bills written\)\s+450\s+600\s+0\.75/);
    expect(text).toMatch(/rows\/s \(entry rows written\)\s+1,125\s+1,500\s+0\.75/);
    expect(text).toMatch(/entry rows in 金蝶\s+4,500\s+4,500/);
    // CPU per written bill: (1.5 + 1 + 0.5 + 0.1) s over 1,800 bills; the floor's 1.8 s over 1,800.
    expect(text).toMatch(/发货单→销售出库单\s+1\.50\s+1\s+0\.50\s+0\.10\s+3\.10\s+1\.72/);
    expect(text).toMatch(/floor \(bare script\)\s+1\.20\s+0\s+0\.60\s+0\s+1\.80\s+1\.00/);
    expect(text).toContain("its master data first, not timed: 0.20 s, 0.30 s");
    expect(text).toMatch(/exactly the expected bills and entry rows, 0 duplicates\s+1800 bills \/ 4500 rows of 1800 \/ 4500, 0 unexpected, 0 duplicates\s+yes/);
    expect(text).toContain("note: a note");
  });

  it("prints dashes where the floor was skipped", () => {
    const r = deliveries({ floor: null, floor_documents_per_s: null, floor_rows_per_s: null, ratio: null });
    const text = formatDeliveriesReport({ startedAt: "", machine: { cores: 2, cpu: "", node: "", platform: "" }, commit: "", logs: "", notes: [], deliveries: { ...r, goals: checkDeliveriesGoals(r) } });
    expect(text).toMatch(/documents\/s \(bills written\)\s+450\s+-\s+-/);
    expect(text).not.toContain("Floor (bare script");
  });
});

describe("latency report (--latency real)", () => {
  const measure = (c: number, platform: number, floor: number, overrides: Partial<LatencyMeasure> = {}): LatencyMeasure => ({
    c,
    platform_records_per_s: platform,
    floor_records_per_s: floor,
    ratio: platform / floor,
    platform_s: 3000 / platform,
    floor_s: 3000 / floor,
    platform_max_in_flight: c,
    floor_max_in_flight: c,
    exact: true,
    platform_cpu_s: { worker: 1.5, postgres: 0.5 },
    ...overrides,
  });
  const withLatency = (latency: LatencyMeasure[]) => report({ n: 3000, customers_after_full_sync: 3000, latency_profile: profileUsed("real"), latency });

  it("checks the ratio at each C against 0.9, the cap and exactness, beside the other goals", () => {
    const good = checkGoals(withLatency([measure(1, 95, 100), measure(2, 190, 200)]));
    expect(good.filter((g) => g.goal.startsWith("latency:")).map((g) => [g.goal, g.met])).toEqual([
      ["latency: platform >= 0.9 x floor at C=1", true],
      ["latency: platform >= 0.9 x floor at C=2", true],
      ["latency: platform never above C calls in flight", true],
      ["latency: exactly N customers, 0 duplicates", true],
    ]);
    const bad = checkGoals(withLatency([measure(1, 95, 100), measure(4, 200, 400, { platform_max_in_flight: 5, exact: false })]));
    expect(bad.filter((g) => g.met === false).map((g) => g.goal)).toEqual([
      "latency: platform >= 0.9 x floor at C=4",
      "latency: platform never above C calls in flight",
      "latency: exactly N customers, 0 duplicates",
    ]);
    expect(bad.find((g) => g.goal.endsWith("C=4"))?.measured).toBe("0.50 x (200 vs 400 records/s)");
    // Without --latency: no latency goals at all.
    expect(checkGoals(report()).some((g) => g.goal.startsWith("latency"))).toBe(false);
  });

  it("prints the profile and one row per C; a report without latency prints none", () => {
    const r = withLatency([measure(1, 95, 100), measure(8, 600, 800, { platform_max_in_flight: 1 })]);
    const text = formatReport({ ...r, goals: checkGoals(r) });
    expect(text).toContain("Simulators with the real latency profile (below), no faults");
    expect(text).toContain("Latency profile real (金蝶 BatchSave 300 ms + 7 ms a record, login 500 ms, query 150 ms, other calls 200 ms; 管易云 100 ms a page; ±20 %), N=3,000");
    expect(text).toMatch(/\n\s*1\s+100\s+95\s+0\.95\s+30\s+31\.58\s+1\s+1\s+yes\s+1\.50\s+0\.50/);
    expect(text).toMatch(/\n\s*8\s+800\s+600\s+0\.75\s+3\.75\s+5\s+8\s+1\s+yes/);
    expect(formatReport({ ...report(), goals: [] })).not.toContain("Latency profile");
  });
});
