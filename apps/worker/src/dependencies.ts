// Scheme dependencies (issue #13): records waiting for another scheme's writes are released by that
// scheme's runs without anyone pressing a button, records that waited too long fail, and "run
// after" chains start a scheme once all the schemes it follows have succeeded since its last run.
import { expireWaiting, predecessorsSucceededSince, runAfterSuccessors, SchemeBusyError, schemesWaitingFor, waitsReadyToRelease, type RunModel } from "@qiao/db";
import { requestRun } from "@qiao/jobs";
import type { FollowUp, MaintenanceStep, WorkerDeps } from "./follow-ups";

/** Requests a run, and says nothing when the scheme is busy: its active run (or the next sweep) handles it. */
async function requestUnlessBusy(deps: WorkerDeps, input: Parameters<typeof requestRun>[2]): Promise<string | undefined> {
  try {
    const run = await requestRun(deps.db, deps.queue, input, deps.log);
    return run.id;
  } catch (error) {
    if (error instanceof SchemeBusyError) return undefined;
    throw error;
  }
}

const wrote = (run: RunModel) => (run.status === "succeeded" || run.status === "partial") && run.written > 0;

/** After a run that wrote records: a dependency run of each scheme with records waiting for it. */
export const releaseDependents: FollowUp = {
  name: "release-waiting-dependents",
  async run(deps, run) {
    if (!wrote(run)) return;
    for (const schemeId of await schemesWaitingFor(deps.db, run.schemeId)) {
      if (schemeId === run.schemeId) continue;
      const id = await requestUnlessBusy(deps, { schemeId, trigger: "dependency", triggeredById: run.id, idempotencyKey: `dependency:${run.id}:${schemeId}` });
      deps.log.info({ schemeId, dependencyRunId: run.id, runId: id ?? null }, id ? "released records waiting for this scheme" : "records wait for this scheme, but their scheme is busy: the sweep releases them");
    }
  },
};

/** After a run that succeeded: each scheme that runs after it, once all it follows have succeeded since its last run. */
export const runAfterChain: FollowUp = {
  name: "run-after",
  async run(deps, run) {
    if (run.status !== "succeeded" || run.trigger === "test") return;
    for (const next of await runAfterSuccessors(deps.db, run.schemeId)) {
      if (!(await predecessorsSucceededSince(deps.db, next.id, next.runAfter))) continue;
      const id = await requestUnlessBusy(deps, { schemeId: next.id, trigger: "chain", triggeredById: run.id, idempotencyKey: `chain:${run.id}:${next.id}` });
      deps.log.info({ schemeId: next.id, after: run.id, runId: id ?? null }, id ? "run after: started" : "run after: the scheme is busy, skipped");
    }
  },
};

/** Once a minute: releases what a missed follow-up (or a busy scheme) left waiting. */
export const releaseWaitingSweep: MaintenanceStep = {
  name: "release-waiting",
  async run(deps) {
    for (const { schemeId, runId } of await waitsReadyToRelease(deps.db)) {
      await requestUnlessBusy(deps, { schemeId, trigger: "dependency", triggeredById: runId, idempotencyKey: `dependency:${runId}:${schemeId}` });
    }
  },
};

/** Once a minute: records that waited longer than their scheme's limit (QIAO_WAIT_LIMIT_HOURS) fail with the reason. */
export const expireWaitingStep: MaintenanceStep = {
  name: "expire-waiting",
  async run(deps, now) {
    for (const { schemeId, failed } of await expireWaiting(deps.db, deps.cfg.QIAO_WAIT_LIMIT_HOURS, now)) {
      deps.log.warn({ schemeId, failed }, "records waited too long for a dependency and failed");
    }
  },
};
