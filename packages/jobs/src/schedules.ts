// Schedules: each enabled scheme's cron is a BullMQ job scheduler (id = scheme id, in the scheme's
// timezone), so exactly one tick fires per due time however many workers run. The database is the
// truth about a schedule: a save syncs its scheme's schedulers, a worker start syncs them all, and
// each worker's reconciler pass puts back what Redis lost and corrects what no longer matches.
import type { Db } from "@qiao/db";
import type { JobSchedulerJson, Queue } from "bullmq";
import { syncCronScheduler, ticksAs, type CronSchedulerSpec, type SeenScheduler } from "./cron-scheduler";
import type { JobsLogger } from "./logger";
import { giveBackOwedTick } from "./owed-ticks";
import { JOB, MAINTAIN_SCHEDULER_ID, PRUNE_SCHEDULER_ID, TICK_JOB_OPTIONS } from "./queue";
import { reconcileSchedulerId, reconcileSchedulerSpec } from "./reconciliations";

export interface SchedulableScheme {
  id: string;
  cron: string | null;
  timezone: string;
  enabled: boolean;
}

/** The scheme's run scheduler as it should be (enabled, with a cron), or null: none. */
function schemeSchedulerSpec(scheme: SchedulableScheme): CronSchedulerSpec | null {
  const cron = scheme.cron?.trim();
  if (!scheme.enabled || !cron) return null;
  return { repeat: { pattern: cron, tz: scheme.timezone }, template: { name: JOB.schedule, data: { schemeId: scheme.id }, opts: TICK_JOB_OPTIONS } };
}

/**
 * Upserts (enabled with a cron) or removes the scheme's scheduler. Call it after saving a scheme.
 * `seen`: the scheduler as the caller saw it before reading the scheme (SeenScheduler).
 */
export async function syncSchemeSchedule(queue: Queue, scheme: SchedulableScheme, seen?: SeenScheduler): Promise<"scheduled" | "removed" | "left"> {
  return syncCronScheduler(queue, scheme.id, schemeSchedulerSpec(scheme), seen);
}

/**
 * Whether the scheduler ticks on the scheme's cron, in its timezone (false when the scheme has no
 * schedule on): a tick of a scheduler that does not is of a cron no longer the scheme's.
 */
export function ticksOnSchemeCron(scheduler: JobSchedulerJson, scheme: SchedulableScheme): boolean {
  const spec = schemeSchedulerSpec(scheme);
  return spec !== null && ticksAs(scheduler, spec);
}

const SCHEME_SCHEDULE = { id: true, cron: true, reconcileCron: true, timezone: true, enabled: true } as const;
type ScheduleColumns = SchedulableScheme & { reconcileCron: string | null };

/**
 * The schedulers Redis has, by id. Read before the schemes: a save that lands in between has synced
 * its own schedulers from data at least as new as what is read after, and is not undone (SeenScheduler).
 */
async function seenSchedulers(queue: Queue): Promise<Map<string, JobSchedulerJson>> {
  return new Map((await queue.getJobSchedulers(0, -1)).map((s) => [s.key, s]));
}

/** A scheme's two schedulers: how each should be, and the tick it owes when Redis lost it (./owed-ticks.ts). */
function schedulersOf(db: Db, queue: Queue, scheme: ScheduleColumns) {
  return [
    { id: scheme.id, spec: schemeSchedulerSpec(scheme), giveBack: () => giveBackSchemeTick(db, queue, scheme) },
    { id: reconcileSchedulerId(scheme.id), spec: reconcileSchedulerSpec(scheme), giveBack: () => giveBackReconcileTick(db, queue, scheme) },
  ];
}

/** Removes the schedulers of schemes that are gone (seen before the schemes were read). Returns their ids. */
async function removeOrphans(queue: Queue, seen: Map<string, JobSchedulerJson>, schemes: readonly { id: string }[]): Promise<string[]> {
  const known = new Set(schemes.flatMap((s) => [s.id, reconcileSchedulerId(s.id)]));
  const removed: string[] = [];
  for (const [id, scheduler] of seen) {
    if ((scheduler.name !== JOB.schedule && scheduler.name !== JOB.reconcileTick) || known.has(id)) continue;
    if ((await syncCronScheduler(queue, id, null, scheduler)) === "removed") removed.push(id);
  }
  return removed;
}

