// Schedules: each enabled scheme's cron is a BullMQ job scheduler (id = scheme id, in the scheme's
// timezone), so exactly one tick fires per due time however many workers run.
import type { Db } from "@qiao/db";
import type { Queue } from "bullmq";
import { upsertCronScheduler } from "./cron-scheduler";
import { giveBackOwedTick } from "./owed-ticks";
import { JOB, MAINTAIN_SCHEDULER_ID, PRUNE_SCHEDULER_ID, TICK_JOB_OPTIONS } from "./queue";
import { reconcileSchedulerId, syncReconcileSchedule } from "./reconciliations";

export interface SchedulableScheme {
  id: string;
  cron: string | null;
  timezone: string;
  enabled: boolean;
}

/** Upserts (enabled with a cron) or removes the scheme's scheduler. Call it after saving a scheme. */
export async function syncSchemeSchedule(queue: Queue, scheme: SchedulableScheme): Promise<"scheduled" | "removed"> {
  const cron = scheme.cron?.trim();
  if (scheme.enabled && cron) {
    await upsertCronScheduler(
      queue,
      scheme.id,
      { pattern: cron, tz: scheme.timezone },
      { name: JOB.schedule, data: { schemeId: scheme.id }, opts: TICK_JOB_OPTIONS },
    );
    return "scheduled";
  }
  await queue.removeJobScheduler(scheme.id);
  return "removed";
}

/**
 * Makes the queue's schedulers match the schemes: one per enabled scheme with a cron, one per
 * scheme with a reconciliation cron whose automation is on (automationOn), no others.
 */
export async function syncSchedules(db: Db, queue: Queue): Promise<{ scheduled: number; removed: number }> {
  const schemes = await db.scheme.findMany({ select: { id: true, cron: true, reconcileCron: true, timezone: true, enabled: true } });
  // Those Redis lost (it came back empty while no worker ran) owe their last due tick (./owed-ticks.ts).
  const present = new Set((await queue.getJobSchedulers(0, -1)).map((s) => s.key));
  let scheduled = 0;
  let removed = 0;
  for (const scheme of schemes) {
    if ((await syncSchemeSchedule(queue, scheme)) === "scheduled") {
      scheduled++;
      if (!present.has(scheme.id)) await giveBackSchemeTick(db, queue, scheme);
    }
    if ((await syncReconcileSchedule(queue, scheme)) === "scheduled") {
      scheduled++;
      if (!present.has(reconcileSchedulerId(scheme.id))) await giveBackReconcileTick(db, queue, scheme);
    }
  }
  const known = new Set(schemes.flatMap((s) => [s.id, reconcileSchedulerId(s.id)]));
  for (const scheduler of await queue.getJobSchedulers(0, -1)) {
    if ((scheduler.name === JOB.schedule || scheduler.name === JOB.reconcileTick) && !known.has(scheduler.key)) {
      await queue.removeJobScheduler(scheduler.key);
      removed++;
    }
  }
  return { scheduled, removed };
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
 * Puts back the schedulers Redis lost (it restarted empty or was flushed): one per enabled scheme
 * with a cron (and one per reconciliation cron), and the daily pruning. Schedulers still there are
 * left alone. A scheme's scheduler put back also gets the last tick it owes (./owed-ticks.ts).
 * Returns how many came back.
 */
export async function restoreMissingSchedules(db: Db, queue: Queue): Promise<number> {
  const present = new Set((await queue.getJobSchedulers(0, -1)).map((s) => s.key));
  let restored = 0;
  if (!present.has(PRUNE_SCHEDULER_ID)) {
    await schedulePruning(queue);
    restored++;
  }
  if (!present.has(MAINTAIN_SCHEDULER_ID)) {
    await scheduleMaintenance(queue);
    restored++;
  }
  const schemes = await db.scheme.findMany({
    where: { OR: [{ enabled: true, cron: { not: null } }, { reconcileCron: { not: null } }] },
    select: { id: true, cron: true, reconcileCron: true, timezone: true, enabled: true },
  });
  for (const scheme of schemes) {
    if (scheme.enabled && scheme.cron && !present.has(scheme.id) && (await syncSchemeSchedule(queue, scheme)) === "scheduled") {
      restored++;
      await giveBackSchemeTick(db, queue, scheme);
    }
    if (scheme.reconcileCron && !present.has(reconcileSchedulerId(scheme.id)) && (await syncReconcileSchedule(queue, scheme)) === "scheduled") {
      restored++;
      await giveBackReconcileTick(db, queue, scheme);
    }
  }
  return restored;
}

function giveBackSchemeTick(db: Db, queue: Queue, scheme: SchedulableScheme): Promise<Date | null> {
  return giveBackOwedTick(db, queue, { schedulerId: scheme.id, kind: "run", schemeId: scheme.id, pattern: scheme.cron!.trim(), tz: scheme.timezone });
}

function giveBackReconcileTick(db: Db, queue: Queue, scheme: { id: string; reconcileCron: string | null; timezone: string }): Promise<Date | null> {
  const schedulerId = reconcileSchedulerId(scheme.id);
  return giveBackOwedTick(db, queue, { schedulerId, kind: "reconcile", schemeId: scheme.id, pattern: scheme.reconcileCron!.trim(), tz: scheme.timezone });
}
