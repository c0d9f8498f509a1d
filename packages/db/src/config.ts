// Configuration from the environment, with defaults that work on a developer machine.
// Every variable is documented in .env.example at the repository root.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";

/** Load the repository's .env once (Next loads it itself; tsx scripts do not). */
function loadDotEnv(): void {
  for (let dir = process.cwd(), i = 0; i < 4; i++, dir = resolve(dir, "..")) {
    const file = resolve(dir, ".env");
    if (existsSync(file)) {
      process.loadEnvFile(file);
      return;
    }
    if (existsSync(resolve(dir, "turbo.json"))) return;
  }
}

/**
 * Development-only values: `npm run dev` works without configuration, production must set its own
 * (they are public: they are in .env.example and in this file).
 */
const DEV_DEFAULTS = {
  QIAO_SECRET_KEYS: "dev:cWlhby1kZXZlbG9wbWVudC1rZXktZG8tbm90LXVzZSE=",
  BETTER_AUTH_SECRET: "qiao-dev-auth-secret-change-me",
  ADMIN_PASSWORD: "qiao-admin-2026",
} as const;

/** How a person makes a proper value for each of them. */
const HOW_TO_GENERATE: Record<keyof typeof DEV_DEFAULTS, string> = {
  QIAO_SECRET_KEYS: 'QIAO_SECRET_KEYS="k1:$(openssl rand -base64 32)"',
  BETTER_AUTH_SECRET: 'BETTER_AUTH_SECRET="$(openssl rand -base64 32)"',
  ADMIN_PASSWORD: 'ADMIN_PASSWORD="$(openssl rand -base64 18)"',
};

/** An optional yes/no variable; left empty it counts as unset. */
const optionalFlag = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => (v === undefined || v === "" ? undefined : v === "true" || v === "1"));

/** Milliseconds, at least a second (a value meant as seconds fails loudly), or 0 for no bound. */
const msOrOff = (name: string, fallback: number) =>
  z.preprocess(
    // Left empty it counts as unset (coerced, "" would be 0: no bound).
    (v) => (v === "" ? undefined : v),
    z.coerce
      .number()
      .int()
      .refine((v) => v === 0 || v >= 1000, { message: `${name} is in milliseconds: 0 (no bound) or at least 1000` })
      .default(fallback),
  );

