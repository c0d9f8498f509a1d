// The worker's own Prometheus registry: prom-client's default process metrics, how long runs take,
// and every ERP call's latency and errors (through the connectors' CallObserver). It is published
// to Redis at each heartbeat (@qiao/jobs publishProcessMetrics) and served by the web app's
// /api/metrics with the other processes' (see docs/overview-and-metrics.md).
import type { CallObserver } from "@qiao/connectors";
import type { RunModel } from "@qiao/db";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export interface WorkerMetrics {
  registry: Registry;
  /** The observer for one connection's calls (labelled by its id, name and platform). */
  observerFor(connection: { id: string; platform: string; name?: string }): CallObserver;
  /** Adds a finished run's duration. */
  observeRun(run: Pick<RunModel, "status" | "trigger" | "startedAt" | "finishedAt">): void;
}

/** What the metrics read of the process's record budget (the engine's RecordBudget). */
export interface BudgetReading {
  readonly limit: number;
  readonly inUse: number;
  readonly waiting: number;
}

export function createWorkerMetrics(records?: BudgetReading): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Read when scraped: whether the record budget (WORKER_RECORD_BUDGET) is what runs wait for.
  const budgetGauges: [name: string, help: string, read: (r: BudgetReading) => number][] = [
    ["qiao_worker_records_held", "Source records the worker's runs hold in memory (pages not yet staged, batches not yet recorded)", (r) => r.inUse],
    ["qiao_worker_record_budget", "Records the worker's runs may hold together (WORKER_RECORD_BUDGET)", (r) => r.limit],
    ["qiao_worker_runs_waiting_for_records", "Runs whose next page waits for room in the worker's record budget", (r) => r.waiting],
  ];
  for (const [name, help, read] of records ? budgetGauges : []) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(records!));
      },
    });
  }
  const runDuration = new Histogram({
    name: "qiao_run_duration_seconds",
    help: "Time from a run's start to its end, by how it ended",
    labelNames: ["status", "trigger"],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200],
    registers: [registry],
  });
  const connection = ["connection_id", "connection", "platform", "service"] as const;
  const callDuration = new Histogram({
    name: "qiao_erp_call_duration_seconds",
    help: "ERP calls (each HTTP exchange, retries included) by connection and service",
    labelNames: [...connection, "outcome"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const callErrors = new Counter({
    name: "qiao_erp_call_errors_total",
    help: "ERP calls that failed, by connection, service and kind (timeout, network, server, throttled, auth, …)",
    labelNames: [...connection, "kind"],
    registers: [registry],
  });
  return {
    registry,
    observerFor(c) {
      return {
        observe(call) {
          const labels = { connection_id: c.id, connection: c.name ?? c.id, platform: call.platform, service: call.service };
          callDuration.observe({ ...labels, outcome: call.error ? "error" : "ok" }, call.durationMs / 1000);
          if (call.error) callErrors.inc({ ...labels, kind: call.error });
        },
      };
    },
    observeRun(run) {
      if (!run.startedAt || !run.finishedAt) return;
      runDuration.observe({ status: run.status, trigger: run.trigger }, Math.max(0, run.finishedAt.getTime() - run.startedAt.getTime()) / 1000);
    },
  };
}
