// Worker-only settings from the environment (the shared ones — DATABASE_URL, REDIS_URL,
// REDIS_PREFIX, WORKER_CONCURRENCY, RUN_RETENTION_DAYS, RUN_RETENTION_QUIET_DAYS, LOG_LEVEL — come from @qiao/db's config()).
import { z } from "zod";

const schema = z.object({
  /** How long a job's lock lives without renewal: a killed worker's run is taken over after it. */
  WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(1000).default(30_000),
  /** How often each worker looks for stalled jobs (whose lock expired). */
  WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).default(30_000),
  /** How often the reconciler looks for active runs that have no job. */
  WORKER_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(1000).default(30_000),
  /** An active run not updated this long, with no job waiting or in progress, is enqueued again. */
  WORKER_RECONCILE_AFTER_MS: z.coerce.number().int().min(0).default(60_000),
  /** Calls per second per connection (shared by all workers) unless the connection sets `qps`. */
  WORKER_CONNECTION_QPS: z.coerce.number().positive().default(10),
  /**
   * How long a connector call may take before it is given up (a write given up has an unknown
   * outcome, looked up after QIAO_UNKNOWN_OUTCOME_WAIT_S). Raise it for a slow ERP server.
   */
  WORKER_CONNECTOR_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /**
   * The lease of a slot of a connection's concurrent calls (renewed every third of it while the
   * call is out): a killed worker's slots come back to the others after it.
   */
  WORKER_CALL_SLOT_LEASE_MS: z.coerce.number().int().min(1000).default(10_000),
  /**
   * A run's attempts in a row that may end because the database is unavailable before the worker
   * gives the run up (failed). Between them the job waits 5 s, 10 s, 20 s, 40 s, then 60 s each
   * (run-job.ts): the default 6 outlasts about 2¼ minutes of outage. An attempt that gets through
   * to the database starts the count again, so outages hours apart never add up (session 31's audit).
   */
  WORKER_DB_FAILURE_LIMIT: z.coerce.number().int().min(1).default(6),
});

export type WorkerSettings = z.infer<typeof schema>;

export function workerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid worker configuration in the environment:\n${lines.join("\n")}`);
  }
  return parsed.data;
}
