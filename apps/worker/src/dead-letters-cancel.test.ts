// Records dead-lettered by an automatic retry cancelled while queued (handed back by a worker that
// stopped, docs/retry-policy.md): cancelRun fails the records it took and did not send again, past
// the schedule's last step as dead letters. The run's job stays (it used to be removed, and then no
// follow-up ever announced those dead letters): the worker that takes it finds the run cancelled and
// runs its follow-ups, so the records_dead_lettered rule hears of them. Once: a second delivery of
// the job (BullMQ's stalled-job redelivery after a worker died between the follow-ups and the job's
// completion, or a re-enqueue) used to run them again, since claimRun answers `finished` for a
// cancelled run at every delivery, and sent a second records_dead_lettered event for the same run
// and records in the rule's next digest (session 32's audit; failing before its fix). The worker now
// claims a finished run's follow-ups (claimFollowUps, runs.follow_ups_at) and runs them only if its
// claim set it (runFollowUpsOnce).
import { assignFailedToRun, claimRun, countDeadLetteredByRun, createAlertRule, createRun, requeueRun, type Config } from "@qiao/db";
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
  bed = await openQueueTestBed("dl_cancel", 1);
  ({ t, cfg, queue } = bed);
  receiver = createAlertReceiver();
  receiverUrl = await receiver.listen(0);
});
afterAll(async () => {
  await worker?.close();
  await receiver?.close();
  await bed?.close();
});

test("dead letters made by cancelling a handed-back automatic retry raise the records_dead_lettered rule, once however often its job is delivered", async () => {
  const scheme = await t.db.scheme.create({ data: { name: "店铺 → 客户", definition: {} } });
  const channel = await dingtalkChannel(t.db, receiverUrl);
  const rule = await createAlertRule(t.db, { name: "死信", kind: "records_dead_lettered", schemeId: scheme.id, threshold: 1, channelIds: [channel.id] });

  // Three transient failures at the default schedule's last step (four automatic retries done).
  const first = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
  await t.db.run.update({ where: { id: first.id }, data: { status: "partial", phase: "done", failed: 3, finishedAt: new Date() } });
  const records = await transientFailures(t.db, { schemeId: scheme.id, runId: first.id, count: 3 });
  // The automatic retry: its first attempt took them, then the worker stopped and handed it back
  // (queued again, its job back in `waiting`).
  const retry = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "retry", options: { scope: "scheme", automatic: true } });
  // Its job, as enqueueRun adds it (@qiao/jobs queue.ts).
  await queue.add(JOB.run, { runId: retry.id }, { jobId: retry.id });
  const claim = await claimRun(t.db, retry.id, new Date());
  if (!claim.claimed) throw new Error("not claimed");
  await assignFailedToRun(t.db, { schemeId: scheme.id, runId: retry.id, attempt: claim.run.attempt, records: records.map((r) => ({ id: r.id, hash: r.payloadHash })), automatic: true });
  await requeueRun(t.db, retry.id, claim.run.attempt);

  // Someone presses 取消 (the web route calls @qiao/jobs' cancelRun).
  expect((await cancelRun(t.db, queue, retry.id))?.status).toBe("cancelled");
  // Its job stays, for the worker that takes it to find it cancelled and run its follow-ups.
  expect(await queue.getJob(retry.id)).toBeDefined();
  // The three are dead letters of this run, as the follow-up counts them.
  expect(await countDeadLetteredByRun(t.db, retry.id)).toBe(3);

  worker = await startWorker({ db: t.db, config: cfg, logger: pino({ level: "silent" }), settings: { ...workerSettings({}), WORKER_RECONCILE_INTERVAL_MS: 60_000 } });
  await expect
    .poll(() => receiver.inbox.summary("dingtalk").alerts.length, { timeout: 5_000, interval: 200 })
    .toBe(1);
  // With the reasons of the dead letters (session 27: the alert said only how many).
  const text = (receiver.inbox.summary("dingtalk").alerts[0]!.body as { markdown: { text: string } }).markdown.text;
  const reasons = await t.db.runRecord.findMany({ where: { runId: retry.id, status: "failed" }, select: { sourceId: true, error: true } });
  expect(reasons).toHaveLength(3);
  for (const r of reasons) expect(text).toContain(`记录 ${r.sourceId}：${r.error}`);

  // The same job delivered again (as BullMQ redelivers a job whose worker died before completing it).
  await expect.poll(async () => (await queue.getJob(retry.id))?.finishedOn !== undefined, { timeout: 5_000, interval: 100 }).toBe(true);
  await (await queue.getJob(retry.id))?.remove();
  await queue.add(JOB.run, { runId: retry.id }, { jobId: retry.id });
  await expect.poll(async () => (await queue.getJob(retry.id))?.finishedOn !== undefined, { timeout: 5_000, interval: 100 }).toBe(true);
  await new Promise((r) => setTimeout(r, 500));
  // One run end, one announcement: nothing more waits in the rule's window for its next digest.
  const window = await t.db.alertWindow.findUnique({ where: { ruleId_scope: { ruleId: rule.id, scope: scheme.id } } });
  expect({ sent: receiver.inbox.summary("dingtalk").alerts.length, waitingForDigest: window?.pendingCount ?? 0 }).toEqual({ sent: 1, waitingForDigest: 0 });
}, 60_000);
