// The web app's watch over the workers (watchdog.ts): with no worker alive, a `no_worker` rule is
// alerted by the web app once the shortfall outlasts its grace, once per shortfall, and digests whose
// window ended go out; with a worker alive it does nothing. Against the simulators' 钉钉 receiver on
// 127.0.0.1.
import type { AlertDeps } from "@qiao/alerts";
import { beat, forgetWorker } from "@qiao/jobs";
import { createAlertReceiver, DEFAULT_ALERT_RECEIVER_CONFIG as SIM, type AlertReceiver } from "@qiao/simulators";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
let receiver: AlertReceiver;
let receiverUrl: string;

beforeAll(async () => {
  bed = await openRouteBed("webwatchdog");
  receiver = createAlertReceiver();
  receiverUrl = await receiver.listen(0);
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await bed?.close();
});

it("alerts a no_worker rule when no worker is alive, once per shortfall, and nothing while one is", { timeout: 60_000 }, async () => {
  const { watchWorkers } = await import("./watchdog");
  const { runQueue } = await import("./queue");
  const queue = runQueue();
  const db = bed.prisma;
  const channel = await bed.db.createAlertChannel(db, {
    kind: "dingtalk",
    name: "运维群",
    settings: { msgtype: "markdown" },
    secrets: { url: `${receiverUrl}/robot/send?access_token=${SIM.dingtalkToken}`, secret: SIM.dingtalkSecret },
  });
  await bed.db.createAlertRule(db, { name: "没有工作进程", kind: "no_worker", schemeId: null, threshold: 1, channelIds: [channel.id] });
  const deps: AlertDeps = { db, publicUrl: "http://qiao.example", policy: { allowPrivateTargets: true, allowedHosts: [], maxResponseBytes: 1_000_000, allowPlainSmtpLoopback: true } };
  const t0 = new Date();
  const minute = (n: number) => new Date(t0.getTime() + n * 60_000);

  // A worker is alive: the web app leaves everything to it.
  await beat(queue, { id: "w1", host: "test", pid: 1, version: "test", startedAt: t0.toISOString(), beatAt: t0.toISOString(), runs: [] });
  expect(await watchWorkers(deps, queue, minute(0))).toBeNull();

  // Every worker gone: the first look starts the grace, the next one a minute later alerts.
  await forgetWorker(queue, "w1");
  expect(await watchWorkers(deps, queue, minute(1))).toEqual([]);
  expect(receiver.inbox.summary("dingtalk").alerts).toHaveLength(0);
  const sent = await watchWorkers(deps, queue, minute(2));
  expect(sent).toEqual([expect.objectContaining({ ok: true })]);
  const alerts = receiver.inbox.summary("dingtalk").alerts;
  expect(alerts).toHaveLength(1);
  expect(alerts[0]!.signed).toBe(true);
  // The same shortfall is not alerted again.
  expect(await watchWorkers(deps, queue, minute(3))).toEqual([]);
  expect(receiver.inbox.summary("dingtalk").alerts).toHaveLength(1);
});
