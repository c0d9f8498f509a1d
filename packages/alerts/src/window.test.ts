// The rate window with two evaluators at once (two database clients, as two workers would have):
// exactly one message per rule and scope per window, the rest in one digest, claimed by one worker
// at a time and cleared only once delivered (a worker killed while sending loses no digest).
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import {
  admitAlertEvent,
  ALERT_DIGEST_LEASE_MS,
  claimDueAlertDigest,
  completeAlertDigest,
  createAlertChannel,
  createAlertRule,
  createPrisma,
  type Db,
} from "@qiao/db";
import { createTestDatabase, type TestDatabase } from "@qiao/db/testing";
import { createAlertReceiver, DEFAULT_ALERT_RECEIVER_CONFIG as SIM, type AlertReceiver } from "@qiao/simulators";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { alertRecordsDeadLettered, flushAlertDigests, type AlertDeps } from "./alerts";
import { LOOPBACK_POLICY } from "./testing/fixtures";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

let database: TestDatabase;
let a: Db;
let b: Db;

beforeAll(async () => {
  database = await createTestDatabase("alert_window");
  a = createPrisma(database.url, 4);
  b = createPrisma(database.url, 4);
});

afterAll(async () => {
  await a?.$disconnect();
  await b?.$disconnect();
  await database?.drop();
});

const WINDOW = 15 * 60_000;

async function rule(): Promise<string> {
  return (await createAlertRule(a, { name: "失败", kind: "run_failed", schemeId: null, threshold: 0, channelIds: [] })).id;
}

/** admitAlertEvent as raise uses it: what is to be sent now is delivered, then completed. */
async function admit(db: Db, input: Parameters<typeof admitAlertEvent>[1]): ReturnType<typeof admitAlertEvent> {
  const sent = await admitAlertEvent(db, input);
  if (sent) expect(await completeAlertDigest(db, sent)).toBe(true);
  return sent;
}

