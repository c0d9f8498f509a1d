// The tick a cron scheduler owes after Redis lost it. Redis keeps nothing on disk: restarted (or
// flushed), it forgets every job scheduler and every tick waiting to run. The worker puts the
// schedulers back (restoreMissingSchedules, on its reconciler's pass; syncSchedules at its start),
// but BullMQ starts a new scheduler at the next cron time after now, so a tick that fell due while
// Redis was gone, or that was waiting in it, would never run: the nightly 02:00 sync skipped when
// Redis restarted at 01:59:50. A scheduler put back therefore gets its last due tick back too, when
// nothing ran for it: at most one (as BullMQ keeps one tick of a scheduler whose worker was down),
// the most recent.
import { previousCronRun } from "@qiao/core";
import type { Db } from "@qiao/db";
import type { Queue } from "bullmq";
import { JOB, TICK_JOB_OPTIONS } from "./queue";

export interface OwedTickInput {
  /** The scheduler's id: the scheme's id, or reconcileSchedulerId(scheme id). */
  schedulerId: string;
  kind: "run" | "reconcile";
  schemeId: string;
  pattern: string;
  tz: string;
  now?: Date;
}

/**
 * When the scheduler's last due tick is owed, adds it (now) and returns its time; else null. Owed:
 * it fell due after the scheme's current definition was saved and after the scheme's last run (or
 * reconciliation) a tick queued. A tick that ran anyway, or is given back twice, queues nothing more:
 * its run's idempotency key is the tick's own id (`schedule:repeat:<scheduler id>:<time>`, carried in
 * the job's data as `tick`, since BullMQ refuses that id for a job added by hand when the scheduler
 * id has a colon). What it cannot tell: a schedule switched on after that tick time without a new
 * version, then Redis lost before its first tick: one run early (runs never write a record twice).
 */
export async function giveBackOwedTick(db: Db, queue: Queue, input: OwedTickInput): Promise<Date | null> {
  const now = input.now ?? new Date();
  const due = previousCronRun(input.pattern, input.tz, now);
  if (!due) return null;
  const scheme = await db.scheme.findUnique({ where: { id: input.schemeId }, select: { createdAt: true, currentVersion: true } });
  if (!scheme) return null;
  const version = await db.schemeVersion.findUnique({
    where: { schemeId_version: { schemeId: input.schemeId, version: scheme.currentVersion } },
    select: { createdAt: true },
  });
  const last =
    input.kind === "run"
      ? await db.run.findFirst({ where: { schemeId: input.schemeId, trigger: "schedule" }, orderBy: { createdAt: "desc" }, select: { createdAt: true } })
      : await db.reconciliation.findFirst({ where: { schemeId: input.schemeId, trigger: "schedule" }, orderBy: { createdAt: "desc" }, select: { createdAt: true } });
  const since = Math.max(scheme.createdAt.getTime(), version?.createdAt.getTime() ?? 0, last?.createdAt.getTime() ?? 0);
  if (due.getTime() <= since) return null;
  const tick = `repeat:${input.schedulerId}:${due.getTime()}`;
  await queue.add(input.kind === "run" ? JOB.schedule : JOB.reconcileTick, { schemeId: input.schemeId, tick }, {
    ...TICK_JOB_OPTIONS,
    // Not the tick's own id (refused for a scheduler id with a colon): one job per owed tick all the same.
    jobId: `owed-${input.schedulerId.replace(/:/g, "-")}-${due.getTime()}`,
  });
  return due;
}
