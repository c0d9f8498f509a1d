// Alerts end to end in the worker: a failing scheme's run, executed by the real worker against the
// simulators, leaves exactly one signed 钉钉 alert for that run in the simulators' receiver, and a
// second failure inside the rate window sends nothing more (it waits for the digest).
import { createAlertRule, createConnection, type Config } from "@qiao/db";
import { kingdee, splitCredentials } from "@qiao/connectors";
import { KINGDEE_DEMO, type Simulated, type TestDb } from "@qiao/engine/testing";
import { requestRun } from "@qiao/jobs";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import { createAlertReceiver, type AlertReceiver } from "@qiao/simulators";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { workerSettings } from "./settings";
import { startWorker } from "./worker";
import { dingtalkChannel } from "./testing";

let bed: QueueTestBed;
let t: TestDb;
let sim: Simulated;
let cfg: Config;
let queue: Queue;
let receiver: AlertReceiver;
let receiverUrl: string;

beforeAll(async () => {
  bed = await openQueueTestBed("worker_alerts", 20);
  ({ t, sim, cfg, queue } = bed);
  receiver = createAlertReceiver();
  receiverUrl = await receiver.listen(0);
});
afterAll(async () => {
  await receiver?.close();
  await bed?.close();
});

test("a failed run leaves exactly one signed alert for that run; a second failure inside the window none", async () => {
  const wrongPassword = await createConnection(t.db, {
    platform: "kingdee",
    name: "金蝶（密码错误）",
    baseUrl: sim.kingdeeUrl,
    ...splitCredentials(kingdee.meta, { ...KINGDEE_DEMO, password: "not-the-password" }),
  });
  const scheme = await sim.createScheme((def) => {
    const target = def.nodes.find((n) => n.type === "target");
    if (target?.type === "target") target.config.connectionId = wrongPassword.id;
  });
  const channel = await dingtalkChannel(t.db, receiverUrl);
  await createAlertRule(t.db, { name: "运行失败", kind: "run_failed", schemeId: scheme.id, threshold: 0, channelIds: [channel.id] });

  const w = await startWorker({
    db: t.db,
    config: { ...cfg, QIAO_PUBLIC_URL: "http://qiao.example:3000" },
    logger: pino({ level: "silent" }),
    settings: { ...workerSettings({}), WORKER_CONNECTION_QPS: 1000, WORKER_RECONCILE_INTERVAL_MS: 60_000 },
  });
  try {
    const runStatus = (id: string) => t.db.run.findUniqueOrThrow({ where: { id } }).then((r) => r.status);
    const first = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });
    await expect.poll(() => runStatus(first.id), { timeout: 30_000, interval: 200 }).toBe("failed");
    await expect.poll(() => receiver.inbox.summary("dingtalk").alerts.length, { timeout: 10_000, interval: 100 }).toBe(1);
    const [alert] = receiver.inbox.summary("dingtalk").alerts;
    expect(alert!.signed).toBe(true);
    const text = (alert!.body as { markdown: { text: string } }).markdown.text;
    expect(text).toContain(`http://qiao.example:3000/runs/${first.id}`);
    expect(text).toContain("运行失败");

    const second = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });
    await expect.poll(() => runStatus(second.id), { timeout: 30_000, interval: 200 }).toBe("failed");
    // The follow-up ran (the event waits in the window's digest) and sent nothing.
    await expect.poll(() => t.db.alertWindow.findFirst({ where: { scope: scheme.id } }).then((row) => row?.pendingCount), { timeout: 10_000 }).toBe(1);
    expect(receiver.inbox.summary().counts).toEqual({ dingtalk: 1, wecom: 0, webhook: 0, email: 0 });
    expect(receiver.inbox.refused).toEqual([]);
  } finally {
    await w.close();
  }
}, 90_000);
