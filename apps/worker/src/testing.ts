// Test support for the worker's integration tests: worker processes spawned as in production, and
// an in-process worker on its own Postgres pool for the database fault tests.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { config, createAlertChannel, createPrisma, storedSecrets, updateConnection, type Config, type Db } from "@qiao/db";
import { testRedisPrefix } from "@qiao/db/testing";
import { DEFAULT_ALERT_RECEIVER_CONFIG as SIM } from "@qiao/simulators";
import { openTestDb, simulate, type Simulated, type TestDb } from "@qiao/engine/testing";
import { createRunQueue, deleteRedisPrefix } from "@qiao/jobs";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { expect } from "vitest";
import { startBatchSaveGate, type BatchSaveGate } from "./faults/batch-save-gate";
import { workerSettings, type WorkerSettings } from "./settings";
import { startWorker, type RunningWorker } from "./worker";

const WORKER_DIR = fileURLToPath(new URL("..", import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** Every stdout line so far (pino JSON). */
  lines: string[];
  /** Resolves when a line containing `text` was printed. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * `src/main.ts` in its own Node process with tsx as a loader (not the tsx CLI, which would put
 * the worker in a grandchild that a SIGKILL of the child would not reach).
 */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: WORKER_DIR,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters: { text: string; resolve: () => void }[] = [];
  let buffered = "";
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters.filter((w) => line.includes(w.text))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    waitFor(text, timeoutMs = 20_000) {
      if (lines.some((l) => l.includes(text))) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker did not print "${text}" in ${timeoutMs} ms:\n${lines.join("\n")}`)), timeoutMs);
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        void exited.then(() => reject(new Error(`worker exited before printing "${text}":\n${lines.join("\n")}`)));
      });
    },
  };
}

/**
 * What the tests that run worker processes against a gated 金蝶 share: a test database, the
 * simulators with the 金蝶 connection going through a BatchSave gate, a run queue under the test's
 * Redis prefix, and the worker processes the test starts, all stopped together.
 */
export interface GatedStack {
  t: TestDb;
  sim: Simulated;
  gate: BatchSaveGate;
  queue: Queue;
  /** The worker processes the test started (SIGKILLed by close if still running). */
  workers: WorkerProcess[];
  close(): Promise<void>;
}

export async function startGatedStack(label: string, redisPrefix: string, shops: Parameters<typeof simulate>[1]): Promise<GatedStack> {
  const t = await openTestDb(label);
  const sim = await simulate(t.db, shops);
  const gate = await startBatchSaveGate(sim.kingdeeUrl);
  // Moved the way a person moves it (its secrets typed again for the new address): secrets are
  // sealed for the address they were saved for, and a base URL changed behind the API opens none.
  const target = await t.db.connection.findUniqueOrThrow({ where: { id: sim.targetConnectionId } });
  await updateConnection(t.db, target.id, { baseUrl: gate.url, secrets: storedSecrets(target) as Record<string, string> });
  const queue = createRunQueue({ ...config(), REDIS_PREFIX: redisPrefix });
  const workers: WorkerProcess[] = [];
  return {
    t,
    sim,
    gate,
    queue,
    workers,
    async close() {
      for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
      await Promise.all(workers.map((w) => w.exited));
      await queue.close();
      await gate.close();
      await sim.close();
      await t.close();
    },
  };
}

/** A signed 钉钉 robot channel pointing at the simulators' alert receiver listening at `receiverUrl`. */
export function dingtalkChannel(db: Db, receiverUrl: string) {
  return createAlertChannel(db, {
    kind: "dingtalk",
    name: "运维群",
    settings: { msgtype: "markdown" },
    secrets: { url: `${receiverUrl}/robot/send?access_token=${SIM.dingtalkToken}`, secret: SIM.dingtalkSecret },
  });
}

// The test bed of the Postgres fault tests (faults/postgres-drop*.test.ts): a worker on its own named
// pool, so that only its connections are killed, and the two moves those tests make — kill every
// connection of the worker (a failover, a killed backend) and hold staging's writes on a lock so
// that the worker's next statement to it is mid-flight when they are killed.
export interface PostgresFaultBed {
  t: TestDb;
  sim: Simulated;
  cfg: Config;
  queue: Queue;
  /** Starts the worker on its own pool; the settings given override the bed's (fast locks, no QPS cap). */
  startWorker(settings?: Partial<WorkerSettings>): Promise<RunningWorker>;
  /** pg_terminate_backend on every connection of the worker's pool; how many there were. */
  terminateWorkerConnections(): Promise<number>;
  /** Holds an exclusive lock on staging (reads pass, writes wait) until `release` is called. */
  lockStaging(): Promise<{ release(): Promise<void> }>;
  /** Resolves once at least one of the worker's statements waits on a lock. */
  workerWaitsOnLock(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function openPostgresFaultBed(name: string, options: { shops: number; lockHoldMs: number }): Promise<PostgresFaultBed> {
  const app = `qiao-fault-${name}`;
  const t = await openTestDb(name);
  // One call at a time: the tests name the Nth call (call-slots.test.ts covers C > 1).
  const sim = await simulate(t.db, { shops: options.shops, concurrency: 1 });
  const cfg: Config = { ...config(), REDIS_PREFIX: testRedisPrefix(name), QIAO_UNKNOWN_OUTCOME_WAIT_S: 1 };
  const url = new URL(t.database.url);
  url.searchParams.set("application_name", app);
  const workerDb: Db = createPrisma(url.toString(), 5);
  const queue = createRunQueue(cfg);
  let worker: RunningWorker | undefined;

  return {
    t,
    sim,
    cfg,
    queue,
    async startWorker(settings = {}) {
      worker = await startWorker({
        db: workerDb,
        config: cfg,
        logger: pino({ level: "silent" }),
        settings: { ...workerSettings({}), WORKER_CONNECTION_QPS: 1000, WORKER_RECONCILE_INTERVAL_MS: 60_000, WORKER_LOCK_DURATION_MS: 3_000, ...settings },
      });
      return worker;
    },
    async terminateWorkerConnections() {
      const rows = await t.db.$queryRaw<{ pid: number }[]>`
        SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${app} AND datname = current_database()`;
      return rows.length;
    },
    async lockStaging() {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const tx = t.db.$transaction(
        async (db) => {
          await db.$executeRawUnsafe("LOCK TABLE source_records IN EXCLUSIVE MODE");
          locked();
          await released;
        },
        { timeout: options.lockHoldMs },
      );
      await isLocked;
      return {
        async release() {
          release();
          await tx;
        },
      };
    },
    async workerWaitsOnLock(timeoutMs) {
      const waiting = () => t.db.$queryRaw<unknown[]>`SELECT pid FROM pg_stat_activity WHERE application_name = ${app} AND wait_event_type = 'Lock'`;
      await expect.poll(async () => (await waiting()).length, { timeout: timeoutMs, interval: 20 }).toBeGreaterThanOrEqual(1);
    },
    async close() {
      await worker?.close();
      await queue.close();
      await workerDb.$disconnect();
      await sim.close();
      await t.close();
      await deleteRedisPrefix(cfg.REDIS_URL, cfg.REDIS_PREFIX);
    },
  };
}
