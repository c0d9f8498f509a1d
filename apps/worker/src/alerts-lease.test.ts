// A digest claimed late in a slow maintenance tick is not sent again by the next tick meanwhile
// (session 27's audit). runMaintenance passed the tick's start to every step, and the alert step
// passed it on to its stale check and its digest flush: a claim's lease was counted from when the
// tick BEGAN. A tick whose earlier work was slow (webhooks timing out for many stale schemes: 36 s per
// channel per scheme) claimed a digest under a lease already over, and the next minute's tick on
// another worker took the same digest while the first was delivering it: the group got it twice,
// with no crash (docs/alerts.md: without a crash every message is sent once).
//
// The slow earlier step moves a fake clock (Date and performance only: every timer and socket is
// real) six minutes on; the 钉钉 robot answers after 1.5 s, through a gate in front of the receiver.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { flushAlertDigests } from "@qiao/alerts";
import { createAlertRule, outboundPolicy, type Config } from "@qiao/db";
import type { TestDb } from "@qiao/engine/testing";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import { createAlertReceiver, type AlertReceiver } from "@qiao/simulators";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, expect, test, vi } from "vitest";
import { alertMaintenance } from "./alerts";
import { runMaintenance, type MaintenanceStep, type WorkerDeps } from "./follow-ups";
import { createWorkerMetrics } from "./metrics";
import { dingtalkChannel } from "./testing";

let bed: QueueTestBed;
let t: TestDb;
let cfg: Config;
let queue: Queue;
let receiver: AlertReceiver;
let gate: Server;
let gateUrl: string;

beforeAll(async () => {
  bed = await openQueueTestBed("worker_alert_lease", 4);
  ({ t, cfg, queue } = bed);
  receiver = createAlertReceiver();
  const receiverUrl = await receiver.listen(0);
  gate = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      setTimeout(() => {
        void fetch(`${receiverUrl}${req.url ?? "/"}`, { method: "POST", headers: { "content-type": "application/json" }, body: Buffer.concat(chunks) }).then(
          async (answer) => {
            res.writeHead(answer.status, { "content-type": "application/json" });
            res.end(await answer.text());
          },
          () => res.writeHead(502).end(),
        );
      }, 1_500);
    });
  });
  await new Promise<void>((resolve) => gate.listen(0, "127.0.0.1", resolve));
  gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`;
});

afterEach(() => vi.useRealTimers());

afterAll(async () => {
  gate?.closeAllConnections();
  await new Promise<void>((resolve) => gate?.close(() => resolve()));
  await receiver?.close();
  await bed?.close();
});

test("a digest claimed after a slow first part of the tick is leased from its claim: the next tick does not send it again", async () => {
  const scheme = await t.db.scheme.create({ data: { name: "店铺 → 客户", definition: {} } });
  const channel = await dingtalkChannel(t.db, gateUrl);
  const rule = await createAlertRule(t.db, { name: "失败", kind: "run_failed", schemeId: scheme.id, threshold: 0, channelIds: [channel.id] });
  const event = (runId: string) => ({ kind: "run_failed", at: new Date().toISOString(), schemeId: scheme.id, runId, counts: { fetched: 1, written: 0, failed: 1, skipped: 0 }, errors: [] });
  const tickStart = new Date();
  // A window that ended before the tick began, two failures waiting for its digest.
  await t.db.alertWindow.create({
    data: { ruleId: rule.id, scope: scheme.id, until: new Date(tickStart.getTime() - 60_000), pending: [event("r1"), event("r2")], pendingCount: 2 },
  });

  vi.useFakeTimers({ toFake: ["Date", "performance"], now: tickStart });
  const deps: WorkerDeps = { db: t.db, queue, cfg: { ...cfg, QIAO_PUBLIC_URL: "http://qiao.example" }, log: pino({ level: "silent" }), metrics: createWorkerMetrics() };
  const slow: MaintenanceStep = {
    name: "slow",
    async run() {
      vi.advanceTimersByTime(6 * 60_000);
    },
  };
  // Worker 1's tick: six minutes of earlier steps, then the alerts step starts delivering the digest …
  const first = runMaintenance(deps, [slow, alertMaintenance], tickStart);
  await new Promise((r) => setTimeout(r, 500));
  // … while worker 2 runs this minute's tick.
  const second = flushAlertDigests({ db: t.db, publicUrl: "http://qiao.example", policy: outboundPolicy({ ...cfg, QIAO_ALLOW_PRIVATE_TARGETS: true }) }, new Date());
  const [ran] = await Promise.all([first, second]);
  expect(ran.failed).toEqual([]);

  // One digest, one message to the group.
  expect(receiver.inbox.summary("dingtalk").alerts).toHaveLength(1);
  expect(await t.db.alertWindow.findFirstOrThrow({ where: { ruleId: rule.id } })).toMatchObject({ inFlightCount: 0 });
}, 40_000);
