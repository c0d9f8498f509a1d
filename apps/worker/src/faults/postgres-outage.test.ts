// An outage that does not end still ends the run, visibly (session 31's audit). Since the worker
// counts a run's database failures in a row itself (run-job.ts) instead of BullMQ's attempts, this
// pins the other side of the count: after WORKER_DB_FAILURE_LIMIT attempts in a row the run is given
// up, `failed` with a reason that says so, not retried for ever in the dark.
//
// The outage: Postgres refuses every change that keeps the run `running` (a trigger raising SQLSTATE
// 57P03, "the database system is starting up", which the engine takes for the database being
// unavailable), while the statement that fails the run still goes through, as it would once a real
// outage ends. It begins mid-run, after the first batch: that attempt had got through to the
// database, so its failure is the first of the count; the next two attempts fail at their claim.
import { config, type Config } from "@qiao/db";
import { testRedisPrefix } from "@qiao/db/testing";
import { openTestDb, simulate, type Simulated, type TestDb } from "@qiao/engine/testing";
import { createRunQueue, deleteRedisPrefix, requestRun } from "@qiao/jobs";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { workerSettings } from "../settings";
import { startWorker, type RunningWorker } from "../worker";

let t: TestDb;
let sim: Simulated;
let cfg: Config;
let queue: Queue | undefined;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  t = await openTestDb("pgoutage");
  sim = await simulate(t.db, { shops: 300, concurrency: 1 });
  cfg = { ...config(), REDIS_PREFIX: testRedisPrefix("pgoutage") };
});

afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await sim?.close();
  await t?.close();
  if (cfg) await deleteRedisPrefix(cfg.REDIS_URL, cfg.REDIS_PREFIX);
}, 30_000);

/** From now on every change of a running run fails as "database unavailable"; claims are counted. */
async function refuseRunningRuns(): Promise<void> {
  await t.db.$executeRawUnsafe("CREATE SEQUENCE claims_refused");
  await t.db.$executeRawUnsafe(`
    CREATE FUNCTION refuse_running_run() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- A sequence is not rolled back with the statement the RAISE aborts.
      IF NEW.attempt > OLD.attempt THEN PERFORM nextval('claims_refused'); END IF;
      RAISE EXCEPTION 'the database system is starting up' USING ERRCODE = '57P03';
    END $$`);
  await t.db.$executeRawUnsafe(`
    CREATE TRIGGER refuse_running_run BEFORE UPDATE ON runs FOR EACH ROW
    WHEN (NEW.status = 'running') EXECUTE FUNCTION refuse_running_run()`);
}

test("a database outage that does not end: the run is given up after WORKER_DB_FAILURE_LIMIT attempts in a row, failed with the reason", async () => {
  sim.kingdee.setFaults({ latencyMs: 200 });
  queue = createRunQueue(cfg);
  worker = await startWorker({
    db: t.db,
    config: cfg,
    logger: pino({ level: "silent" }),
    settings: { ...workerSettings({}), WORKER_CONNECTION_QPS: 1000, WORKER_RECONCILE_INTERVAL_MS: 60_000, WORKER_DB_FAILURE_LIMIT: 3 },
  });
  const scheme = await sim.createScheme();
  const run = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });
  const runOf = () => t.db.run.findUniqueOrThrow({ where: { id: run.id } });

  await expect.poll(() => sim.kingdee.stats().calls.BatchSave ?? 0, { timeout: 15_000, interval: 10 }).toBeGreaterThanOrEqual(1);
  await refuseRunningRuns();
  const startedAt = Date.now();

  // Three attempts in a row (the running one, then two claims 5 s and 10 s apart), then given up.
  await expect.poll(async () => (await runOf()).status, { timeout: 40_000, interval: 200 }).toBe("failed");
  expect(Date.now() - startedAt).toBeGreaterThanOrEqual(15_000);
  const [{ refused }] = await t.db.$queryRawUnsafe<[{ refused: bigint }]>("SELECT last_value AS refused FROM claims_refused");
  expect(Number(refused)).toBe(2);
  const ended = await runOf();
  expect(ended.error).toMatch(/^数据库连续 3 次不可用，工作进程已放弃这次运行：.*the database system is starting up/s);
  expect(ended.finishedAt).not.toBeNull();
  const lines = (await t.db.runLog.findMany({ where: { runId: run.id }, orderBy: { id: "asc" } })).map((l) => l.message);
  expect(lines.at(-1)).toMatch(/^运行失败：数据库连续 3 次不可用/);
}, 60_000);
