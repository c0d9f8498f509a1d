// The overview's answer: the statistics @qiao/db keeps as runs finish (readOverview: four
// statements whatever the number of schemes and runs), each scheme's next run from its cron, and
// from Redis the queue's depth and the workers' heartbeats. Redis being down blanks those two, not
// the page.
import { nextCronRun } from "@qiao/core";
import { readOverview, type Db, type RunCounts } from "@qiao/db";
import { aliveWorkers, QUEUE_STATES } from "@qiao/jobs";
import type { Queue } from "bullmq";
import type { OverviewDto } from "@/lib/api/overview-schemas";
import { logger } from "./logger";

function withRate(c: RunCounts) {
  const ended = c.succeeded + c.partial + c.failedRuns;
  return { ...c, successRate: ended === 0 ? null : c.succeeded / ended };
}

async function orNull<T>(what: string, work: Promise<T>): Promise<T | null> {
  try {
    return await work;
  } catch (error) {
    logger.warn({ err: error }, `overview: ${what} unavailable`);
    return null;
  }
}

export async function overview(db: Db, queue: Queue, now = new Date()): Promise<OverviewDto> {
  const [stats, counts, workers] = await Promise.all([
    readOverview(db, { now }),
    orNull("queue depth", queue.getJobCounts(...QUEUE_STATES)),
    orNull("workers", aliveWorkers(queue)),
  ]);
  return {
    generatedAt: now.toISOString(),
    days: stats.days,
    schemes: stats.schemes.map((s) => ({
      ...s,
      lastRun: s.lastRun && { ...s.lastRun, createdAt: s.lastRun.createdAt.toISOString(), finishedAt: s.lastRun.finishedAt?.toISOString() ?? null },
      last24h: withRate(s.last24h),
      last7d: withRate(s.last7d),
      recordsCountedAt: s.recordsCountedAt?.toISOString() ?? null,
      nextRunAt: (s.enabled && s.cron && nextCronRun(s.cron, s.timezone, now)?.toISOString()) || null,
    })),
    queue: counts && Object.fromEntries(QUEUE_STATES.map((state) => [state, counts[state] ?? 0])),
    workers,
  };
}
