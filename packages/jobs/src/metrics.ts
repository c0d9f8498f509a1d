// /api/metrics' content, in Prometheus' text format through prom-client:
// - what the cluster is doing, read at scrape time: the queue's depth by state (BullMQ), runs active
//   now, finished runs and records per scheme (counters kept by Postgres as runs finish), staging
//   records per scheme and status, and the workers alive;
// - each process's own registry (the worker's run durations, ERP call latency and errors, and
//   prom-client's default process metrics), which every worker publishes to Redis next to its
//   heartbeat, with the same lifetime: a dead worker's metrics disappear with it. They are merged
//   with AggregatorRegistry.aggregate, every sample labelled with its process, so no two
//   processes' series are added together (a counter stays one process's counter).
import { readMetricTotals, type Db } from "@qiao/db";
import type { Queue } from "bullmq";
import { AggregatorRegistry, Counter, Gauge, Registry } from "prom-client";
import { z } from "zod";
import { aliveWorkers, processKeyPrefix, valuesUnder, WORKER_BEAT_TTL_MS } from "./workers";

/** The queue states exposed (a job in any other state is finished). */
export const QUEUE_STATES = ["waiting", "active", "delayed", "prioritized", "waiting-children", "failed"] as const;

/** A process's metrics as prom-client's getMetricsAsJSON gives them, checked when read back from Redis. */
const metricsSchema = z.array(
    z.looseObject({
      name: z.string().min(1),
      help: z.string(),
      type: z.enum(["counter", "gauge", "histogram", "summary"]),
      aggregator: z.string().optional(),
      values: z.array(
        z.looseObject({
          // NaN is a value Prometheus knows (e.g. the event loop's lag before its first sample).
          value: z.union([z.number(), z.nan()]),
          labels: z.record(z.string(), z.union([z.string(), z.number()])),
          metricName: z.string().optional(),
        }),
      ),
    }),
);
const processMetricsSchema = z.object({ process: z.string().min(1), metrics: metricsSchema });
type ProcessMetrics = z.infer<typeof processMetricsSchema>;

/** A registry's metrics as the schema reads them back (our own registry: a mismatch is a bug, not bad input). */
async function metricsOf(registry: Registry): Promise<ProcessMetrics["metrics"]> {
  const parsed = metricsSchema.safeParse(await registry.getMetricsAsJSON());
  if (!parsed.success) throw new Error(`prom-client's metrics do not match the expected shape: ${parsed.error.message}`);
  return parsed.data;
}

/** Stores a process's registry for the metrics endpoint; call it at each heartbeat. */
export async function publishProcessMetrics(queue: Queue, processId: string, registry: Registry): Promise<void> {
  const client = await queue.getBackend().client;
  const value: ProcessMetrics = { process: processId, metrics: await metricsOf(registry) };
  await client.set(processKeyPrefix(queue, "metrics") + processId, JSON.stringify(value), { PX: WORKER_BEAT_TTL_MS });
}

/** Removes a process's metrics (it stopped cleanly). */
export async function forgetProcessMetrics(queue: Queue, processId: string): Promise<void> {
  const client = await queue.getBackend().client;
  await client.del(processKeyPrefix(queue, "metrics") + processId);
}

/** The published registries of the processes alive (a value that does not parse is skipped). */
async function publishedMetrics(queue: Queue): Promise<ProcessMetrics[]> {
  const found: ProcessMetrics[] = [];
  for (const value of await valuesUnder(queue, processKeyPrefix(queue, "metrics"))) {
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      continue;
    }
    const parsed = processMetricsSchema.safeParse(json);
    if (parsed.success) found.push(parsed.data);
  }
  return found;
}

/**
 * One process's metrics with `process="<id>"` on every sample, aggregated by sum: with the label
 * no two processes' samples meet, so "sum" keeps each as it is (the "first" or "omit" some default
 * metrics declare would drop the other processes' values).
 */
function labelled({ process, metrics }: ProcessMetrics): ProcessMetrics["metrics"] {
  return metrics.map((m) => ({ ...m, aggregator: "sum", values: m.values.map((v) => ({ ...v, labels: { ...v.labels, process } })) }));
}

