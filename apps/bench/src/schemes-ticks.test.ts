import { describe, expect, it } from "vitest";
import { parseBenchArgs } from "./args";
import { checkSchemesGoals } from "./report-schemes";
import { analyseTicks, minuteSlots, partitionWindows, percentile, perDay, slotOfKey, type TickRun } from "./schemes-ticks";

describe("windows of the shops, one per scheme", () => {
  const shops = (dates: string[]) => dates.map((d, i) => ({ code: `S${i}`, modifyDate: d }));

  it("cut every `size` shops, disjoint, the last one taking the rest", () => {
    const w = partitionWindows(shops(["2020-01-01 00:00:01", "2020-01-01 00:00:02", "2020-01-01 00:00:03", "2020-01-01 00:00:04", "2020-01-01 00:00:05"]), 2, 2);
    expect(w).toEqual([
      { from: "2020-01-01 00:00:01", to: "2020-01-01 00:00:02", codes: ["S0", "S1"] },
      { from: "2020-01-01 00:00:03", to: "2020-01-01 00:00:05", codes: ["S2", "S3", "S4"] },
    ]);
  });

  it("never cut between two shops of the same second (the bounds are inclusive seconds)", () => {
    const w = partitionWindows(shops(["2020-01-01 00:00:01", "2020-01-01 00:00:02", "2020-01-01 00:00:02", "2020-01-01 00:00:03"]), 2, 2);
    expect(w.map((x) => x.codes)).toEqual([["S0", "S1", "S2"], ["S3"]]);
    expect(w[0]!.to < w[1]!.from).toBe(true);
  });

  it("refuse too few shops", () => {
    expect(() => partitionWindows(shops(["2020-01-01 00:00:01"]), 2, 1)).toThrow(/only 1 shops/);
  });
});

describe("ticks", () => {
  const slot = Date.parse("2026-12-04T08:00:00Z");
  const run = (schemeId: string, slotMs: number | null, startAfter: number | null, status = "succeeded"): TickRun => ({
    schemeId,
    slotMs,
    createdMs: (slotMs ?? slot) + 100,
    startedMs: startAfter === null ? null : (slotMs ?? slot) + startAfter,
    status,
  });

  it("read the cron slot from a scheduled run's idempotency key", () => {
    expect(slotOfKey(`system:a1:schedule:repeat:a1:${slot}`)).toBe(slot);
    expect(slotOfKey("system:a1:my-key")).toBeNull();
    expect(slotOfKey(null)).toBeNull();
  });

  it("list every whole minute of a stretch", () => {
    expect(minuteSlots(slot - 1, slot + 120_000)).toEqual([slot, slot + 60_000, slot + 120_000]);
    expect(minuteSlots(slot + 1, slot + 59_000)).toEqual([]);
  });

  it("count missed ticks, duplicate runs, runs of other slots, and the latency from slot to start", () => {
    const slots = [slot, slot + 60_000];
    const a = analyseTicks(
      [run("a", slot, 500), run("a", slot + 60_000, 1_500), run("b", slot, 3_000), run("b", slot, 9_000), run("b", slot + 120_000, 100), run("c", null, 10)],
      ["a", "b"],
      slots,
    );
    expect(a).toMatchObject({ ticks_expected: 4, ticks_run: 3, missed: 1, duplicate_runs: 1, outside: 1, not_succeeded: 0 });
    // The first run of a pair counts: b's slot-0 duplicate (9 s) is not a latency.
    expect(a.tick_to_start_ms).toEqual({ p50: 1_500, p95: 3_000, max: 3_000 });
    expect(a.steady_tick_to_start_ms).toEqual({ p50: 1_500, p95: 1_500, max: 1_500 });
    expect(a.per_slot).toEqual([
      { slot: new Date(slot).toISOString(), runs: 2, p95_start_ms: 3_000 },
      { slot: new Date(slot + 60_000).toISOString(), runs: 1, p95_start_ms: 1_500 },
    ]);
  });

  it("percentiles by nearest rank, and growth per day", () => {
    expect(percentile([], 95)).toBeNull();
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95)).toBe(95);
    expect(perDay(1_000, 2_000, 60_000)).toBe(1_440_000);
  });

  it("check the goals: one failing check is reported as such", () => {
    const r = analyseTicks([run("a", slot, 2_500)], ["a"], [slot]);
    const goals = checkSchemesGoals({
      ...r,
      count: 1,
      shops_per_scheme: 500,
      minutes: 1,
      workers: 2,
      worker_concurrency: 2,
      records: { expected: 500, in_kingdee: 500, written_by_runs: 500, unexpected: 0 },
      duplicates: 0,
      lost: 0,
      first_tick_s: 3,
      pg_growth_bytes_per_day: 0,
      pg_tables_bytes_per_day: {},
      pg_bytes: { before_first_tick: 0, after_first_tick: 0, end: 0 },
      retention_days: 30,
      retention_quiet_days: 7,
      quiet_run_share: 0.9,
      pg_bytes_at_retention: 0,
      worker_peak_rss_mb: 200,
      cpu_s: { workers: 0, postgres: 0, simulators: 0, web: 0 },
    });
    expect(goals.filter((g) => !g.met).map((g) => g.goal)).toEqual(["tick → run start p95 < 2 s"]);
  });
});

describe("--schemes", () => {
  it("defaults to 2 workers and 10 minutes", () => {
    expect(parseBenchArgs(["--schemes", "200"])).toMatchObject({ schemes: 200, workers: 2, minutes: 10 });
    expect(parseBenchArgs(["--schemes", "20", "--minutes", "3", "--workers", "4", "--worker-concurrency", "16"])).toMatchObject({
      schemes: 20,
      workers: 4,
      minutes: 3,
      workerConcurrency: 16,
    });
    expect(parseBenchArgs([]).schemes).toBeUndefined();
    expect(() => parseBenchArgs(["--schemes", "0"])).toThrow(/--schemes/);
  });
});
