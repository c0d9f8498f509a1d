// Worker processes as they run in production (src/main.ts), killed and stopped mid-run.
import { config } from "@qiao/db";
import { testRedisPrefix } from "@qiao/db/testing";
import type { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { openTestDb, simulate, type Simulated, type TestDb } from "@qiao/engine/testing";
import { createRunQueue, deleteRedisPrefix, requestRun } from "@qiao/jobs";
import { spawnWorker, type WorkerProcess } from "./testing";

let t: TestDb;
let sim: Simulated;
let queue: Queue;
let env: Record<string, string>;
const prefix = testRedisPrefix("main");
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  t = await openTestDb("main");
  // One call at a time: the steps below name the Nth call (call-slots.test.ts covers C > 1).
  sim = await simulate(t.db, { shops: 1000, concurrency: 1 });
  queue = createRunQueue({ ...config(), REDIS_PREFIX: prefix });
  env = {
    DATABASE_URL: t.database.url,
    REDIS_PREFIX: prefix,
    WORKER_LOCK_DURATION_MS: "2000",
    WORKER_STALLED_INTERVAL_MS: "1000",
    // A killed worker's slot of the connection's concurrent calls comes back as soon as its run is taken over.
    WORKER_CALL_SLOT_LEASE_MS: "1000",
    // Records whose write was cut off are looked up a second after the dead worker's lease.
    QIAO_UNKNOWN_OUTCOME_WAIT_S: "1",
    WORKER_CONNECTION_QPS: "1000",
    WORKER_CONCURRENCY: "1",
    LOG_LEVEL: "info",
  };
});

afterEach(async () => {
  for (const w of workers.splice(0)) {
    if (w.child.exitCode === null) w.child.kill("SIGKILL");
    await w.exited;
  }
});

afterAll(async () => {
  await queue?.close();
  await sim?.close();
  await t?.close();
  await deleteRedisPrefix(config().REDIS_URL, prefix);
});

function start(): WorkerProcess {
  const w = spawnWorker(env);
  workers.push(w);
  return w;
}

const runOf = (id: string) => t.db.run.findUniqueOrThrow({ where: { id } });
const sending = (schemeId: string) => t.db.sourceRecord.count({ where: { schemeId, status: "sending" } });

test("a worker killed with SIGKILL mid-run: a second worker finishes the run, 0 duplicate attempts", async () => {
  sim.kingdee.reset();
  sim.kingdee.setFaults({ latencyMs: 250 });
  const scheme = await sim.createScheme();
  const first = start();
  await first.waitFor("worker ready, waiting for jobs");
  const run = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });

  // Kill it while a batch is in flight (marked sending, the call under way) and the next one is
  // marked already (it is marked while the call before it is in flight).
  await expect.poll(async () => (await runOf(run.id)).written, { timeout: 20_000, interval: 50 }).toBeGreaterThanOrEqual(200);
  await expect.poll(() => sending(scheme.id), { timeout: 5_000, interval: 20 }).toBe(200);
  first.child.kill("SIGKILL");
  await first.exited;
  sim.kingdee.setFaults({ latencyMs: 0 });

  const second = start();
  await expect.poll(async () => (await runOf(run.id)).status, { timeout: 30_000, interval: 100 }).toBe("succeeded");
  const done = await runOf(run.id);
  // Attempt 2 parked the 200 left sending; the run waited as a delayed job and attempt 3 looked them up.
  expect(done).toMatchObject({ written: 1000, failed: 0, unknown: 0, attempt: 3 });
  expect(sim.kingdee.stats()).toMatchObject({ customers: 1000, duplicateAttempts: 0 });
  const logs = (await t.db.runLog.findMany({ where: { runId: run.id }, orderBy: { id: "asc" } })).map((l) => l.message).join("\n");
  expect(logs).toMatch(/发现 200 条被中断的写入/);
  expect(logs).toMatch(/还有 200 条记录的写入结果待确认/);
  expect(logs).toMatch(/核对了 200 条待确认记录（按 FNumber）：100 条已存在（记为已写入），100 条不存在（重新发送）/);
  expect(second.lines.some((l) => l.includes('"runId"'))).toBe(true);
}, 60_000);

test("SIGTERM: the worker finishes its batch, hands the run back and exits; the next worker resumes it", async () => {
  sim.kingdee.reset();
  sim.kingdee.setFaults({ latencyMs: 200 });
  const scheme = await sim.createScheme();
  const first = start();
  await first.waitFor("worker ready, waiting for jobs");
  const run = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });
  await expect.poll(async () => (await runOf(run.id)).written, { timeout: 20_000, interval: 50 }).toBeGreaterThanOrEqual(100);

  first.child.kill("SIGTERM");
  expect(await first.exited).toBe(0);
  const handedBack = await runOf(run.id);
  // Records are written while the read goes on: the run may stop in either phase.
  expect(handedBack).toMatchObject({ status: "queued", phase: expect.stringMatching(/^(reading|writing)$/) });
  expect(handedBack.written % 100).toBe(0);
  expect(await sending(scheme.id)).toBe(0);
  expect(await queue.getJobState(run.id)).toBe("waiting");

  sim.kingdee.setFaults({ latencyMs: 0 });
  start();
  await expect.poll(async () => (await runOf(run.id)).status, { timeout: 30_000, interval: 100 }).toBe("succeeded");
  expect(await runOf(run.id)).toMatchObject({ written: 1000, attempt: 2 });
  expect(sim.kingdee.stats()).toMatchObject({ customers: 1000, duplicateAttempts: 0 });
}, 60_000);
