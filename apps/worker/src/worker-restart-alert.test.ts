// The no_worker rule (threshold = the workers you run) during a normal restart of one of them: a
// worker that stops cleanly deletes its heartbeat at once, and the new process beats only once it is
// ready; a maintenance tick in that gap sees one worker fewer. It is not alerted unless a later tick
// still sees the shortfall (packages/alerts checkWorkersAlive; alerts.test.ts has the outage case).
import { createAlertRule, type Config } from "@qiao/db";
import type { TestDb } from "@qiao/engine/testing";
import { aliveWorkers } from "@qiao/jobs";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import { createAlertReceiver, type AlertReceiver } from "@qiao/simulators";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { alertMaintenance } from "./alerts";
import { runMaintenance, type WorkerDeps } from "./follow-ups";
import { createWorkerMetrics } from "./metrics";
import { workerSettings } from "./settings";
import { startWorker, type RunningWorker } from "./worker";
import { dingtalkChannel } from "./testing";

let bed: QueueTestBed;
let t: TestDb;
let cfg: Config;
let queue: Queue;
let receiver: AlertReceiver;
let receiverUrl: string;
const running: RunningWorker[] = [];

beforeAll(async () => {
  bed = await openQueueTestBed("worker_restart_alert", 1);
  ({ t, cfg, queue } = bed);
  receiver = createAlertReceiver();
  receiverUrl = await receiver.listen(0);
});
afterAll(async () => {
  for (const w of running) await w.close().catch(() => undefined);
  await receiver?.close();
  await bed?.close();
});

const start = async () => {
  const w = await startWorker({
    db: t.db,
    config: cfg,
    logger: pino({ level: "silent" }),
    settings: { ...workerSettings({}), WORKER_RECONCILE_INTERVAL_MS: 60_000 },
  });
  running.push(w);
  return w;
};

test("restarting one of two workers (graceful stop, start again) sends no 'too few workers' alert", async () => {
  const channel = await dingtalkChannel(t.db, receiverUrl);
  // Two workers run; the rule is told so (docs/alerts.md: threshold = the workers you run).
  await createAlertRule(t.db, { name: "worker 不足", kind: "no_worker", schemeId: null, threshold: 2, channelIds: [channel.id] });
  const a = await start();
  await start();
  expect((await aliveWorkers(queue)).length).toBe(2);
  const tick: WorkerDeps = { db: t.db, queue, cfg, log: pino({ level: "silent" }), metrics: createWorkerMetrics() };
  await runMaintenance(tick, [alertMaintenance]);
  expect(receiver.inbox.summary("dingtalk").alerts).toHaveLength(0);

  // A deploy restarts worker a: SIGTERM (graceful close), then the new process starts.
  await a.close();
  const restarting = start();
  // The once-a-minute tick lands while the new process is still starting (any tick within the gap).
  await runMaintenance(tick, [alertMaintenance]);
  await restarting;
  expect((await aliveWorkers(queue)).length).toBe(2);
  await runMaintenance(tick, [alertMaintenance]);

  expect(receiver.inbox.summary("dingtalk").alerts).toHaveLength(0);
}, 60_000);