describe("the alert rate window", () => {
  test("two evaluators at once: one sends, the other's event waits for the digest; the digest is taken once", async () => {
    const ruleId = await rule();
    const now = new Date("2026-12-04T10:00:00Z");
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => admit(i % 2 ? a : b, { ruleId, scope: "s1", event: { n: i }, windowMs: WINDOW, now })),
    );
    const sent = results.filter((r) => r !== null);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.total).toBe(1);

    // Inside the window nothing is due; after it, both evaluators flush at once: one takes the digest.
    expect(await claimDueAlertDigest(a, WINDOW, { now: new Date(now.getTime() + WINDOW - 1) })).toBeNull();
    const later = new Date(now.getTime() + WINDOW + 1);
    const [x, y] = await Promise.all([claimDueAlertDigest(a, WINDOW, { now: later }), claimDueAlertDigest(b, WINDOW, { now: later })]);
    const digests = [x, y].filter((d) => d !== null);
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatchObject({ ruleId, scope: "s1", total: 9 });
    expect(digests[0]!.events).toHaveLength(9);
    expect(await completeAlertDigest(a, digests[0]!)).toBe(true);
    // The digest was a message: a new window started with it.
    expect(await admit(a, { ruleId, scope: "s1", event: { n: 10 }, windowMs: WINDOW, now: new Date(later.getTime() + 1000) })).toBeNull();
  });

  test("scopes and rules have windows of their own", async () => {
    const r1 = await rule();
    const r2 = await rule();
    const now = new Date();
    const sent = await Promise.all([
      admit(a, { ruleId: r1, scope: "s1", event: {}, windowMs: WINDOW, now }),
      admit(b, { ruleId: r1, scope: "s2", event: {}, windowMs: WINDOW, now }),
      admit(a, { ruleId: r2, scope: "s1", event: {}, windowMs: WINDOW, now }),
    ]);
    expect(sent.every((s) => s !== null)).toBe(true);
  });

  test("an event after the window ended is sent at once together with what waited", async () => {
    const ruleId = await rule();
    const t0 = new Date("2026-12-04T08:00:00Z");
    expect(await admit(a, { ruleId, scope: "s", event: { n: 1 }, windowMs: WINDOW, now: t0 })).not.toBeNull();
    expect(await admit(b, { ruleId, scope: "s", event: { n: 2 }, windowMs: WINDOW, now: new Date(t0.getTime() + 60_000) })).toBeNull();
    const sent = await admit(a, { ruleId, scope: "s", event: { n: 3 }, windowMs: WINDOW, now: new Date(t0.getTime() + WINDOW + 5) });
    expect(sent).toMatchObject({ total: 2, events: [{ n: 2 }, { n: 3 }] });
  });

  test("a lasting condition is alerted once until it changes", async () => {
    const ruleId = await rule();
    const t0 = new Date("2026-12-04T06:00:00Z");
    const admitAt = (condition: string, at: number) => admit(a, { ruleId, scope: "", event: {}, windowMs: WINDOW, now: new Date(t0.getTime() + at), condition });
    expect(await admitAt("stale-since:x", 0)).not.toBeNull();
    expect(await admitAt("stale-since:x", 2 * WINDOW)).toBeNull();
    expect(await admitAt("stale-since:y", 3 * WINDOW)).not.toBeNull();
  });

  test("a claimed digest: nobody else takes it while its lease holds; after, it is sent again; only its holder clears it", async () => {
    await a.alertWindow.deleteMany();
    const ruleId = await rule();
    const t0 = new Date("2026-12-05T10:00:00Z");
    const at = (ms: number) => new Date(t0.getTime() + ms);
    expect(await admit(a, { ruleId, scope: "s", event: { n: 1 }, windowMs: WINDOW, now: t0 })).not.toBeNull();
    expect(await admit(a, { ruleId, scope: "s", event: { n: 2 }, windowMs: WINDOW, now: at(1000) })).toBeNull();

    const t1 = WINDOW + 1;
    const first = await claimDueAlertDigest(a, WINDOW, { now: at(t1), leaseMs: 60_000 });
    expect(first).toMatchObject({ ruleId, scope: "s", total: 1, events: [{ n: 2 }] });
    // Under the lease no other worker sends it.
    expect(await claimDueAlertDigest(b, WINDOW, { now: at(t1 + 59_999) })).toBeNull();
    // The claim started a new window: an event meanwhile waits for the next digest, not this one.
    expect(await admit(b, { ruleId, scope: "s", event: { n: 3 }, windowMs: WINDOW, now: at(t1 + 1000) })).toBeNull();
    // The holder was killed: when the lease ends another worker takes the same digest (at least once).
    const again = await claimDueAlertDigest(b, WINDOW, { now: at(t1 + 60_000), leaseMs: 60_000 });
    expect(again).toMatchObject({ ruleId, scope: "s", total: 1, events: [{ n: 2 }] });
    // A holder whose lease ended cannot clear what another worker retook.
    expect(await completeAlertDigest(a, first!)).toBe(false);
    expect(await completeAlertDigest(b, again!)).toBe(true);
    expect(await claimDueAlertDigest(a, WINDOW, { now: at(t1 + 120_000) })).toBeNull();
    // The event that arrived meanwhile goes out when its window ends.
    expect(await claimDueAlertDigest(a, WINDOW, { now: at(t1 + WINDOW + 1) })).toMatchObject({ total: 1, events: [{ n: 3 }] });
  });

  test("an alert sent at once is held under a lease too: retaken as the same message when its sender dies, cleared only by its holder", async () => {
    await a.alertWindow.deleteMany();
    const ruleId = await rule();
    const t0 = new Date("2026-12-06T10:00:00Z");
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const sent = await admitAlertEvent(a, { ruleId, scope: "s", event: { n: 1 }, windowMs: WINDOW, now: t0, leaseMs: 60_000 });
    expect(sent).toMatchObject({ ruleId, scope: "s", total: 1, events: [{ n: 1 }], digest: false, leaseUntil: at(60_000) });
    // Nothing was emptied before delivery, and no tick sends it while its sender holds the lease.
    expect(await claimDueAlertDigest(b, WINDOW, { now: at(59_999) })).toBeNull();
    // The window started with it: an event meanwhile waits for the digest.
    expect(await admitAlertEvent(b, { ruleId, scope: "s", event: { n: 2 }, windowMs: WINDOW, now: at(1000) })).toBeNull();
    // The sender was killed before delivery: the tick after the lease sends the same message (not a digest of one).
    const again = await claimDueAlertDigest(b, WINDOW, { now: at(60_000), leaseMs: 60_000 });
    expect(again).toMatchObject({ ruleId, scope: "s", total: 1, events: [{ n: 1 }], digest: false });
    expect(await completeAlertDigest(a, sent!)).toBe(false);
    expect(await completeAlertDigest(b, again!)).toBe(true);
    expect(await claimDueAlertDigest(a, WINDOW, { now: at(120_000) })).toBeNull();
    // The event that waited goes out as the window's digest.
    expect(await claimDueAlertDigest(a, WINDOW, { now: at(WINDOW + 1) })).toMatchObject({ total: 1, events: [{ n: 2 }], digest: true });
  });

  test("a window that ended while its last message is still being sent: the event waits, one message in flight at a time", async () => {
    await a.alertWindow.deleteMany();
    const ruleId = await rule();
    const t0 = new Date("2026-12-07T10:00:00Z");
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const short = 1000;
    const sent = await admitAlertEvent(a, { ruleId, scope: "s", event: { n: 1 }, windowMs: short, now: t0, leaseMs: 60_000 });
    expect(sent).not.toBeNull();
    // The (short) window ended, the first message is still being sent: the next event does not replace it.
    expect(await admitAlertEvent(b, { ruleId, scope: "s", event: { n: 2 }, windowMs: short, now: at(2000) })).toBeNull();
    expect(await claimDueAlertDigest(b, short, { now: at(3000) })).toBeNull();
    expect(await completeAlertDigest(a, sent!)).toBe(true);
    expect(await claimDueAlertDigest(b, short, { now: at(4000) })).toMatchObject({ total: 1, events: [{ n: 2 }], digest: true });
  });
});

