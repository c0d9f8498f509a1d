// What the engine needs from its host (the worker, or a test): the database, a logger, and the
// hooks a framework provides (shared rate limits, graceful shutdown). No BullMQ, no Next here.
import type { Connector, ConnectionConfig, OutboundPolicy, RateLimiter } from "@qiao/connectors";
import type { Db } from "@qiao/db";

/** The subset of pino's API the engine uses (a pino logger fits as is). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
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
  /** Connector registry (default: @qiao/connectors). Tests wrap clients through it. */
  getConnector?(platform: string): Connector | undefined;
  /**
   * Graceful shutdown: asked between pages and batches; when it answers true the run stops there
   * and is handed back (status `queued`) for the next worker to resume.
   */
  shouldStop?(): boolean;
  /** Aborts connector calls in flight (their records stay `sending` and are looked up on resume). */
  signal?: AbortSignal;
  /** Connector client settings (timeouts, retries); tests shorten them. */
  connectorDefaults?: Pick<ConnectionConfig, "timeoutMs" | "maxRetries" | "qps">;
  /** Where connections may send requests, answer size limit (default: QIAO_ALLOW_PRIVATE_TARGETS … from the configuration). */
  outbound?: OutboundPolicy;
  /** The clock (CURRENT_TIME of a run's first attempt). */
  now?(): Date;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
