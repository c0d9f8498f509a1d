// A finished run's time against its target, for the run page (RunTimingsDto): read from the
// `run.finished` line of its last attempt (the engine logs its PhaseClock's totals and the target's
// concurrent calls there, with the values it went with when the setting changed during the attempt).
// Lines from before `targetSpan` was logged, and runs that made no target call, give null: the page
// then shows nothing rather than a guess.
import { MAX_CONCURRENT_CALLS } from "@qiao/connectors";
import { finishedRunTimings, type Db } from "@qiao/db";
import { z } from "zod";
import type { RunTimingsDto } from "@/lib/api/schemas";

const ms = z.number().nonnegative().transform(Math.round);
const loggedTimings = z.looseObject({ total: ms, read: ms, targetIdle: ms, targetSpan: ms });
const calls = z.number().int().positive();
const loggedTarget = z.object({ connectionId: z.uuid(), concurrency: calls });
/** The values the attempt's batches went with, when the setting changed during it (the engine keeps at most 10). */
const loggedSteps = z.array(calls).min(2).max(10);

/** The logged values as the page shows them (exported for tests); null when there is nothing to show. */
export function parseRunTimings(logged: { timings: unknown; target: unknown }): RunTimingsDto | null {
  const timings = loggedTimings.safeParse(logged.timings);
  if (!timings.success || timings.data.targetSpan <= 0) return null;
  const target = loggedTarget.safeParse(logged.target);
  const { total, read, targetIdle, targetSpan } = timings.data;
  const idle = Math.min(targetIdle, targetSpan);
  return {
    totalMs: total,
    readMs: read,
    targetSpanMs: targetSpan,
    targetBusyMs: targetSpan - idle,
    targetIdleMs: idle,
    concurrency: target.success ? target.data.concurrency : null,
    concurrencySteps: (target.success && loggedSteps.safeParse((logged.target as { steps?: unknown }).steps).data) || null,
    maxConcurrency: MAX_CONCURRENT_CALLS,
    targetConnectionId: target.success ? target.data.connectionId : null,
  };
}

/** Null while the run is queued or running (the line does not exist yet: no need to look). */
export async function runTimings(db: Db, run: { id: string; status: string }): Promise<RunTimingsDto | null> {
  if (run.status === "queued" || run.status === "running") return null;
  const logged = await finishedRunTimings(db, run.id);
  return logged ? parseRunTimings(logged) : null;
}
