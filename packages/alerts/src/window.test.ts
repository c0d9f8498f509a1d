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
import { flushAlertDigests, type AlertDeps } from "./alerts";
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

describe("the alert rate window", () => {
  test("two evaluators at once: one sends, the other's event waits for the digest; the digest is taken once", async () => {
    const ruleId = await rule();
    const now = new Date("2026-12-04T10:00:00Z");
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => admitAlertEvent(i % 2 ? a : b, { ruleId, scope: "s1", event: { n: i }, windowMs: WINDOW, now })),
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
    expect(await admitAlertEvent(a, { ruleId, scope: "s1", event: { n: 10 }, windowMs: WINDOW, now: new Date(later.getTime() + 1000) })).toBeNull();
  });

  test("scopes and rules have windows of their own", async () => {
    const r1 = await rule();
    const r2 = await rule();
    const now = new Date();
    const sent = await Promise.all([
      admitAlertEvent(a, { ruleId: r1, scope: "s1", event: {}, windowMs: WINDOW, now }),
      admitAlertEvent(b, { ruleId: r1, scope: "s2", event: {}, windowMs: WINDOW, now }),
      admitAlertEvent(a, { ruleId: r2, scope: "s1", event: {}, windowMs: WINDOW, now }),
    ]);
    expect(sent.every((s) => s !== null)).toBe(true);
  });

  test("an event after the window ended is sent at once together with what waited", async () => {
    const ruleId = await rule();
    const t0 = new Date("2026-12-04T08:00:00Z");
    expect(await admitAlertEvent(a, { ruleId, scope: "s", event: { n: 1 }, windowMs: WINDOW, now: t0 })).not.toBeNull();
    expect(await admitAlertEvent(b, { ruleId, scope: "s", event: { n: 2 }, windowMs: WINDOW, now: new Date(t0.getTime() + 60_000) })).toBeNull();
    const sent = await admitAlertEvent(a, { ruleId, scope: "s", event: { n: 3 }, windowMs: WINDOW, now: new Date(t0.getTime() + WINDOW + 5) });
    expect(sent).toMatchObject({ total: 2, events: [{ n: 2 }, { n: 3 }] });
  });

  test("a lasting condition is alerted once until it changes", async () => {
    const ruleId = await rule();
    const t0 = new Date("2026-12-04T06:00:00Z");
    const admit = (condition: string, at: number) => admitAlertEvent(a, { ruleId, scope: "", event: {}, windowMs: WINDOW, now: new Date(t0.getTime() + at), condition });
    expect(await admit("stale-since:x", 0)).not.toBeNull();
    expect(await admit("stale-since:x", 2 * WINDOW)).toBeNull();
    expect(await admit("stale-since:y", 3 * WINDOW)).not.toBeNull();
  });

  test("a claimed digest: nobody else takes it while its lease holds; after, it is sent again; only its holder clears it", async () => {
    await a.alertWindow.deleteMany();
    const ruleId = await rule();
    const t0 = new Date("2026-12-05T10:00:00Z");
    const at = (ms: number) => new Date(t0.getTime() + ms);
    expect(await admitAlertEvent(a, { ruleId, scope: "s", event: { n: 1 }, windowMs: WINDOW, now: t0 })).not.toBeNull();
    expect(await admitAlertEvent(a, { ruleId, scope: "s", event: { n: 2 }, windowMs: WINDOW, now: at(1000) })).toBeNull();

    const t1 = WINDOW + 1;
    const first = await claimDueAlertDigest(a, WINDOW, { now: at(t1), leaseMs: 60_000 });
    expect(first).toMatchObject({ ruleId, scope: "s", total: 1, events: [{ n: 2 }] });
    // Under the lease no other worker sends it.
    expect(await claimDueAlertDigest(b, WINDOW, { now: at(t1 + 59_999) })).toBeNull();
    // The claim started a new window: an event meanwhile waits for the next digest, not this one.
    expect(await admitAlertEvent(b, { ruleId, scope: "s", event: { n: 3 }, windowMs: WINDOW, now: at(t1 + 1000) })).toBeNull();
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
