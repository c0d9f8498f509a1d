// The retry policy's delayed job (issue #14): one per scheme (jobId `retry-<schemeId>`), due when the
// scheme's earliest automatic retry is (`source_records.retry_at`, the truth; the job only delivers
// it). Scheduling again moves it earlier, never later: the job, when it fires, asks Postgres what is
// due and delays itself to the next due time when nothing is yet. No timers, no polling. The job
// carries when it fires (`dueAt`): BullMQ keeps `timestamp` from when the job was added and sets
// `delay` relative to each move, so their sum is no fire time once the job has been delayed again.
import type { Queue } from "bullmq";
import { z } from "zod";
import { JOB } from "./queue";

export const retryJobSchema = z.object({ schemeId: z.uuid(), dueAt: z.number().int().optional() });
export type RetryJobData = z.infer<typeof retryJobSchema>;

/** While the scheme has an active run, its retry job tries again this much later. */
export const RETRY_BUSY_DELAY_MS = 10_000;

/** BullMQ refuses custom ids with ':' (they are its repeat jobs' format). */
export function retryJobId(schemeId: string): string {
  return `retry-${schemeId}`;
}

/**
 * Makes sure the scheme's retry job fires no later than `at`: added if missing, moved earlier if it
 * is delayed past `at`, left alone if it fires sooner or is waiting / running (it then looks up
 * what is due itself). Safe to repeat (a follow-up after every run, and the maintenance step).
 */
export async function scheduleRetry(queue: Queue, schemeId: string, at: Date, now = Date.now()): Promise<"added" | "moved" | "kept"> {
  const jobId = retryJobId(schemeId);
  const delay = Math.max(0, at.getTime() - now);
  const existing = await queue.getJob(jobId);
  if (existing) {
    const state = await existing.getState();
    if (state === "delayed") {
      // A job queued before jobs carried `dueAt` fires at a time we cannot know: moved to `at`, it
      // at worst fires early, finds nothing due and delays itself again.
      const firesAt = (existing.data as Partial<RetryJobData>).dueAt;
      if (firesAt !== undefined && firesAt <= at.getTime()) return "kept";
      await existing.changeDelay(delay);
      // After the move: a failure between the two leaves `dueAt` later than the job fires, which
      // costs one more move; the other way round, it would keep a job that fires too late.
      await existing.updateData({ schemeId, dueAt: now + delay } satisfies RetryJobData);
      return "moved";
    }
    if (state === "waiting" || state === "active" || state === "prioritized" || state === "waiting-children") return "kept";
    // Completed or failed and still kept: it is done; a new one replaces it.
    await existing.remove();
  }
  await queue.add(JOB.retry, { schemeId, dueAt: now + delay } satisfies RetryJobData, {
    jobId,
    delay,
    attempts: 3,
    backoff: { type: "exponential", delay: 5_000 },
    removeOnComplete: true,
    removeOnFail: true,
  });
  return "added";
}
