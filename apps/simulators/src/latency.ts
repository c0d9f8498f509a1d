// Realistic answer times (issue #16): a named latency profile per simulator. A real 金蝶 or 管易云
// answers in hundreds of milliseconds, not in the simulators' one or two, so a client that writes
// one call at a time is bound by latency; the `real` profile lets the bench and tests see that.
// Each request waits on its own timer, so concurrent calls overlap as on a real server.
import { z } from "zod";
import { seededRandom } from "./random";

export const LATENCY_PROFILES = ["none", "real"] as const;
export type LatencyProfile = (typeof LATENCY_PROFILES)[number];
export const latencyProfileSchema = z.enum(LATENCY_PROFILES);

/** Each delay of a profile is its base time ± this share, drawn uniformly. */
export const LATENCY_JITTER = 0.2;

/**
 * The `real` profile's base times (ms), from what the issue measured against production servers.
 * 金蝶 BatchSave grows with the records of the call (each one is validated and saved in the
 * server's transaction); Save is a BatchSave of one. Calls the issue gives no figure for (View,
 * Submit, Audit, Logout) get 200 ms: between a query and a one-record save.
 */
export const REAL_PROFILE = {
  kingdee: { batchSaveMs: 300, perRecordMs: 7, loginMs: 500, queryMs: 150, otherMs: 200 },
  /** Any gy.erp.* call: one page (or one refusal) a call. */
  guanyi: { callMs: 100 },
} as const;

/** The base time of a 金蝶 service call under a profile, before jitter. `records`: Models in a BatchSave. */
export function kingdeeBaseMs(profile: LatencyProfile, method: string, records: number): number {
  if (profile === "none") return 0;
  const p = REAL_PROFILE.kingdee;
  switch (method) {
    case "BatchSave":
      return p.batchSaveMs + p.perRecordMs * records;
    case "Save":
      return p.batchSaveMs + p.perRecordMs;
    case "ValidateUser":
    case "LoginByAppSecret":
      return p.loginMs;
    case "ExecuteBillQuery":
      return p.queryMs;
    default:
      return p.otherMs;
  }
}

/** The base time of a 管易云 API call under a profile, before jitter. */
export function guanyiBaseMs(profile: LatencyProfile): number {
  return profile === "none" ? 0 : REAL_PROFILE.guanyi.callMs;
}

/**
 * Draws the delays. Its own seeded generator (not the fault dice), so switching a profile on
 * leaves the sequence of injected faults of a seed unchanged, and a seed repeats its delays.
 */
export class LatencyDice {
  private random: () => number;

  constructor(private readonly seed: number) {
    this.random = seededRandom(seed ^ 0x1a7e5c);
  }

  /** The flat `latencyMs` fault plus the profile's base time with jitter (whole ms). */
  delayMs(flatMs: number, baseMs: number): number {
    if (baseMs <= 0) return flatMs;
    const jittered = baseMs * (1 + LATENCY_JITTER * (2 * this.random() - 1));
    return flatMs + Math.round(jittered);
  }

  reset(): void {
    this.random = seededRandom(this.seed ^ 0x1a7e5c);
  }
}

/** Waits `ms` on a timer of its own (never a shared queue: concurrent requests overlap). */
export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