const envSchema = z.object({
  NODE_ENV: z.string().default("development"),
  DATABASE_URL: z.string().url().default("postgresql://postgres@127.0.0.1:5432/qiao"),
  /**
   * Seconds a database connection is idle before TCP keepalive probes start (every pool: under
   * Prisma and the engine's). A connection whose peer vanished without a reset (a failover, a cut
   * network) is then dropped by the kernel instead of in hours, and a firewall does not forget it.
   */
  QIAO_DB_KEEPALIVE_S: z.coerce.number().int().min(1).max(7200).default(10),
  /**
   * How long a statement may wait for its answer, measured by this process (pg's query_timeout),
   * before it fails and its connection is closed: the bound on a connection that died silently.
   * Far above the longest statement the app runs (docs/decisions.md, session 19); 0: no bound.
   */
  QIAO_DB_QUERY_TIMEOUT_MS: msOrOff("QIAO_DB_QUERY_TIMEOUT_MS", 120_000),
  /** How long opening a database connection, or waiting for a pool's free one, may take; 0: no bound. */
  QIAO_DB_CONNECT_TIMEOUT_MS: msOrOff("QIAO_DB_CONNECT_TIMEOUT_MS", 30_000),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  REDIS_PREFIX: z.string().min(1).default("qiao"),
  QIAO_SECRET_KEYS: z.string().min(1).default(DEV_DEFAULTS.QIAO_SECRET_KEYS),
  QIAO_SECRET_KEY_ID: z.string().optional(),
  BETTER_AUTH_SECRET: z.string().min(16).default(DEV_DEFAULTS.BETTER_AUTH_SECRET),
  BETTER_AUTH_URL: z.string().url().default("http://localhost:3000"),
  /** Extra origins allowed to sign in and to change state with a session cookie (comma separated). */
  /** Where people reach the web app: the links in alerts (告警) point here. */
  QIAO_PUBLIC_URL: z.string().url().default("http://localhost:3000"),
  QIAO_TRUSTED_ORIGINS: z
    .string()
    .default("")
    .transform((s) => s.split(",").map((o) => o.trim()).filter(Boolean)),
  ADMIN_EMAIL: z.string().email().default("admin@qiao.local"),
  ADMIN_PASSWORD: z.string().min(8).default(DEV_DEFAULTS.ADMIN_PASSWORD),
  /** The seed also creates the demo connections (to the local simulators) and the demo scheme. Default: on outside production. */
  QIAO_SEED_DEMO: optionalFlag,
  QIAO_API_TOKEN: z.string().optional(),
  /** A bearer token that may read GET /api/metrics only (for a Prometheus scrape job); unset: admins only. */
  QIAO_METRICS_TOKEN: z.string().min(24, "QIAO_METRICS_TOKEN must be at least 24 characters (openssl rand -hex 24)").optional(),
  /** Request bodies above this many bytes are refused (413) while they arrive. */
  QIAO_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
  /** The same for scheme import (an exported scheme with its samples can be larger). */
  QIAO_MAX_IMPORT_BYTES: z.coerce.number().int().min(1024).default(5_000_000),
  /**
   * How many reverse proxies in front of the web app append to X-Forwarded-For: the client's
   * address is the Nth entry from the right. 0 (default): the socket's address, XFF ignored.
   */
  QIAO_TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  GUANYI_SIM_PORT: z.coerce.number().int().default(4010),
  KINGDEE_SIM_PORT: z.coerce.number().int().default(4020),
  /**
   * Runs (and other jobs) one worker process holds at once. Runs mostly wait (on the ERP, Postgres,
   * Redis): 2 left 200 schemes on a one-minute schedule queueing for 10 s after each tick, 50 still
   * 6-16 s (issue #16, docs/scale.md). What an ERP receives is capped per connection (its qps and
   * concurrent calls), and what the process holds in memory by WORKER_RECORD_BUDGET, not by this.
   */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).default(100),
  /**
   * Source records one worker process's runs may hold in memory together (pages fetched and not yet
   * staged, batches not yet recorded): a run's next page is fetched once it fits. Bounds the heap
   * however many runs write at once (docs/scale.md).
   */
  WORKER_RECORD_BUDGET: z.coerce.number().int().min(1).default(4_000),
  RUN_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /**
   * Days a quiet run is kept: started by a schedule, a chain or released dependencies (no person),
   * succeeded, and changed nothing (nothing written, failed, unknown, saved or left waiting). A scheme
   * on a one-minute schedule makes 1,440 of them a day (docs/scale.md "Run history"). Never longer
   * than RUN_RETENTION_DAYS; a scheme's latest run and latest success are kept either way.
   */
  RUN_RETENTION_QUIET_DAYS: z.coerce.number().int().min(1).default(7),
  /**
   * Seconds after a write whose outcome is unknown (timeout, connection lost, 5xx after sending)
   * before its records are looked up in the target: the time a slow server may still take to commit.
   */
  QIAO_UNKNOWN_OUTCOME_WAIT_S: z.coerce.number().min(0).default(300),
  /**
   * Seconds a run may wait for its unknown outcomes in all, from its first wait: then it ends
   * (partial or failed, with why), its records left unknown, never resent, for the scheme's next
   * writing run to look up. Keeps a target whose lookups keep failing from holding the scheme busy.
   */
  QIAO_UNKNOWN_OUTCOME_MAX_WAIT_S: z.coerce.number().min(60).default(3600),
  /** Hours a record may wait for its lookups (等待依赖) before it fails; a scheme's waitLimitHours overrides it. */
  QIAO_WAIT_LIMIT_HOURS: z.coerce.number().int().min(1).max(8760).default(72),
  /** Seconds an erp_lookup answer stays cached per connection (staging lookups are cached per run only). */
  QIAO_ERP_LOOKUP_TTL_S: z.coerce.number().int().min(0).default(600),
  /**
   * How many keys of each category (missing, extra, different) a reconciliation report keeps; the
   * counts are always complete. At most 10,000 (what one resync run takes).
   */
  QIAO_RECONCILE_KEY_LIMIT: z.coerce.number().int().min(1).max(10_000).default(1000),
  /** Connections may reach loopback and private addresses (default: yes, except with NODE_ENV=production). */
  QIAO_ALLOW_PRIVATE_TARGETS: z
    .enum(["true", "false"], { message: 'QIAO_ALLOW_PRIVATE_TARGETS must be "true" or "false"' })
    .optional()
    .transform((v) => (v === undefined ? undefined : v === "true")),
  /** host[:port] entries a connection may reach on a private address (an ERP on the company network). */
  QIAO_ALLOWED_HOSTS: z
    .string()
    .default("")
    .transform((s) => s.split(",").map((h) => h.trim().toLowerCase()).filter(Boolean)),
  /**
   * Alert email may log in to an SMTP server on a loopback address without TLS (a local relay, the
   * simulators' receiver). Off unless set: every other login needs SSL/TLS or STARTTLS.
   */
  QIAO_SMTP_ALLOW_PLAIN_LOOPBACK: z
    .enum(["true", "false"], { message: 'QIAO_SMTP_ALLOW_PLAIN_LOOPBACK must be "true" or "false"' })
    .default("false")
    .transform((v) => v === "true"),
  /** Largest ERP answer read, in bytes (default 64 MiB). */
  QIAO_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).default(64 * 1024 * 1024),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

