// /api/metrics' content after a real run: the worker runs a scheme against the simulators, publishes
// its registry with its heartbeat, and clusterMetrics (what the route answers) merges it with the
// cluster's state; an independent parser reads the text back.
import { clusterMetrics, createRunQueue, requestRun } from "@qiao/jobs";
import { parseMetrics, samples } from "@qiao/jobs/metrics-parse";
import { openQueueTestBed, type QueueTestBed } from "@qiao/jobs/testing";
import { pino } from "pino";
import { Gauge, Registry } from "prom-client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { workerSettings } from "./settings";
import { startWorker } from "./worker";

let bed: QueueTestBed;
beforeAll(async () => {
  bed = await openQueueTestBed("metrics", 40);
});
afterAll(() => bed?.close());

test("after a run, the metrics hold its records, its duration, its ERP calls and the worker's process", async () => {
  const { t, sim, cfg, queue } = bed;
  const worker = await startWorker({
    db: t.db,
    config: cfg,
    logger: pino({ level: "silent" }),
    settings: { ...workerSettings({}), WORKER_CONNECTION_QPS: 1000, WORKER_RECONCILE_INTERVAL_MS: 60_000 },
  });
  try {
    // Published as the worker starts, while some default metrics are still NaN (the event loop's lag).
    expect(samples(parseMetrics((await clusterMetrics(t.db, queue)).text), "nodejs_eventloop_lag_mean_seconds", { process: worker.id })).toHaveLength(1);
    const scheme = await sim.createScheme();
    const run = await requestRun(t.db, queue, { schemeId: scheme.id, trigger: "manual" });
    await expect.poll(async () => (await t.db.run.findUniqueOrThrow({ where: { id: run.id } })).status, { timeout: 20_000 }).toBe("succeeded");

    // The worker publishes its registry with each heartbeat (every 10 s).
    let text = "";
    await expect
      .poll(async () => ((text = (await clusterMetrics(t.db, queue)).text), samples(parseMetrics(text), "qiao_run_duration_seconds_count").length), { timeout: 25_000, interval: 500 })
      .toBeGreaterThan(0);
    const m = parseMetrics(text);
    const bySchema = { scheme_id: scheme.id };

    expect(samples(m, "qiao_queue_jobs").map((s) => s.labels.state).sort()).toEqual(["active", "delayed", "failed", "prioritized", "waiting", "waiting-children"]);
    expect(samples(m, "qiao_workers_alive")[0]?.value).toBe("1");
    expect(samples(m, "qiao_runs_finished_total", { ...bySchema, status: "succeeded" })[0]?.value).toBe("1");
    expect(samples(m, "qiao_records_written_total", bySchema)[0]?.value).toBe("40");
    expect(samples(m, "qiao_records_failed_total", bySchema)[0]?.value).toBe("0");
    // Recounted by the run's follow-up.
    await expect.poll(async () => samples(parseMetrics((await clusterMetrics(t.db, queue)).text), "qiao_records", { ...bySchema, status: "written" })[0]?.value).toBe("40");

    expect(m.get("qiao_run_duration_seconds")?.type).toBe("HISTOGRAM");
    const run1 = { status: "succeeded", trigger: "manual", process: worker.id };
    expect(samples(m, "qiao_run_duration_seconds_count", run1)[0]?.value).toBe("1");
    expect(Number(samples(m, "qiao_run_duration_seconds_sum", run1)[0]?.value)).toBeGreaterThan(0);
    const reads = samples(m, "qiao_erp_call_duration_seconds_count", { platform: "guanyi", service: "gy.erp.shop.get", outcome: "ok", process: worker.id });
    expect(Number(reads[0]?.value)).toBeGreaterThanOrEqual(1);
    expect(reads[0]?.labels.connection_id).toMatch(/^[0-9a-f-]{36}$/);
    const saves = samples(m, "qiao_erp_call_duration_seconds_count", { platform: "kingdee", service: "BatchSave", outcome: "ok" });
    expect(Number(saves[0]?.value)).toBeGreaterThanOrEqual(1);
    // prom-client's default process metrics, labelled with the worker they come from.
    expect(Number(samples(m, "process_cpu_user_seconds_total", { process: worker.id })[0]?.value)).toBeGreaterThan(0);
    expect(Number(samples(m, "nodejs_heap_size_used_bytes", { process: worker.id })[0]?.value)).toBeGreaterThan(1_000_000);
    // The record budget: its size, and nothing held once the run is over.
    expect(samples(m, "qiao_worker_record_budget", { process: worker.id })[0]?.value).toBe(String(cfg.WORKER_RECORD_BUDGET));
    expect(samples(m, "qiao_worker_records_held", { process: worker.id })[0]?.value).toBe("0");
    expect(samples(m, "qiao_worker_runs_waiting_for_records", { process: worker.id })[0]?.value).toBe("0");
  } finally {
    await worker.close();
  }
  // A worker that stopped takes its metrics with it.
  const after = parseMetrics((await clusterMetrics(t.db, queue)).text);
  expect(samples(after, "process_cpu_user_seconds_total")).toEqual([]);
  expect(samples(after, "qiao_workers_alive")[0]?.value).toBe("0");
}, 90_000);

test("with Redis refusing, the metrics still answer what Postgres and the process hold, and say Redis is down", async () => {
  const { t, sim, queue } = bed;
  const scheme = await sim.createScheme();
  await t.db.run.create({ data: { schemeId: scheme.id, schemeVersion: 1, trigger: "manual", status: "queued" } });
  const up = parseMetrics((await clusterMetrics(t.db, queue)).text);
  expect(samples(up, "qiao_redis_up")[0]?.value).toBe("1");

  // A port on loopback nothing listens on: the producer's connection refuses at once.
  const down = createRunQueue({ REDIS_URL: "redis://127.0.0.1:1", REDIS_PREFIX: "metrics-down" });
  down.on("error", () => undefined);
  const local = { process: "web-test", registry: new Registry() };
  new Gauge({ name: "web_test_gauge", help: "the calling process's own", registers: [local.registry] }).set(7);
  try {
    const answer = await clusterMetrics(t.db, down, local, 1_000);
    expect(answer.redisError).toBeTruthy();
    const m = parseMetrics(answer.text);
    expect(samples(m, "qiao_redis_up")[0]?.value).toBe("0");
    expect(samples(m, "qiao_runs_active", { status: "queued" })[0]?.value).toBe("1");
    expect(samples(m, "web_test_gauge", { process: "web-test" })[0]?.value).toBe("7");
    expect(samples(m, "qiao_queue_jobs")).toEqual([]);
    expect(samples(m, "qiao_workers_alive")).toEqual([]);
  } finally {
    await down.close().catch(() => undefined);
    await t.db.run.deleteMany({ where: { schemeId: scheme.id } });
  }
}, 30_000);
