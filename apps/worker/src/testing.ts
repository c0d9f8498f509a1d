// Test support for the worker's integration tests: worker processes spawned as in production.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { config, createAlertChannel, type Db } from "@qiao/db";
import { DEFAULT_ALERT_RECEIVER_CONFIG as SIM } from "@qiao/simulators";
import { openTestDb, simulate, type Simulated, type TestDb } from "@qiao/engine/testing";
import { createRunQueue } from "@qiao/jobs";
import type { Queue } from "bullmq";
import { startBatchSaveGate, type BatchSaveGate } from "./faults/batch-save-gate";

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
  await t.db.connection.update({ where: { id: sim.targetConnectionId }, data: { baseUrl: gate.url } });
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

