// The worker's side of alerts (@qiao/alerts, docs/alerts.md): after a run, failed and partial runs
// raise their rules; once a minute, stale schemes and missing workers are checked and digests
// whose rate window ended are sent. Channel failures are recorded on the channel and logged here
// without the URL or any secret; they never fail the run or the tick.
import { alertRecordsDeadLettered, alertRunFinished, checkStaleSchemes, checkWorkersAlive, flushAlertDigests, type AlertDeps, type ChannelResult } from "@qiao/alerts";
import { clockFrom } from "@qiao/core";
import { outboundPolicy } from "@qiao/db";
import { aliveWorkers } from "@qiao/jobs";
import type { FollowUp, MaintenanceStep, WorkerDeps } from "./follow-ups";
import type { DeadLetterHook } from "./retries";

export function alertDeps(deps: WorkerDeps): AlertDeps {
  return { db: deps.db, publicUrl: deps.cfg.QIAO_PUBLIC_URL, policy: outboundPolicy(deps.cfg) };
}

function logFailures(deps: WorkerDeps, results: ChannelResult[], context: Record<string, unknown>): void {
  for (const r of results) if (!r.ok) deps.log.warn({ ...context, channelId: r.channelId, error: r.error }, "an alert channel failed");
}

export const alertOnRunEnd: FollowUp = {
  name: "alerts",
  async run(deps, run) {
    logFailures(deps, await alertRunFinished(alertDeps(deps), run), { runId: run.id, schemeId: run.schemeId });
  },
};

export const alertMaintenance: MaintenanceStep = {
  name: "alerts",
  async run(deps, now) {
    const a = alertDeps(deps);
    // Each check claims its messages under leases counted from when it runs: the stale check may
    // spend minutes on channels that time out before the digests are flushed.
    const at = clockFrom(now);
    const alive = (await aliveWorkers(deps.queue)).length;
    const results = [...(await checkWorkersAlive(a, alive, at()))];
    results.push(...(await checkStaleSchemes(a, at())));
    results.push(...(await flushAlertDigests(a, at())));
    logFailures(deps, results, {});
  },
};

/** The retry policy's hook: records whose automatic retries ran out raise the dead-letter rules. */
export const alertDeadLettered: DeadLetterHook = async (deps, event) => {
  deps.log.warn(event, "records dead-lettered: their automatic retries ran out");
  logFailures(deps, await alertRecordsDeadLettered(alertDeps(deps), event), { runId: event.runId, schemeId: event.schemeId });
};
