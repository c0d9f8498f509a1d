// What the engine needs from its host (the worker, or a test): the database, a logger, and the
// hooks a framework provides (shared rate limits, graceful shutdown). No BullMQ, no Next here.
import type { CallObserver, CallSlots, Connector, ConnectionConfig, OutboundPolicy, RateLimiter } from "@qiao/connectors";
import type { Db } from "@qiao/db";
import type { RecordBudget } from "./record-budget";

/** The subset of pino's API the engine uses (a pino logger fits as is). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
  /** Whether a line at this level would be written (pino's own): a line not taken is not rendered. */
  isLevelEnabled(level: string): boolean;
}

export interface ConnectionRow {
  id: string;
  platform: string;
  settings: unknown;
}

export interface EngineContext {
  db: Db;
  logger: Logger;
  /**
   * The rate limiter a connection's calls go through. The worker returns a Redis-backed one so all
   * processes share a tenant's quota; without it each connector uses its in-process limiter.
   */
  limiterFor?(connection: ConnectionRow): RateLimiter | undefined;
  /**
   * The slots bounding a connection's calls in flight (its "concurrent calls" setting). The worker
   * returns Redis-backed ones shared by every process, leased so a crashed holder's come back;
   * without them each process counts its own.
   */
  slotsFor?(connection: ConnectionRow): CallSlots | undefined;
  /** Who is told of each ERP call a connection makes (the worker's metrics); none by default. */
  observerFor?(connection: ConnectionRow & { name: string }): CallObserver | undefined;
  /** Connector registry (default: @qiao/connectors). Tests wrap clients through it. */
  getConnector?(platform: string): Connector | undefined;
  /**
   * Graceful shutdown: asked between pages and batches; when it answers true the run stops there
   * and is handed back (status `queued`) for the next worker to resume.
   */
  shouldStop?(): boolean;
  /** Aborts connector calls in flight (their records' outcome is unknown: looked up after the wait). */
  signal?: AbortSignal;
  /**
   * Aborted by the host when this attempt lost its claim on the run outside the engine (the worker's
   * job lock could not be renewed): the attempt stops before its next write.
   */
  lost?: AbortSignal;
  /**
   * How long an attempt owns the run without renewing its lease (default 30 s; the worker passes its
   * job lock's duration). The engine renews it every third of that while the attempt runs.
   */
  leaseMs?: number;
  /**
   * How long after a call whose outcome is unknown its records are looked up in the target (default
   * 300 s, QIAO_UNKNOWN_OUTCOME_WAIT_S): the time a slow server may still take to commit it.
   */
  unknownOutcomeWaitMs?: number;
  /**
   * How long a run waits for its unknown outcomes in all, from its first wait (default 1 h,
   * QIAO_UNKNOWN_OUTCOME_MAX_WAIT_S): then it ends, its records left unknown for the scheme's next
   * writing run, instead of keeping the scheme busy while the lookup fails (金蝶 down for days).
   */
  unknownOutcomeMaxWaitMs?: number;
  /**
   * How far before the scheme's cursor an incremental read starts (default READ_WINDOW_OVERLAP_MS,
   * 60 s): tests that need runs later than the overlap shorten it instead of waiting a minute.
   */
  readWindowOverlapMs?: number;
  /** Connector client settings (timeouts, retries); tests shorten them. */
  connectorDefaults?: Pick<ConnectionConfig, "timeoutMs" | "maxRetries" | "qps">;
  /** Where connections may send requests, answer size limit (default: QIAO_ALLOW_PRIVATE_TARGETS … from the configuration). */
  outbound?: OutboundPolicy;
  /**
   * How long `erp_lookup` answers are cached per connection across runs (default 10 minutes,
   * QIAO_ERP_LOOKUP_TTL_S in the worker). Staging lookups are cached for the run only.
   */
  erpLookupTtlMs?: number;
  /**
   * The records this process's runs may hold in memory together (the worker's
   * WORKER_RECORD_BUDGET): a page is fetched only when it fits. None: each run is bounded by its own
   * read-ahead only.
   */
  records?: RecordBudget;
  /**
   * This process's clock (CURRENT_TIME of a reconciliation's read). Not a run's: its read window
   * ends at the database's clock, taken when its first attempt claims it (claimRun), so that a
   * worker whose clock is off cannot move the scheme's shared cursor past records.
   */
  now?(): Date;
  /**
   * How often a running run reads its connections' settings again (default 5 s): a connection's
   * concurrent calls changed while a long run goes on apply to that run within this time.
   */
  settingsRefreshMs?: number;
  /**
   * Told each time the attempt's progress reaches the database (a statement that adds to the run's
   * counters answered for this attempt, after its claim: a page staged, a batch or an audit
   * recorded, a progress report). The worker counts database outages in a row per run and forgets
   * them once an attempt gets this far (apps/worker run-job.ts, session 31's audit): the database
   * came back, so a later loss is a new outage, not the same one going on.
   */
  progressed?(): void;
}

/** See EngineContext.settingsRefreshMs. */
export const DEFAULT_SETTINGS_REFRESH_MS = 5_000;

/** See EngineContext.unknownOutcomeWaitMs (the worker passes QIAO_UNKNOWN_OUTCOME_WAIT_S, same default). */
export const DEFAULT_UNKNOWN_OUTCOME_WAIT_MS = 300_000;

/** See EngineContext.unknownOutcomeMaxWaitMs (the worker passes QIAO_UNKNOWN_OUTCOME_MAX_WAIT_S, same default). */
export const DEFAULT_UNKNOWN_OUTCOME_MAX_WAIT_MS = 3_600_000;

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
  isLevelEnabled: () => false,
};
