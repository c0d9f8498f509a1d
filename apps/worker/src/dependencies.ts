// Scheme dependencies (issue #13): records waiting for another scheme's writes are released by that
// scheme's runs without anyone pressing a button, records that waited too long fail, and "run
// after" chains start a scheme once all the schemes it follows have succeeded since its last run.
import {
  expireWaiting,
  refreshRecordCounts,
  runAfterDue,
  schemeAutomationOn,
  SchemeBusyError,
  schemesWaitingFor,
  schemeWroteDuring,
  waitsReadyToRelease,
} from "@qiao/db";
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

/**
 * After a run during which its scheme's records were written: a dependency run of each scheme with
 * records waiting for it. Not the run's own `written`: what its lookup of unknown outcomes found
 * written is counted on the runs that sent them (schemeWroteDuring). Whatever the run's status: a
 * record written by a run that failed or was cancelled later exists as well.
 */
export const releaseDependents: FollowUp = {
  name: "release-waiting-dependents",
  async run(deps, run) {
    const waiting = (await schemesWaitingFor(deps.db, run.schemeId)).filter((schemeId) => schemeId !== run.schemeId);
    if (waiting.length === 0 || !(await schemeWroteDuring(deps.db, run.id))) return;
    for (const schemeId of waiting) {
      // A scheme switched off writes nothing by itself: its records wait, and the sweep releases
      // them once it is switched on again.
      if (!(await schemeAutomationOn(deps.db, schemeId))) continue;
      const id = await requestUnlessBusy(deps, { schemeId, trigger: "dependency", triggeredById: run.id, idempotencyKey: `dependency:${run.id}:${schemeId}` });
      deps.log.info({ schemeId, dependencyRunId: run.id, runId: id ?? null }, id ? "released records waiting for this scheme" : "records wait for this scheme, but their scheme is busy: the sweep releases them");
    }
  },
};

/** A `chain` run of each scheme due (runAfterDue), linked to the predecessor run that completed its chain. */
async function startChains(deps: WorkerDeps, due: { schemeId: string; runId: string }[]): Promise<void> {
  for (const { schemeId, runId } of due) {
    const id = await requestUnlessBusy(deps, { schemeId, trigger: "chain", triggeredById: runId, idempotencyKey: `chain:${runId}:${schemeId}` });
    deps.log.info({ schemeId, after: runId, runId: id ?? null }, id ? "run after: started" : "run after: the scheme is busy; the end of its run starts it");
  }
}

/**
 * After a run: the schemes that run after its scheme, once all they follow have succeeded since their
 * last run, and its scheme itself: it may have been busy (this run) when its last predecessor
 * succeeded, and nothing else would start it.
 */
export const runAfterChain: FollowUp = {
  name: "run-after",
  async run(deps, run) {
    await startChains(deps, await runAfterDue(deps.db, run.schemeId));
  },
};

/** Once a minute: what a run-after chain missed (its scheme busy, a worker killed before its follow-ups). */
export const runAfterSweep: MaintenanceStep = {
  name: "run-after-sweep",
  async run(deps) {
    await startChains(deps, await runAfterDue(deps.db));
  },
};

/**
 * Once a minute: releases what a missed follow-up (or a busy scheme) left waiting, and the waits of a
 * scheme edited since they were recorded (its lookups may name another scheme now: session 31's
 * audit), once per version, linked to no run.
 */
export const releaseWaitingSweep: MaintenanceStep = {
  name: "release-waiting",
  async run(deps) {
    for (const due of await waitsReadyToRelease(deps.db)) {
      const { schemeId, runId } = due;
      const idempotencyKey = runId !== null ? `dependency:${runId}:${schemeId}` : `dependency:${schemeId}:v${due.version}`;
      const id = await requestUnlessBusy(deps, { schemeId, trigger: "dependency", triggeredById: runId, idempotencyKey });
      if (runId === null) deps.log.info({ schemeId, version: due.version, runId: id ?? null }, id ? "released records that waited under an older version of this scheme" : "records waited under an older version of this scheme, which is busy: the sweep releases them");
    }
  },
};

/**
 * Once a minute: records that waited longer than their scheme's limit (QIAO_WAIT_LIMIT_HOURS) fail
 * with the reason. Outside any run, so the scheme's staging counts (the overview's 暂存记录,
 * qiao_records) are recounted here: no run's follow-up, nor the tick's recount of schemes with a run
 * finished since their count, would (docs/overview-and-metrics.md).
 */
export const expireWaitingStep: MaintenanceStep = {
  name: "expire-waiting",
  async run(deps, now) {
    for (const { schemeId, failed } of await expireWaiting(deps.db, deps.cfg.QIAO_WAIT_LIMIT_HOURS, now)) {
      deps.log.warn({ schemeId, failed }, "records waited too long for a dependency and failed");
      await refreshRecordCounts(deps.db, schemeId);
    }
  },
};