// docs/alerts.md: events in a window are in Postgres and are sent by whichever worker runs the next
// tick. A worker killed while it sends a digest (a webhook slow to answer: 10 s × 3 attempts + 6 s
// of waits per channel) used to lose it and every other digest it had taken (up to 200, emptied in
// one transaction before sending).
describe("a worker killed while sending digests", () => {
  let receiver: AlertReceiver;
  let receiverUrl: string;
  /** A webhook receiver that takes the request and never answers (slow, or down behind a proxy). */
  let slow: Server;
  let slowUrl: string;
  const slowRequests: IncomingMessage[] = [];

  beforeAll(async () => {
    receiver = createAlertReceiver();
    receiverUrl = await receiver.listen(0);
    slow = createServer((req) => void slowRequests.push(req));
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    for (const r of slowRequests) r.socket.destroy();
    await new Promise<void>((resolve) => slow?.close(() => resolve()));
    await receiver?.close();
  });

  const event = (schemeId: string, runId: string) => ({
    kind: "run_failed",
    at: new Date().toISOString(),
    schemeId,
    runId,
    counts: { fetched: 1, written: 0, failed: 1, skipped: 0 },
    errors: [],
  });

  test("the digests it had not reached are sent by the next tick, the one it was sending once its lease ends", async () => {
    await a.alertWindow.deleteMany();
    const scheme = await a.scheme.create({ data: { name: "店铺 → 客户", definition: {} } });
    const webhook = await createAlertChannel(a, { kind: "webhook", name: "慢的 webhook", settings: {}, secrets: { url: slowUrl } });
    const dingtalk = await createAlertChannel(a, {
      kind: "dingtalk",
      name: "运维群",
      settings: { msgtype: "markdown" },
      secrets: { url: `${receiverUrl}/robot/send?access_token=${SIM.dingtalkToken}`, secret: SIM.dingtalkSecret },
    });
    const toWebhook = await createAlertRule(a, { name: "失败 → webhook", kind: "run_failed", schemeId: scheme.id, threshold: 0, channelIds: [webhook.id] });
    const toDingtalk = await createAlertRule(a, { name: "失败 → 钉钉", kind: "run_failed", schemeId: scheme.id, threshold: 0, channelIds: [dingtalk.id] });
    // Both rules' windows ended with two failures waiting for their digest (the webhook's ended first).
    const ended = Date.now() - 60_000;
    for (const [r, until] of [
      [toWebhook, ended - 1000],
      [toDingtalk, ended],
    ] as const) {
      await a.alertWindow.create({
        data: { ruleId: r.id, scope: scheme.id, until: new Date(until), pending: [event(scheme.id, "r1"), event(scheme.id, "r2")], pendingCount: 2 },
      });
    }

    // A worker's maintenance tick, in its own process: it starts sending the digests …
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `import { createPrisma } from "@qiao/db";
         import { flushAlertDigests } from "@qiao/alerts";
         const db = createPrisma(process.env.QIAO_TEST_DB_URL, 2);
         await flushAlertDigests({ db, publicUrl: "http://qiao.example", policy: ${JSON.stringify(LOOPBACK_POLICY)} });
         console.log("flushed");`,
      ],
      { cwd: PACKAGE_DIR, env: { ...process.env, QIAO_TEST_DB_URL: database.url }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    // … and is killed (OOM, a host reboot, `docker stop`'s SIGKILL) while the webhook has not answered.
    await expect.poll(() => slowRequests.length, { timeout: 30_000, interval: 100 }).toBeGreaterThan(0);
    child.kill("SIGKILL");
    await exited;
    expect(output).not.toContain("flushed");

    // The next tick, on another worker: the 钉钉 rule's two failures reach the group; the webhook's
    // digest is still the killed worker's (its lease holds), so it is not sent twice at once.
    const deps: AlertDeps = { db: b, publicUrl: "http://qiao.example", policy: LOOPBACK_POLICY, timeoutMs: 2_000, retryDelaysMs: [] };
    await flushAlertDigests(deps, new Date(Date.now() + 1000));
    expect(receiver.inbox.summary("dingtalk").alerts).toHaveLength(1);
    expect(slowRequests).toHaveLength(1);

    // A tick after the lease ended sends the webhook's digest again (at least once: a receiver that
    // got the first attempt sees it twice); the 钉钉 digest was delivered and is not sent again.
    const results = await flushAlertDigests(deps, new Date(Date.now() + ALERT_DIGEST_LEASE_MS + 1000));
    expect(results).toEqual([expect.objectContaining({ channelId: webhook.id, ok: false })]);
    expect(slowRequests).toHaveLength(2);
    expect(receiver.inbox.summary("dingtalk").alerts).toHaveLength(1);
    expect(await a.alertWindow.findMany({ where: { inFlightCount: { gt: 0 } } })).toEqual([]);
  }, 60_000);
});

