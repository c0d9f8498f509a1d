// A run's follow-ups run once, however often its job is delivered (session 32): a second delivery of
// a cancelled automatic retry's job does not announce its dead letters again.
//
// Defect (failing before its fix; the known open item "a cancelled run's job delivered twice runs its
// follow-ups twice", docs/decisions.md session 25): claimRun answers `finished` for a cancelled run, so
// every delivery of its job ran FOLLOW_UPS again (a succeeded or failed run's second delivery is
// "not-runnable"). The job of an automatic retry cancelled while queued is kept on purpose (@qiao/jobs
// cancelRun) so that a worker runs its follow-ups; a second delivery (BullMQ's stalled-job redelivery
// after a worker died between the follow-ups and the job's completion, or a re-enqueue) sent a second
// records_dead_lettered event for the same run and records in the rule's next digest.
// Fix: the worker claims a finished run's follow-ups (claimFollowUps, runs.follow_ups_at, migration
// 20261224100000_run_follow_ups_once) and runs them only if its claim set it (runFollowUpsOnce).
import { assignFailedToRun, claimRun, createAlertRule, createRun, requeueRun, type Config } from "@qiao/db";
import { transientFailures } from "@qiao/db/testing";
import type { TestDb } from "@qiao/engine/testing";
import { cancelRun, JOB } from "@qiao/jobs";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import { createAlertReceiver, type AlertReceiver } from "@qiao/simulators";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { workerSettings } from "./settings";
import { startWorker, type RunningWorker } from "./worker";
import { dingtalkChannel } from "./testing";

let bed: QueueTestBed;
let t: TestDb;
let cfg: Config;
let queue: Queue;
let receiver: AlertReceiver;
let receiverUrl: string;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  bed = await openQueueTestBed("dl_announced_once", 1);
  ({ t, cfg, queue } = bed);
  receiver = createAlertReceiver();
  receiverUrl = await receiver.listen(0);
});
afterAll(async () => {
  await worker?.close();
  await receiver?.close();
  await bed?.close();
});

test("a second delivery of a cancelled automatic retry's job does not announce its dead letters again", async () => {
  const scheme = await t.db.scheme.create({ data: { name: "店铺 → 客户", definition: {} } });
  const channel = await dingtalkChannel(t.db, receiverUrl);
  const rule = await createAlertRule(t.db, { name: "死信", kind: "records_dead_lettered", schemeId: scheme.id, threshold: 1, channelIds: [channel.id] });

  const first = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
  await t.db.run.update({ where: { id: first.id }, data: { status: "partial", phase: "done", failed: 3, finishedAt: new Date() } });
  const records = await transientFailures(t.db, { schemeId: scheme.id, runId: first.id, count: 3 });
  const retry = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "retry", options: { scope: "scheme", automatic: true } });
  await queue.add(JOB.run, { runId: retry.id }, { jobId: retry.id });
  const claim = await claimRun(t.db, retry.id, new Date());
  if (!claim.claimed) throw new Error("not claimed");
  await assignFailedToRun(t.db, { schemeId: scheme.id, runId: retry.id, attempt: claim.run.attempt, records: records.map((r) => ({ id: r.id, hash: r.payloadHash })), automatic: true });
  await requeueRun(t.db, retry.id, claim.run.attempt);
  expect((await cancelRun(t.db, queue, retry.id))?.status).toBe("cancelled");

  worker = await startWorker({ db: t.db, config: cfg, logger: pino({ level: "silent" }), settings: { ...workerSettings({}), WORKER_RECONCILE_INTERVAL_MS: 60_000 } });
  await expect.poll(() => receiver.inbox.summary("dingtalk").alerts.length, { timeout: 5_000, interval: 200 }).toBe(1);
  await expect.poll(async () => (await queue.getJob(retry.id))?.finishedOn !== undefined, { timeout: 5_000, interval: 100 }).toBe(true);

  // The same job delivered again (as BullMQ redelivers a job whose worker died before completing it).
  await (await queue.getJob(retry.id))?.remove();
  await queue.add(JOB.run, { runId: retry.id }, { jobId: retry.id });
  await expect.poll(async () => (await queue.getJob(retry.id))?.finishedOn !== undefined, { timeout: 5_000, interval: 100 }).toBe(true);
  await new Promise((r) => setTimeout(r, 500));

  // One run end, one announcement: nothing more waits in the rule's window for its next digest.
  const window = await t.db.alertWindow.findUnique({ where: { ruleId_scope: { ruleId: rule.id, scope: scheme.id } } });
  expect({ sent: receiver.inbox.summary("dingtalk").alerts.length, waitingForDigest: window?.pendingCount ?? 0 }).toEqual({ sent: 1, waitingForDigest: 0 });
}, 60_000);
