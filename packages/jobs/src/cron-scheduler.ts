// A cron job scheduler upserted without losing a tick (the scheme's schedule, ./schedules.ts, and
// its reconciliation's, ./reconciliations.ts).
import { isDeepStrictEqual } from "node:util";
import type { JobsOptions, Queue } from "bullmq";

/**
 * Upserts a cron job scheduler without losing a tick. BullMQ's upsert replaces the scheduler's
 * pending tick with one at the next cron time after now, so a tick that fell due while no worker
 * ran (still delayed) or that waits for a worker would never run: every worker start syncs all
 * schedulers, and saving a scheme syncs its own. An unchanged scheduler whose tick is there is
 * therefore left as it is; a changed one gets its due tick back under the same job id, which the
 * tick's run takes as its idempotency key (`schedule:<job id>`), so a tick a worker took meanwhile
 * does not run twice.
 */
export async function upsertCronScheduler(
  queue: Queue,
  id: string,
  repeat: { pattern: string; tz: string },
  template: { name: string; data: Record<string, unknown>; opts: JobsOptions },
): Promise<void> {
  const existing = await queue.getJobScheduler(id);
  const next = existing?.next ?? undefined;
  // BullMQ names a scheduler's tick `repeat:<scheduler id>:<its time>`.
  const tickId = next !== undefined ? `repeat:${id}:${next}` : undefined;
  const tick = tickId ? await queue.getJob(tickId) : undefined;
  if (
    tick &&
    existing?.name === template.name &&
    existing.pattern === repeat.pattern &&
    existing.tz === repeat.tz &&
    existing.every === undefined &&
    isDeepStrictEqual(existing.template?.data, template.data) &&
    isDeepStrictEqual(existing.template?.opts, template.opts)
  ) {
    return;
  }
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
