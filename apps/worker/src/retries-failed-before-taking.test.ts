// An automatic retry run that fails as a run before it took its records (here the target
// connection's secrets cannot be opened: run.secretsUnreadable, thrown by loadRun before prepareRetry;
// likewise runLookups, or a lookup failing while prepareRetry warms a chunk) counts its step on the
// due transient failures it did not take (session 32, docs/retry-policy.md "How a record moves").
//
// Defect (failing before its fix): endRetryEarly's failUnsentAutomaticRetries moved only the records
// the retry took (retry_prior set), so they stayed failed at the same step with their due time past,
// the run's failed counter was 0, and the once-a-minute restore-retries step queued another automatic
// retry at once: a failed retry run (and its run_failed alert) every minute, forever, the records never
// reaching the dead letters.
// Fix: endRetryEarly (packages/db/src/repositories/retry-ends.ts) also runs failDueAutomaticRetries for
// an automatic retry that had an attempt, fenced by that attempt and leaving out the records the run
// failed itself: the step is counted, the next retry is due after the schedule's next step.
import type { Config } from "@qiao/db";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import { requestRun } from "@qiao/jobs";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterEach, beforeEach, expect, test } from "vitest";
import { createWorkerMetrics } from "./metrics";
import { restoreRetries } from "./retries";
import { workerSettings } from "./settings";
import { startWorker, type RunningWorker } from "./worker";

const log = pino({ level: "silent" });
let bed: QueueTestBed;
let t: TestDb;
let sim: Simulated;
let cfg: Config;
let queue: Queue;
let worker: RunningWorker | undefined;

beforeEach(async () => {
  bed = await openQueueTestBed("retry_failed_start", 5);
  ({ t, sim, cfg, queue } = bed);
});

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  await bed?.close();
});

function retryRuns(schemeId: string) {
  return t.db.run.findMany({ where: { schemeId, trigger: "retry" }, orderBy: { createdAt: "asc" } });
}

test("an automatic retry that fails before taking its records does not start another one every minute, and the records advance toward the dead letters", async () => {
  // 1 s, then 10 min, then 1 h: after the first (failed) automatic retry nothing is due for 10 minutes.
  const s = await sim.createScheme((def) => {
    def.retry = { backoffMs: [1_000, 600_000, 3_600_000] };
  });
  sim.kingdee.injectNext({ fault: "netControl", service: "BatchSave" });
  worker = await startWorker({
    db: t.db,
    config: cfg,
    logger: log,
    settings: { ...workerSettings({}), WORKER_CONNECTION_QPS: 1000, WORKER_RECONCILE_INTERVAL_MS: 60_000 },
  });
  const first = await requestRun(t.db, queue, { schemeId: s.id, trigger: "manual" });
  await expect.poll(async () => (await t.db.run.findUniqueOrThrow({ where: { id: first.id } })).status, { timeout: 20_000, interval: 50 }).toBe("failed");
  expect(await t.db.sourceRecord.count({ where: { schemeId: s.id, status: "failed", errorClass: "transient", retryAt: { not: null } } })).toBe(5);

  // Before the retry is due, the target connection's secrets stop opening (a key left out of
  // QIAO_SECRET_KEYS after a rotation): every run of the scheme fails at its start.
  await t.db.connection.update({ where: { id: sim.targetConnectionId }, data: { secretKeyId: "rotated-away" } });

  // The automatic retry fires after 1 s and fails as a run.
  await expect.poll(async () => (await retryRuns(s.id)).filter((r) => r.status === "failed").length, { timeout: 20_000, interval: 100 }).toBe(1);
  await new Promise((r) => setTimeout(r, 500)); // its follow-ups

  // The next two minutes of the maintenance tick's restore step.
  const deps = { db: t.db, queue, cfg, log, metrics: createWorkerMetrics() };
  for (let minute = 0; minute < 2; minute++) {
    await restoreRetries.run(deps, new Date());
    await new Promise((r) => setTimeout(r, 3_000));
  }

  const runs = await retryRuns(s.id);
  const staged = await t.db.sourceRecord.findMany({ where: { schemeId: s.id } });
  // The failed automatic retry counted its step (due in 10 minutes), so no further retry run.
  expect({
    retryRuns: runs.length,
    steps: staged.map((r) => r.retryStep),
    dueWithinAMinute: staged.filter((r) => r.retryAt !== null && r.retryAt.getTime() < Date.now() + 60_000).length,
  }).toEqual({ retryRuns: 1, steps: [1, 1, 1, 1, 1], dueWithinAMinute: 0 });
}, 60_000);
