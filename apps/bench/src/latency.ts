// `npm run bench -- --latency real`: what users feel when the ERPs answer in hundreds of
// milliseconds (issue #16). On the benchmark's stack, its simulators started with the `real`
// profile, for each C of `--concurrency`: the latency-bound floor (src/floor.ts with up to C
// BatchSaves in flight) and the platform's full sync with the 金蝶 connection's `concurrency` = C,
// each on a fresh 金蝶 (and the platform on a new scheme: fresh staging), checked for exactly N
// customers, 0 duplicate attempts, and the most calls the simulator saw in flight at once.
import type { SchemeDefinition } from "@qiao/core";
import { LATENCY_JITTER, REAL_PROFILE, type LatencyProfile } from "@qiao/simulators";
import type { BenchOptions } from "./args";
import { runFloor } from "./floor";
import { measureRun } from "./measure";
import type { LatencyMeasure, LatencyProfileUsed } from "./report-latency";
import type { Stack } from "./stack";

export interface LatencySweepInput {
  stack: Stack;
  opts: BenchOptions;
  /** The seed scheme with the benchmark's page and batch sizes. */
  definition: SchemeDefinition;
  targetConnectionId: string;
  credentials: { guanyi: Record<string, unknown>; kingdee: Record<string, unknown> };
  say(line: string): void;
}

/** The figures of a profile that has any (only `real` does). */
export function profileUsed(name: Exclude<LatencyProfile, "none">): LatencyProfileUsed {
  return { name, jitter: LATENCY_JITTER, kingdee: REAL_PROFILE.kingdee, guanyi: REAL_PROFILE.guanyi };
}

export async function latencySweep(input: LatencySweepInput): Promise<LatencyMeasure[]> {
  const { stack, opts, definition, credentials, say } = input;
  const { api, sims } = stack;
  const n = opts.n;
  const acctId = String(credentials.kingdee.acctId);
  const maxInFlight = async () => (await sims.kingdeeConcurrency())[acctId]?.max ?? 0;
  const out: LatencyMeasure[] = [];
  const workers = await stack.startWorkers(opts.workers, { nodeOptions: opts.workerNodeOptions });
  try {
    for (const c of opts.concurrency) {
      // The floor's own client is allowed C calls too (the connector bounds a connection's calls).
      await sims.resetKingdee();
      say(`latency: floor, ${n} shops with up to ${c} BatchSave(s) in flight`);
      const floor = await runFloor({
        definition,
        guanyi: { baseUrl: stack.guanyiUrl, credentials: credentials.guanyi },
        kingdee: { baseUrl: stack.kingdeeUrl, credentials: { ...credentials.kingdee, concurrency: c } },
        qps: opts.qps,
        concurrency: c,
      });
      const floorStats = await sims.kingdeeStats();
      const floorInFlight = await maxInFlight();
      say(`latency: floor C=${c}: ${floor.seconds.toFixed(2)} s, ${floor.recordsPerSecond.toFixed(0)} records/s, ${floorInFlight} in flight at most`);

      await sims.resetKingdee();
      await api.updateConnection(input.targetConnectionId, { credentials: { concurrency: c } });
      const schemeId = await api.createScheme({ name: `基准测试 ${n}：延迟 ${opts.latency}，并发 ${c}`, definition });
      say(`latency: platform, full sync of ${n} shops with the 金蝶 connection's concurrency = ${c}`);
      const run = await measureRun(stack, { label: `latency C=${c}`, schemeId, workers, timeoutMs: Math.max(300_000, n * 50) });
      const stats = await sims.kingdeeStats();
      const platformInFlight = await maxInFlight();
      const platform = n / run.seconds;
      say(`latency: platform C=${c}: ${run.status} in ${run.seconds.toFixed(2)} s, ${platform.toFixed(0)} records/s, ${platformInFlight} in flight at most`);
      out.push({
        c,
        platform_records_per_s: platform,
        floor_records_per_s: floor.recordsPerSecond,
        ratio: platform / floor.recordsPerSecond,
        platform_s: run.seconds,
        floor_s: floor.seconds,
        platform_max_in_flight: platformInFlight,
        floor_max_in_flight: floorInFlight,
        exact:
          floor.written === n &&
          floorStats.customers === n &&
          floorStats.duplicateAttempts === 0 &&
          run.status === "succeeded" &&
          stats.customers === n &&
          stats.duplicateAttempts === 0,
        platform_cpu_s: { worker: run.cpuS.workers.reduce((a, b) => a + b, 0), postgres: run.cpuS.postgres },
      });
    }
  } finally {
    await stack.stopWorkers(workers);
  }
  return out;
}
