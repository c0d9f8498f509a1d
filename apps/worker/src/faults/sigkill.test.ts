// Issue 7: one run, two worker processes SIGKILLed mid-write. The first dies after Kingdee committed
// its batch but before the answer arrived; the second before Kingdee saw its batch. A third worker
// finishes the run: every shop written exactly once, 0 duplicate attempts.
import { config } from "@qiao/db";
import { testRedisPrefix } from "@qiao/db/testing";
import { ledgerOf, type Simulated, type TestDb } from "@qiao/engine/testing";
import { deleteRedisPrefix, requestRun } from "@qiao/jobs";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, expect, test } from "vitest";
import { spawnWorker, startGatedStack, type GatedStack, type WorkerProcess } from "../testing";
import type { BatchSaveGate } from "./batch-save-gate";

const SHOPS = 800;
let stack: GatedStack;
let t: TestDb;
let sim: Simulated;
let gate: BatchSaveGate;
let queue: Queue;
let workers: WorkerProcess[];
const prefix = testRedisPrefix("sigkill");

beforeAll(async () => {
  // One call at a time: the BatchSave numbers below follow the calls in order.
  stack = await startGatedStack("sigkill", prefix, { shops: SHOPS, concurrency: 1 });
  ({ t, sim, gate, queue, workers } = stack);
});

afterAll(async () => {
  await stack?.close();
  await deleteRedisPrefix(config().REDIS_URL, prefix);
});

const runOf = (id: string) => t.db.run.findUniqueOrThrow({ where: { id } });
const sending = (schemeId: string) => t.db.sourceRecord.count({ where: { schemeId, status: "sending" } });

/** The worker process whose log shows it executing attempt `attempt` of the run. */
async function workerOn(runId: string, attempt: number): Promise<WorkerProcess> {
  let found: WorkerProcess | undefined;
  await expect
    .poll(
      () => (found = workers.find((w) => w.lines.some((l) => l.includes(`"runId":"${runId}"`) && l.includes(`"attempt":${attempt}`)))),
      { timeout: 30_000, interval: 50 },
    )
    .toBeDefined();
  return found!;
}

async function kill(w: WorkerProcess): Promise<void> {
  w.child.kill("SIGKILL");
  await w.exited;
}

test("two workers SIGKILLed mid-write in one run (after commit, then before it): written exactly once, 0 duplicate attempts", async () => {
  const env = {
    DATABASE_URL: t.database.url,
    REDIS_PREFIX: prefix,
    // Long enough that a busy machine does not lose locks by itself (a lost lock now stops the
    // attempt), short enough that a killed worker's run is taken over within seconds.
    WORKER_LOCK_DURATION_MS: "3000",
    WORKER_STALLED_INTERVAL_MS: "1000",
    // A killed worker's slot of the connection's concurrent calls comes back as soon as its run is taken over.
    WORKER_CALL_SLOT_LEASE_MS: "1000",
    QIAO_UNKNOWN_OUTCOME_WAIT_S: "1",
    WORKER_CONNECTION_QPS: "1000",
    WORKER_CONCURRENCY: "1",
    LOG_LEVEL: "info",
  };
  // Three standby workers, started together: whoever is left takes the run over.
  workers.push(spawnWorker(env), spawnWorker(env), spawnWorker(env));
  await Promise.all(workers.map((w) => w.waitFor("worker ready, waiting for jobs", 30_000)));

  // BatchSave #3 is committed by Kingdee and its answer held back; #5 (the 2nd attempt's 2nd batch)
  // never reaches Kingdee.
  gate.plan = (n) => (n === 3 ? "hold" : n === 5 ? "stall" : "pass");
  const scheme = await sim.createScheme();
  const run = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });

  const first = await workerOn(run.id, 1);
  await expect.poll(() => gate.stopped, { timeout: 30_000, interval: 20 }).toBe(1);
  expect(sim.kingdee.stats().customers).toBe(300);
  await kill(first);
  // The held batch, and the next one if the engine had prepared it already.
  expect(await sending(scheme.id)).toBeGreaterThanOrEqual(100);

  const second = await workerOn(run.id, 2);
  await expect.poll(() => gate.calls, { timeout: 30_000, interval: 20 }).toBe(5);
  await expect.poll(() => gate.stopped, { timeout: 10_000, interval: 20 }).toBe(1);
  expect(sim.kingdee.stats().customers).toBe(400);
  await kill(second);
  expect(await sending(scheme.id)).toBeGreaterThanOrEqual(100);

  await workerOn(run.id, 3);
  await expect.poll(async () => (await runOf(run.id)).status, { timeout: 40_000, interval: 100 }).toBe("succeeded");
  // Attempt 3 parks what the dead ones left sending, writes the rest and waits (a delayed job) until
  // the parked records may be looked up: the attempts after it settle them.
  const done = await runOf(run.id);
  expect(done).toMatchObject({ written: SHOPS, failed: 0, unknown: 0 });
  expect(done.attempt).toBeGreaterThanOrEqual(4);
  expect(sim.kingdee.stats()).toMatchObject({ customers: SHOPS, duplicateAttempts: 0 });

  const report = await ledgerOf(t.db, sim, scheme.id);
  expect({ lost: report.lost, inconsistent: report.inconsistent, duplicates: report.duplicates }).toEqual({ lost: [], inconsistent: [], duplicates: [] });
  expect(report).toMatchObject({ written: SHOPS, failed: [], ok: true });

  // Each takeover parked the interrupted batches and looked them up after the wait, before sending them.
  const logs = (await t.db.runLog.findMany({ where: { runId: run.id }, orderBy: { id: "asc" } })).map((l) => l.message).join("\n");
  expect(logs).toMatch(/发现 \d+ 条被中断的写入/);
  // At least the held batch is found; a batch whose answer came but whose outcomes were not yet
  // recorded when its worker died is found too (how many is timing), and what was never sent is resent.
  expect(logs).toMatch(/：[1-9]\d*00 条已存在（记为已写入），[1-9]\d* 条不存在（重新发送）/);
  expect(await t.db.runOutcome.count({ where: { runId: run.id, status: "written" } })).toBe(SHOPS);
}, 120_000);
