// A cron job scheduler upserted without losing a tick, and without putting back a cron a save has
// replaced since the caller read it (the scheme's schedule, ./schedules.ts, and its
// reconciliation's, ./reconciliations.ts).
import { isDeepStrictEqual } from "node:util";
import type { JobSchedulerJson, JobsOptions, Queue } from "bullmq";

/** A cron job scheduler as it should be: its cron in its timezone, and the template of its ticks. */
export interface CronSchedulerSpec {
  repeat: { pattern: string; tz: string };
  template: { name: string; data: Record<string, unknown>; opts: JobsOptions };
}

/**
 * The scheduler as the caller saw it before it read the scheme it syncs from the database (null:
 * there was none). When Redis no longer has that, someone synced it since, from the scheme as
 * committed then (a save): what the caller read may be older, and it is left as it is. A save that
 * landed between a worker's read and its upsert put the worker's stale cron back (session 30's
 * audit); one that lands between the look and the upsert here is corrected by the reconciler's pass.
 */
export type SeenScheduler = JobSchedulerJson | null;

/**
 * Whether `existing` ticks as `spec` says: its cron, its timezone, its job name. Its template aside:
 * options changed by a release are synced by the next worker start (isCronScheduler), and are no
 * reason for a worker still on the old release to put the old ones back, nor to skip a tick.
 */
export function ticksAs(existing: JobSchedulerJson | null | undefined, spec: CronSchedulerSpec): boolean {
  return !!existing && existing.name === spec.template.name && existing.pattern === spec.repeat.pattern && existing.tz === spec.repeat.tz && existing.every === undefined;
}

/** Whether `existing` is `spec` (its next tick aside). */
function isCronScheduler(existing: JobSchedulerJson | null | undefined, spec: CronSchedulerSpec): boolean {
  return ticksAs(existing, spec) && isDeepStrictEqual(existing?.template?.data, spec.template.data) && isDeepStrictEqual(existing?.template?.opts, spec.template.opts);
}

function sameSettings(a: JobSchedulerJson | null | undefined, b: JobSchedulerJson | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  const settings = (s: JobSchedulerJson) => [s.name, s.pattern, s.tz, s.every, s.template?.data, s.template?.opts];
  return isDeepStrictEqual(settings(a), settings(b));
}

/**
 * Makes scheduler `id` be `spec`, or removes it (spec null). With `seen`, only while Redis still has
 * the scheduler the caller saw (SeenScheduler): else "left".
 */
export async function syncCronScheduler(queue: Queue, id: string, spec: CronSchedulerSpec | null, seen?: SeenScheduler): Promise<"scheduled" | "removed" | "left"> {
  const existing = await queue.getJobScheduler(id);
  if (seen !== undefined && !sameSettings(existing, seen)) return "left";
  if (!spec) {
    await queue.removeJobScheduler(id);
    return "removed";
  }
  await upsertCronScheduler(queue, id, spec, existing);
  return "scheduled";
}

/**
 * Upserts a cron job scheduler without losing a tick. BullMQ's upsert replaces the scheduler's
 * pending tick with one at the next cron time after now, so a tick that fell due while no worker
 * ran (still delayed) or that waits for a worker would never run: every worker start syncs all
 * schedulers, and saving a scheme syncs its own. An unchanged scheduler whose tick is there is
 * therefore left as it is; a changed one gets its due tick back under the same job id, which the
 * tick's run takes as its idempotency key (`schedule:<job id>`), so a tick a worker took meanwhile
 * does not run twice.
 */
async function upsertCronScheduler(queue: Queue, id: string, spec: CronSchedulerSpec, existing: JobSchedulerJson | undefined): Promise<void> {
  const { repeat, template } = spec;
  const next = existing?.next ?? undefined;
  // BullMQ names a scheduler's tick `repeat:<scheduler id>:<its time>`.
  const tickId = next !== undefined ? `repeat:${id}:${next}` : undefined;
  const tick = tickId ? await queue.getJob(tickId) : undefined;
  if (tick && isCronScheduler(existing, spec)) return;
  // A tick a worker took is not removed by the upsert; only a waiting one, or a delayed one past its time, is owed.
  const state = tick ? await tick.getState() : undefined;
  const due = state === "waiting" || state === "prioritized" || (state === "delayed" && next !== undefined && next <= Date.now());
  await queue.upsertJobScheduler(id, repeat, template);
  // BullMQ refuses a custom id with ":" unless it has three parts, as a scheme's ticks do; the
  // reconciliation's (`repeat:reconcile:<id>:<T>`) cannot be given back under their id, and are not.
  if (due && tickId && tickId.split(":").length === 3 && !(await queue.getJob(tickId))) {
    await queue.add(template.name, template.data, { ...template.opts, jobId: tickId });
  }
}
