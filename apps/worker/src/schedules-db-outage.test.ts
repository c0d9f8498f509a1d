// A cron tick that falls due while Postgres is restarting still queues its run (or reconciliation)
// once Postgres is back: tick jobs are retried with backoff (TICK_JOB_OPTIONS, @qiao/jobs) as run
// jobs are. With a single attempt, a tick whose requestRun met a restarting Postgres failed for good:
// the nightly 02:00 sync skipped until the next night, nothing in the UI saying so.
//
// Postgres "restarts" for the worker only: its pool goes through a loopback TCP proxy of this test
// that drops every connection and refuses new ones for a few seconds (the shared server is not
// touched). Real Postgres (own database), Redis (own prefix), the simulators.
import net from "node:net";
import { createPrisma, type Config, type Db } from "@qiao/db";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import { reconcileSchedulerId, syncReconcileSchedule, syncSchemeSchedule } from "@qiao/jobs";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { workerSettings } from "./settings";
import { startWorker, type RunningWorker } from "./worker";

/** A loopback TCP proxy in front of Postgres that can play "server restarting". */
interface PgProxy {
  port: number;
  /** Drops every connection and refuses new ones (as a restarting server does). */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

async function startPgProxy(targetPort: number): Promise<PgProxy> {
  let isDown = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, "127.0.0.1");
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    down() {
      isDown = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    up() {
      isDown = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const log = pino({ level: "silent" });
let bed: QueueTestBed;
let t: TestDb;
let sim: Simulated;
let cfg: Config;
let queue: Queue;
let proxy: PgProxy;
let workerDb: Db;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  bed = await openQueueTestBed("pgtick", 5);
  ({ t, sim, cfg, queue } = bed);
  const url = new URL(t.database.url);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost" && url.hostname !== "::1" && url.hostname !== "[::1]") {
    throw new Error("this test only runs against a loopback Postgres");
  }
  proxy = await startPgProxy(Number(url.port || 5432));
  url.hostname = "127.0.0.1";
  url.port = String(proxy.port);
  workerDb = createPrisma(url.toString(), 5);
});

afterEach(async () => {
  proxy.up();
  await worker?.close();
  worker = undefined;
}, 30_000);

afterAll(async () => {
  await workerDb?.$disconnect();
  await proxy?.close();
  await bed?.close();
}, 30_000);

async function start(): Promise<void> {
  worker = await startWorker({
    db: workerDb,
    config: cfg,
    logger: log,
    settings: { ...workerSettings({}), WORKER_CONNECTION_QPS: 1000, WORKER_RECONCILE_INTERVAL_MS: 60_000 },
  });
}

const sleepUntil = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));

/** A daily cron (UTC) whose only tick today is `at` (e.g. the nightly sync at 02:00). */
function dailyAt(at: Date): string {
  return `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
}

/** Postgres restarts around `at` (down from 1 s before to 3 s after): the worker keeps running. */
async function postgresRestartsAround(at: Date): Promise<void> {
  await sleepUntil(at.getTime() - 1_000);
  proxy.down();
  await sleepUntil(at.getTime() + 3_000);
  proxy.up();
}

test("a scheme's cron tick that falls due while Postgres restarts still queues its run once Postgres is back", async () => {
  await start();
  const scheme = await sim.createScheme();
  const at = new Date(Math.ceil((Date.now() + 4_000) / 1000) * 1000);
  const cron = dailyAt(at);
  await t.db.scheme.update({ where: { id: scheme.id }, data: { cron, timezone: "UTC", enabled: true } });
  await syncSchemeSchedule(queue, { id: scheme.id, cron, timezone: "UTC", enabled: true });
  const tickId = `repeat:${scheme.id}:${at.getTime()}`;
  expect(await queue.getJob(tickId)).toBeDefined();

  await postgresRestartsAround(at);

  // Postgres is back a few seconds after the tick: today's scheduled run must still happen (a run
  // job would have been retried with backoff); the next tick is tomorrow.
  await expect
    .poll(() => t.db.run.count({ where: { schemeId: scheme.id, trigger: "schedule" } }), { timeout: 25_000, interval: 500 })
    .toBe(1);
}, 60_000);

test("a reconciliation cron tick that falls due while Postgres restarts still queues its reconciliation once Postgres is back", async () => {
  await start();
  const scheme = await sim.createScheme();
  const at = new Date(Math.ceil((Date.now() + 4_000) / 1000) * 1000);
  const reconcileCron = dailyAt(at);
  await t.db.scheme.update({ where: { id: scheme.id }, data: { reconcileCron, timezone: "UTC", enabled: true } });
  await syncReconcileSchedule(queue, { id: scheme.id, reconcileCron, timezone: "UTC", enabled: true, cron: null });
  expect(await queue.getJob(`repeat:${reconcileSchedulerId(scheme.id)}:${at.getTime()}`)).toBeDefined();

  await postgresRestartsAround(at);

  await expect
    .poll(() => t.db.reconciliation.count({ where: { schemeId: scheme.id } }), { timeout: 25_000, interval: 500 })
    .toBe(1);
}, 60_000);
