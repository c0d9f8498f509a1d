// The latency bench's results (`--latency real`): the per-C measurements under the result file's
// `latency` key, their goals (issue #16: platform ≥ 0.9 × the latency-bound floor at each C) and
// the table printed on stdout. Pure: tested in report.test.ts.
import type { LatencyProfile } from "@qiao/simulators";
import { table, type Goal } from "./report";

/** The goal: at each C the platform moves at least this share of the floor's records/s. */
export const LATENCY_RATIO_GOAL = 0.9;

export interface LatencyMeasure {
  /** Concurrent 金蝶 calls: the floor's writes in flight, the platform connection's `concurrency`. */
  c: number;
  /** N ÷ the full sync's seconds (API request to `finishedAt`), at C. */
  platform_records_per_s: number;
  /** N ÷ the bare clients' seconds with up to C BatchSaves in flight. */
  floor_records_per_s: number;
  ratio: number;
  platform_s: number;
  floor_s: number;
  /** The most 金蝶 calls in flight at once the simulator saw for the data center, during each. */
  platform_max_in_flight: number;
  floor_max_in_flight: number;
  /** Both left exactly N customers, 0 duplicate attempts, and the run succeeded. */
  exact: boolean;
  /** CPU seconds of the platform's run: worker process(es) and Postgres backends. */
  platform_cpu_s: { worker: number; postgres: number };
}

/** The profile the simulators ran with, and its figures, as written to the result file. */
export interface LatencyProfileUsed {
  name: LatencyProfile;
  jitter: number;
  kingdee: Readonly<Record<string, number>>;
  guanyi: Readonly<Record<string, number>>;
}

export function latencyGoals(latency: LatencyMeasure[], n: number): Goal[] {
  const goals: Goal[] = latency.map((m) => ({
    goal: `latency: platform >= ${LATENCY_RATIO_GOAL} x floor at C=${m.c}`,
    measured: `${m.ratio.toFixed(2)} x (${Math.round(m.platform_records_per_s)} vs ${Math.round(m.floor_records_per_s)} records/s)`,
    met: m.ratio >= LATENCY_RATIO_GOAL,
  }));
  goals.push(
    {
      goal: "latency: platform never above C calls in flight",
      measured: latency.map((m) => `C=${m.c}: ${m.platform_max_in_flight}`).join(", "),
      met: latency.every((m) => m.platform_max_in_flight <= m.c),
    },
    {
      goal: "latency: exactly N customers, 0 duplicates",
      measured: `${latency.filter((m) => m.exact).length} of ${latency.length} C values exact (N=${n})`,
      met: latency.every((m) => m.exact),
    },
  );
  return goals;
}

export function formatLatency(profile: LatencyProfileUsed, latency: LatencyMeasure[], n: number): string {
  const k = profile.kingdee;
  const lines = [
    `Latency profile ${profile.name} (金蝶 BatchSave ${k.batchSaveMs} ms + ${k.perRecordMs} ms a record, login ${k.loginMs} ms, query ${k.queryMs} ms, other calls ${k.otherMs} ms;` +
      ` 管易云 ${profile.guanyi.callMs} ms a page; ±${Math.round(profile.jitter * 100)} %), N=${n.toLocaleString("en-US")}:`,
    "the floor = bare clients + mapRecord, reads a page at a time, up to C BatchSaves in flight; the platform = the full sync with the 金蝶 connection's concurrency = C",
    "(in flight: the most 金蝶 calls at once the simulator saw for the data center)",
    table(
      ["C", "floor rec/s", "platform rec/s", "ratio", "floor s", "platform s", "in flight floor", "in flight platform", "exact", "worker CPU s", "postgres CPU s"],
      latency.map((m) => [
        m.c,
        m.floor_records_per_s,
        m.platform_records_per_s,
        m.ratio,
        m.floor_s,
        m.platform_s,
        m.floor_max_in_flight,
        m.platform_max_in_flight,
        m.exact ? "yes" : "NO",
        m.platform_cpu_s.worker,
        m.platform_cpu_s.postgres,
      ]),
    ),
  ];
  return lines.join("\n");
}
