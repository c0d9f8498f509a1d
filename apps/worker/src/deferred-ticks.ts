// Cron ticks deferred while their scheme was busy with a run that reads nothing (@qiao/jobs
// deferred-ticks.ts): requested at the end of that run, and swept once a minute for a worker killed
// before its follow-ups (or a run cancelled before it started, which has none).
import { requestDeferredTicks } from "@qiao/jobs";
import type { FollowUp, MaintenanceStep } from "./follow-ups";

/** After a run: the tick of its scheme deferred while it ran. */
export const deferredTickFollowUp: FollowUp = {
  name: "deferred-tick",
  async run(deps, run) {
    await requestDeferredTicks(deps.db, deps.queue, deps.log, run.schemeId);
  },
};

/** Once a minute: every deferred tick whose scheme is free. */
export const deferredTickSweep: MaintenanceStep = {
  name: "deferred-ticks",
  async run(deps) {
    await requestDeferredTicks(deps.db, deps.queue, deps.log);
  },
};