// docs/alerts.md: an alert whose window had ended is sent at once. Before session 18 the window's
// `pending` was emptied (and a new window started) in the transaction that decided to send, before
// the channel was called: a worker killed right then lost the message, and the window it started
// kept the rule's next events back for 15 minutes more.
describe("a worker killed while sending an alert at once", () => {
  let receiver: AlertReceiver;
  let receiverUrl: string;
  /** In front of the receiver: holds the first request and never answers it; forwards the others. */
  let gate: Server;
  let gateUrl: string;
  const held: IncomingMessage[] = [];

  beforeAll(async () => {
    receiver = createAlertReceiver();
    receiverUrl = await receiver.listen(0);
    gate = createServer((req, res) => {
      if (held.length === 0) return void held.push(req);
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        void fetch(`${receiverUrl}${req.url ?? "/"}`, {
          method: req.method ?? "POST",
          headers: { "content-type": req.headers["content-type"] ?? "application/json" },
          body: Buffer.concat(chunks),
        }).then(
          async (answer) => {
            res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
            res.end(await answer.text());
          },
          () => res.writeHead(502).end(),
        );
      });
    });
    await new Promise<void>((resolve) => gate.listen(0, "127.0.0.1", resolve));
    gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const r of held) r.socket.destroy();
    gate?.closeAllConnections();
    await new Promise<void>((resolve) => gate?.close(() => resolve()));
    await receiver?.close();
  });

  test("the message is sent by a tick once its lease ends, once, as the message it was (not a digest)", async () => {
    await a.alertWindow.deleteMany();
    const scheme = await a.scheme.create({ data: { name: "订单 → 销售出库", definition: {} } });
    const dingtalk = await createAlertChannel(a, {
      kind: "dingtalk",
      name: "运维群（经网关）",
      settings: { msgtype: "markdown" },
      secrets: { url: `${gateUrl}/robot/send?access_token=${SIM.dingtalkToken}`, secret: SIM.dingtalkSecret },
    });
    await createAlertRule(a, { name: "死信", kind: "records_dead_lettered", schemeId: scheme.id, threshold: 1, channelIds: [dingtalk.id] });

    // A worker's retry policy dead-letters 3 records: the rule's window has ended (it has none yet),
    // so the alert goes out at once …
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `import { createPrisma } from "@qiao/db";
         import { alertRecordsDeadLettered } from "@qiao/alerts";
         const db = createPrisma(process.env.QIAO_TEST_DB_URL, 2);
         await alertRecordsDeadLettered({ db, publicUrl: "http://qiao.example", policy: ${JSON.stringify(LOOPBACK_POLICY)} }, { schemeId: ${JSON.stringify(scheme.id)}, count: 3 });
         console.log("sent");`,
      ],
      { cwd: PACKAGE_DIR, env: { ...process.env, QIAO_TEST_DB_URL: database.url }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    // … and the worker is killed while the robot has not answered (nothing reached the group).
    await expect.poll(() => held.length, { timeout: 30_000, interval: 100 }).toBeGreaterThan(0);
    child.kill("SIGKILL");
    await exited;
    expect(output).not.toContain("sent");
    expect(receiver.inbox.summary("dingtalk").alerts).toHaveLength(0);

    // Another worker's tick while the killed worker's lease holds: not sent (never twice at once).
    const deps: AlertDeps = { db: b, publicUrl: "http://qiao.example", policy: LOOPBACK_POLICY, timeoutMs: 2_000, retryDelaysMs: [] };
    expect(await flushAlertDigests(deps, new Date(Date.now() + 1000))).toEqual([]);

    // The first tick after the lease ended sends it: the group gets the alert, as the single
    // message it was; later ticks send nothing more.
    const results = await flushAlertDigests(deps, new Date(Date.now() + ALERT_DIGEST_LEASE_MS + 1000));
    expect(results).toEqual([expect.objectContaining({ channelId: dingtalk.id, ok: true })]);
    const alerts = receiver.inbox.summary("dingtalk").alerts;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.signed).toBe(true);
    const body = JSON.stringify(alerts[0]!.body);
    expect(body).toContain("有 3 条记录进入死信");
    expect(body).not.toContain("告警窗口内");
    expect(await flushAlertDigests(deps, new Date(Date.now() + 2 * ALERT_DIGEST_LEASE_MS + 1000))).toEqual([]);
    expect(receiver.inbox.summary("dingtalk").alerts).toHaveLength(1);
    expect(await a.alertWindow.findMany({ where: { inFlightCount: { gt: 0 } } })).toEqual([]);
  }, 60_000);

  test("delivered at once in the normal path: cleared at once, never sent again by a tick", async () => {
    await a.alertWindow.deleteMany();
    receiver.inbox.reset();
    const scheme = await a.scheme.create({ data: { name: "店铺 → 客户（直发）", definition: {} } });
    const dingtalk = await createAlertChannel(a, {
      kind: "dingtalk",
      name: "运维群",
      settings: { msgtype: "markdown" },
      secrets: { url: `${receiverUrl}/robot/send?access_token=${SIM.dingtalkToken}`, secret: SIM.dingtalkSecret },
    });
    await createAlertRule(a, { name: "死信", kind: "records_dead_lettered", schemeId: scheme.id, threshold: 1, channelIds: [dingtalk.id] });
    const deps: AlertDeps = { db: a, publicUrl: "http://qiao.example", policy: LOOPBACK_POLICY, timeoutMs: 2_000, retryDelaysMs: [] };
    expect(await alertRecordsDeadLettered(deps, { schemeId: scheme.id, count: 2 })).toEqual([expect.objectContaining({ ok: true })]);
    expect(receiver.inbox.summary("dingtalk").alerts).toHaveLength(1);
    expect(await a.alertWindow.findMany({ where: { inFlightCount: { gt: 0 } } })).toEqual([]);
    // Ticks after the lease and after the window: nothing more (no event waited).
    expect(await flushAlertDigests(deps, new Date(Date.now() + ALERT_DIGEST_LEASE_MS + 1000))).toEqual([]);
    expect(await flushAlertDigests(deps, new Date(Date.now() + 20 * 60_000))).toEqual([]);
    expect(receiver.inbox.summary("dingtalk").alerts).toHaveLength(1);
  });
});
