// The options of `npm run bench -- --latency real` (src/latency.ts), parsed apart from the others
// so that args.ts only dispatches to them. Pure: tested in args.test.ts.
import { MAX_CONCURRENT_CALLS } from "@qiao/connectors";
import { LATENCY_PROFILES, type LatencyProfile } from "@qiao/simulators";

/** Concurrent calls measured by default: the C = 1, 2, 4, 8. */
export const DEFAULT_CONCURRENCY = [1, 2, 4, 8];
/** At most what a connection may be set to. */
export const MAX_CONCURRENCY = MAX_CONCURRENT_CALLS;
/**
 * N under latency: a 100-record BatchSave takes ~1 s, so 3,000 shops are ~30 s a run at C = 1
 * (and every C is run twice, floor and platform); `--quick` 1,000.
 */
export const LATENCY_N = { full: 3_000, quick: 1_000 } as const;

export const LATENCY_ARG_OPTIONS = {
  latency: { type: "string" },
  concurrency: { type: "string" },
} as const;

export const LATENCY_USAGE = `  --latency <profile>  none (default) or real: the simulators answer as the real ERPs do (金蝶 BatchSave
                       300 ms + 7 ms a record, login 500 ms; 管易云 100 ms a page; ±20 %), N defaults to
                       ${LATENCY_N.full} (--quick ${LATENCY_N.quick}), no scale-out unless --scale, and the platform is measured
                       against the latency-bound floor at each --concurrency (shops only)
  --concurrency <list> concurrent 金蝶 calls measured with --latency real (default ${DEFAULT_CONCURRENCY.join(",")}; 1-${MAX_CONCURRENCY})
`;

export interface LatencyOptions {
  /** The simulators' latency profile; `real` adds the concurrency sweep. */
  latency: LatencyProfile;
  /** The C values of the sweep (sorted, distinct; empty without `--latency real`). */
  concurrency: number[];
}

export function parseLatencyArgs(values: { latency?: string; concurrency?: string }, scheme: string): LatencyOptions {
  const latency = values.latency ?? "none";
  if (!(LATENCY_PROFILES as readonly string[]).includes(latency)) throw new Error(`--latency must be ${LATENCY_PROFILES.join(" or ")} (got "${latency}")`);
  if (latency !== "none" && scheme !== "shops") throw new Error("--latency is for the shops benchmark only (--scheme shops)");
  if (values.concurrency !== undefined && latency === "none") throw new Error("--concurrency needs --latency real");
  const list = (values.concurrency ?? DEFAULT_CONCURRENCY.join(",")).split(",").map((c) => {
    const n = Number(c.trim());
    if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) throw new Error(`--concurrency must list whole numbers from 1 to ${MAX_CONCURRENCY} (got "${c}")`);
    return n;
  });
  return { latency: latency as LatencyProfile, concurrency: latency === "none" ? [] : [...new Set(list)].sort((a, b) => a - b) };
}