/** How long a scrape waits for Redis before answering with what Postgres and this process hold. */
export const METRICS_REDIS_TIMEOUT_MS = 2_000;

/** What Redis holds for a scrape: the queue's depth, the heartbeats, the workers' registries. */
interface RedisPart {
  counts: Record<string, number>;
  workers: number;
  processes: ProcessMetrics[];
}

/** Redis's part, or why there is none (Redis refused or did not answer within the timeout). */
async function readRedisPart(queue: Queue, timeoutMs: number): Promise<RedisPart | { error: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const [counts, workers, processes] = await Promise.race([Promise.all([queue.getJobCounts(...QUEUE_STATES), aliveWorkers(queue), publishedMetrics(queue)]), timeout]);
    return { counts, workers: workers.length, processes };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** The cluster's state as metrics, read now from Postgres and (when it answered) BullMQ and the heartbeats. */
async function clusterRegistry(db: Db, redis: RedisPart | undefined): Promise<Registry> {
  const registry = new Registry();
  const totals = await readMetricTotals(db);
  new Gauge({ name: "qiao_redis_up", help: "1 if Redis answered this scrape; 0 if not (the queue's, the workers' and their processes' metrics are then missing)", registers: [registry] }).set(redis ? 1 : 0);
  if (redis) {
    const depth = new Gauge({ name: "qiao_queue_jobs", help: "Jobs in the runs queue by state", labelNames: ["state"], registers: [registry] });
    for (const state of QUEUE_STATES) depth.set({ state }, redis.counts[state] ?? 0);
    new Gauge({ name: "qiao_workers_alive", help: "Worker processes whose heartbeat has not expired", registers: [registry] }).set(redis.workers);
  }
  const active = new Gauge({ name: "qiao_runs_active", help: "Runs queued or running now", labelNames: ["status"], registers: [registry] });
  for (const [status, n] of Object.entries(totals.activeRuns)) active.set({ status }, n);

  const scheme = ["scheme_id", "scheme"] as const;
  const runs = new Counter({ name: "qiao_runs_finished_total", help: "Finished runs by how they ended (test runs not counted)", labelNames: [...scheme, "status"], registers: [registry] });
  const written = new Counter({ name: "qiao_records_written_total", help: "Records written to the target by finished runs", labelNames: scheme, registers: [registry] });
  const failed = new Counter({ name: "qiao_records_failed_total", help: "Records whose write failed in finished runs", labelNames: scheme, registers: [registry] });
  const records = new Gauge({
    name: "qiao_records",
    help: "Staging records by status (pending, failed, waiting, …) as counted after the scheme's last run",
    labelNames: [...scheme, "status"],
    registers: [registry],
  });
  for (const s of totals.schemes) {
    const labels = { scheme_id: s.schemeId, scheme: s.schemeName };
    for (const [status, n] of Object.entries(s.runs)) runs.inc({ ...labels, status }, n);
    written.inc(labels, s.written);
    failed.inc(labels, s.failed);
    for (const [status, n] of Object.entries(s.records)) records.set({ ...labels, status }, n);
  }
  return registry;
}

export interface MetricsText {
  contentType: string;
  text: string;
  /** Why Redis's part is missing (`qiao_redis_up` 0), for the caller's log. */
  redisError?: string;
}

/**
 * Everything /api/metrics answers: the cluster's state and every live process's registry (plus
 * `local`, the calling process's own, under its id). Redis down or slow does not take Postgres's
 * metrics with it: the scrape answers without the queue's and the workers' part, `qiao_redis_up` 0.
 */
export async function clusterMetrics(
  db: Db,
  queue: Queue,
  local?: { process: string; registry: Registry },
  redisTimeoutMs = METRICS_REDIS_TIMEOUT_MS,
): Promise<MetricsText> {
  const redis = await readRedisPart(queue, redisTimeoutMs);
  const part = "error" in redis ? undefined : redis;
  const processes = part?.processes ?? [];
  if (local) processes.push({ process: local.process, metrics: await metricsOf(local.registry) });
  const merged = Registry.merge([await clusterRegistry(db, part), AggregatorRegistry.aggregate(processes.map(labelled))]);
  return { contentType: merged.contentType, text: await merged.metrics(), ...("error" in redis && { redisError: redis.error }) };
}
