// The overview (概览) at the REST boundary: per scheme its last run,
// runs and records over 24 h and 7 d, records per day, staging counts by status and next run; the
// queue's depth and the workers alive. See docs/overview-and-metrics.md.
import { z } from "zod";
import { RUN_STATUSES } from "./run-schemas";

const isoTime = z.iso.datetime();
const count = z.number().int().nonnegative();

const runCountsSchema = z.object({
  succeeded: count,
  partial: count,
  failedRuns: count,
  cancelled: count,
  written: count,
  failed: count,
  /** Succeeded runs among those that ended succeeded, partial or failed (null: none did). */
  successRate: z.number().min(0).max(1).nullable(),
});

export const schemeOverviewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  enabled: z.boolean(),
  cron: z.string().nullable(),
  timezone: z.string(),
  lastRun: z
    .object({ id: z.uuid(), status: z.enum(RUN_STATUSES), trigger: z.string(), createdAt: isoTime, finishedAt: isoTime.nullable(), written: count, failed: count })
    .nullable(),
  last24h: runCountsSchema,
  last7d: runCountsSchema,
  /** Records written and failed per day of `days`. */
  written: z.array(count),
  failed: z.array(count),
  /** Staging records by status (every status there is: pending, failed, waiting, …). */
  records: z.record(z.string(), count),
  recordsCountedAt: isoTime.nullable(),
  /** From the scheme's cron and timezone; null without a schedule or when disabled. */
  nextRunAt: isoTime.nullable(),
});
export type SchemeOverviewDto = z.infer<typeof schemeOverviewSchema>;

export const overviewSchema = z.object({
  generatedAt: isoTime,
  days: z.array(z.string()),
  schemes: z.array(schemeOverviewSchema),
  /** Jobs in the runs queue by state (null: Redis did not answer). */
  queue: z.record(z.string(), count).nullable(),
  workers: z
    .array(
      z.object({
        id: z.string(),
        host: z.string(),
        pid: z.number().int(),
        version: z.string(),
        startedAt: isoTime,
        beatAt: isoTime,
        runs: z.array(z.string()),
      }),
    )
    .nullable(),
});
export type OverviewDto = z.infer<typeof overviewSchema>;