export type Config = z.infer<typeof envSchema>;

let cached: Config | undefined;

export function config(): Config {
  if (cached) return cached;
  loadDotEnv();
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration in the environment:\n${lines.join("\n")}`);
  }
  cached = parsed.data;
  return cached;
}

/** Whether `npm run db:seed` creates the demo connections and scheme besides the admin. */
/** How long the worker's retention keeps runs, in days (see pruneRuns). */
export interface RunRetention {
  days: number;
  /** Quiet runs (automatic, succeeded, changed nothing): never longer than `days`. */
  quietDays: number;
}

/** RUN_RETENTION_DAYS and RUN_RETENTION_QUIET_DAYS, the quiet days capped by the others. */
export function runRetention(c: Config = config()): RunRetention {
  return { days: c.RUN_RETENTION_DAYS, quietDays: Math.min(c.RUN_RETENTION_DAYS, c.RUN_RETENTION_QUIET_DAYS) };
}

/** What every database pool does about a connection that died silently (see createPrisma). */
export interface DatabaseTimeouts {
  /** Idle time before TCP keepalive probes start, ms (QIAO_DB_KEEPALIVE_S). */
  keepAliveMs: number;
  /** How long a statement may wait for its answer, ms; 0: no bound (QIAO_DB_QUERY_TIMEOUT_MS). */
  queryTimeoutMs: number;
  /** How long opening a connection or waiting for a free one may take, ms; 0: no bound (QIAO_DB_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs: number;
}

export function databaseTimeouts(c: Config = config()): DatabaseTimeouts {
  return { keepAliveMs: c.QIAO_DB_KEEPALIVE_S * 1000, queryTimeoutMs: c.QIAO_DB_QUERY_TIMEOUT_MS, connectTimeoutMs: c.QIAO_DB_CONNECT_TIMEOUT_MS };
}

export function seedsDemo(c: Config): boolean {
  return c.QIAO_SEED_DEMO ?? c.NODE_ENV !== "production";
}

/**
 * In production, the secrets that are unset or still the public development default, each with
 * how to generate a value; empty when there is nothing to fix (or outside production).
 */
function productionConfigProblems(env: NodeJS.ProcessEnv): string[] {
  if (env.NODE_ENV !== "production") return [];
  return (Object.keys(DEV_DEFAULTS) as (keyof typeof DEV_DEFAULTS)[]).flatMap((name) => {
    const value = env[name]?.trim();
    if (value && value !== DEV_DEFAULTS[name]) return [];
    const why = value ? "is the public development default" : "is not set";
    return [`  ${name} ${why}; generate one, e.g. ${HOW_TO_GENERATE[name]}`];
  });
}

/**
 * Refuses to run a production process (web, worker) with a public default secret: prints one
 * message saying what to set and exits 1.
 */
export function exitUnlessProductionReady(what: string): void {
  loadDotEnv();
  const problems = productionConfigProblems(process.env);
  if (problems.length === 0) return;
  console.error(
    `Qiao ${what} refuses to start with NODE_ENV=production:\n${problems.join("\n")}\n` +
      "Set them in the environment (or .env); see .env.example.",
  );
  process.exit(1);
}

/** Where connections may send requests and how large an answer may be (the connectors' OutboundPolicy). */
export function outboundPolicy(c: Config = config()): { allowPrivateTargets: boolean; allowedHosts: string[]; maxResponseBytes: number; allowPlainSmtpLoopback: boolean } {
  return {
    allowPrivateTargets: c.QIAO_ALLOW_PRIVATE_TARGETS ?? c.NODE_ENV !== "production",
    allowedHosts: c.QIAO_ALLOWED_HOSTS,
    maxResponseBytes: c.QIAO_MAX_RESPONSE_BYTES,
    allowPlainSmtpLoopback: c.QIAO_SMTP_ALLOW_PLAIN_LOOPBACK,
  };
}

/** The URL with its password hidden, for messages a person reads. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(invalid URL)";
  }
}
