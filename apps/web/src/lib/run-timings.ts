// What a finished run's time against its target says about its "concurrent calls" (the run page's
// timings card). The target was busy when a call was under way or waited for a call slot or the
// rate limit; idle when no call was under way between the first call and the last.
import type { RunTimingsDto } from "@/lib/api/schemas";

/** Below this span a run is too short for advice (a few batches say little about the connection). */
export const ADVICE_MIN_SPAN_MS = 2_000;
/** Busy at least this share of the span: the target (or its call slots) was the limit. */
export const TARGET_BOUND_SHARE = 0.8;
/** Busy at most this share: the target mostly waited for the run (reading, staging, recording). */
export const RUN_BOUND_SHARE = 0.5;

export type TimingsVerdict =
  /** More concurrent calls could shorten such runs, if the target can take them (`canRaise`: not at the maximum yet). */
  | { kind: "target-bound"; canRaise: boolean }
  /** More concurrent calls would not shorten it much. */
  | { kind: "run-bound" }
  | { kind: "none" };

export function busyShare(t: RunTimingsDto): number {
  return t.targetSpanMs > 0 ? t.targetBusyMs / t.targetSpanMs : 0;
}

export function timingsVerdict(t: RunTimingsDto): TimingsVerdict {
  if (t.targetSpanMs < ADVICE_MIN_SPAN_MS) return { kind: "none" };
  const share = busyShare(t);
  if (share >= TARGET_BOUND_SHARE) return { kind: "target-bound", canRaise: t.concurrency !== null && t.concurrency < t.maxConcurrency };
  if (share <= RUN_BOUND_SHARE) return { kind: "run-bound" };
  return { kind: "none" };
}
