// The worker's part in keeping the overview and the metrics cheap to read: staging counts per
// scheme recounted after each run (and by the maintenance tick for a run whose follow-up was lost:
// a worker killed between a run's end and its follow-ups), hourly statistics pruned, and each
// finished run's duration added to this process's histogram.
import { pruneHourlyStats, refreshRecordCounts, schemesWithStaleRecordCounts } from "@qiao/db";
import type { FollowUp, MaintenanceStep } from "./follow-ups";

/** Schemes recounted per maintenance tick at most (each count is one pass over a scheme's staging rows). */
const RECOUNTS_PER_TICK = 20;

export const recountRecords: FollowUp = {
  name: "recount-records",
  run: ({ db }, run) => refreshRecordCounts(db, run.schemeId),
};

export const observeRunDuration: FollowUp = {
  name: "run-duration-metric",
  run: async ({ metrics }, run) => metrics.observeRun(run),
};

export const keepOverviewStats: MaintenanceStep = {
  name: "overview-stats",
  async run({ db }, now) {
    for (const schemeId of await schemesWithStaleRecordCounts(db, RECOUNTS_PER_TICK)) await refreshRecordCounts(db, schemeId);
    await pruneHourlyStats(db, now);
  },
};