/**
 * Makes the queue's schedulers match the schemes (a worker's start): one per enabled scheme with a
 * cron, one per scheme with a reconciliation cron whose automation is on (automationOn), no others.
 * Each is synced only while Redis still has it as it was before the schemes were read: a save that
 * lands meanwhile keeps its cron (session 30's audit: the start put the cron it had read back).
 */
export async function syncSchedules(db: Db, queue: Queue): Promise<{ scheduled: number; removed: number }> {
  const seen = await seenSchedulers(queue);
  const schemes = await db.scheme.findMany({ select: SCHEME_SCHEDULE });
  let scheduled = 0;
  for (const scheme of schemes) {
    for (const { id, spec, giveBack } of schedulersOf(db, queue, scheme)) {
      if ((await syncCronScheduler(queue, id, spec, seen.get(id) ?? null)) !== "scheduled") continue;
      scheduled++;
      // Those Redis lost (it came back empty while no worker ran) owe their last due tick.
      if (!seen.has(id)) await giveBack();
    }
  }
  return { scheduled, removed: (await removeOrphans(queue, seen, schemes)).length };
}

/** The daily pruning of run data (one scheduler for the whole cluster). */
export async function schedulePruning(queue: Queue): Promise<void> {
  await queue.upsertJobScheduler(
    PRUNE_SCHEDULER_ID,
    { every: 86_400_000 },
    // Retried through a database outage, or a day's pruning is skipped.
    { name: JOB.prune, opts: { ...TICK_JOB_OPTIONS, removeOnFail: { count: 10 } } },
  );
}

/** The once-a-minute housekeeping tick (one scheduler for the whole cluster). */
export async function scheduleMaintenance(queue: Queue, everyMs = 60_000): Promise<void> {
  await queue.upsertJobScheduler(
    MAINTAIN_SCHEDULER_ID,
    { every: everyMs },
    { name: JOB.maintain, opts: { removeOnComplete: true, removeOnFail: { count: 10 } } },
  );
}

/**
 * The reconciler's pass (every WORKER_RECONCILE_INTERVAL_MS in each worker). Puts back the
 * schedulers Redis lost (it restarted empty or was flushed): the daily pruning, the maintenance
 * tick, and each scheme's; a scheme's put back also gets the last tick it owes (./owed-ticks.ts).
 * And corrects the schemes' schedulers that no longer tick as the scheme says (another cron or
 * timezone, on while the scheme is off, or the scheme gone): a save that raced a worker's sync, or
 * another save, left the other's cron there (session 30's audit), and nothing else would notice.
 * Those that match are left alone. Returns how many came back.
 */
export async function restoreMissingSchedules(db: Db, queue: Queue, log?: JobsLogger): Promise<number> {
  const seen = await seenSchedulers(queue);
  let restored = 0;
  if (!seen.has(PRUNE_SCHEDULER_ID)) {
    await schedulePruning(queue);
    restored++;
  }
  if (!seen.has(MAINTAIN_SCHEDULER_ID)) {
    await scheduleMaintenance(queue);
    restored++;
  }
  const schemes = await db.scheme.findMany({ select: SCHEME_SCHEDULE });
  const corrected: string[] = [];
  for (const scheme of schemes) {
    for (const { id, spec, giveBack } of schedulersOf(db, queue, scheme)) {
      const was = seen.get(id);
      if (spec ? ticksAs(was, spec) : !was) continue;
      const result = await syncCronScheduler(queue, id, spec, was ?? null);
      if (result === "left") continue;
      if (was) {
        corrected.push(id);
        continue;
      }
      restored++;
      await giveBack();
    }
  }
  corrected.push(...(await removeOrphans(queue, seen, schemes)));
  if (corrected.length > 0) log?.warn({ schedulers: corrected }, "corrected job schedulers that no longer ticked as their scheme says (a save raced a sync)");
  return restored;
}

function giveBackSchemeTick(db: Db, queue: Queue, scheme: SchedulableScheme): Promise<Date | null> {
  return giveBackOwedTick(db, queue, { schedulerId: scheme.id, kind: "run", schemeId: scheme.id, pattern: scheme.cron!.trim(), tz: scheme.timezone });
}

function giveBackReconcileTick(db: Db, queue: Queue, scheme: { id: string; reconcileCron: string | null; timezone: string }): Promise<Date | null> {
  const schedulerId = reconcileSchedulerId(scheme.id);
  return giveBackOwedTick(db, queue, { schedulerId, kind: "reconcile", schemeId: scheme.id, pattern: scheme.reconcileCron!.trim(), tz: scheme.timezone });
}
