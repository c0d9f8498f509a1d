// The one Prisma client of the project (driver adapter pg, no native engine), and the pg pool under
// it. Created lazily so that importing this module (e.g. while Next collects page data) opens nothing.
//
// The engine's per-page and per-batch statements (repositories/stage-page.ts, staging.ts,
// write-protocol.ts, …) go to pg directly (`hotQuery`): through `$queryRaw` each paid Prisma's
// parameter and result conversion, a tenth of the worker's CPU in the benchmark. They use pools of
// their own, opened on first use (at most 4 connections, and 2 for the durable mark, besides the
// pool under Prisma); everything else uses the Prisma client.
import { PrismaPg } from "@prisma/adapter-pg";
import { hash } from "node:crypto";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client";
import { config, databaseTimeouts, type DatabaseTimeouts } from "./config";
import { UTC_TIMESTAMP_TYPES } from "./pg-types";

export type Db = PrismaClient;

interface Pools {
  /** Under Prisma: every commit waits for its WAL flush (the default). */
  durable: pg.Pool;
  /** For the engine's bookkeeping statements, opened on first use: commits do not wait (see hotQuery). */
  lazy?: pg.Pool;
  /** For the engine's durable statements (the mark before a call), opened on first use: commits wait (see hotQuery). */
  marks?: pg.Pool;
  /** For passes over a whole scheme's staging, opened on first use: a plan per call (see scanQuery). */
  scans?: pg.Pool;
  options: pg.PoolConfig;
}

/**
 * Every client createPrisma made, with its pools: on globalThis, as the process-wide client is (see
 * prisma()). Next bundles the instrumentation hook and the routes with a copy of this module each; a
 * registry per copy did not know the client another copy made first, and every statement through
 * hotQuery failed ("not made by createPrisma") once the web app's start hook opened the client.
 */
const pools: WeakMap<Db, Pools> = ((globalThis as unknown as { qiaoPools?: WeakMap<Db, Pools> }).qiaoPools ??= new WeakMap<Db, Pools>());

/**
 * How long a pool keeps an idle connection: longer than the shortest schedule (a minute), so a
 * scheme that runs every minute finds its connections still open. With pg's default of 10 s every
 * tick of 200 one-minute schemes opened ~32 backends again (100 distinct backends in a two-minute
 * benchmark), each paying its start, its catalog caches and the re-planning of the engine's named
 * statements (docs/scale.md, "Connections between ticks").
 */
export const POOL_IDLE_MS = 90_000;

/**
 * `max` connections under Prisma (the engine's pools add at most 8, see enginePoolOf). `timeouts`
 * overrides the environment's (QIAO_DB_KEEPALIVE_S, QIAO_DB_QUERY_TIMEOUT_MS,
 * QIAO_DB_CONNECT_TIMEOUT_MS; see guardedPoolOptions).
 */
export function createPrisma(connectionString: string, max = 10, timeouts: Partial<DatabaseTimeouts> = {}): Db {
  // allowExitOnIdle: idle connections alone do not keep a process alive (a script that is done
  // exits at once rather than after POOL_IDLE_MS); the worker and the web app have other handles.
  const options: pg.PoolConfig = {
    connectionString,
    max,
    idleTimeoutMillis: POOL_IDLE_MS,
    allowExitOnIdle: true,
    // Raw queries read `timestamp` columns (UTC) as UTC, not as the process's local time.
    types: UTC_TIMESTAMP_TYPES,
    ...guardedPoolOptions(timeouts),
  };
  const pool = guardPool(new pg.Pool(options));
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  const entry: Pools = { durable: pool, options };
  pools.set(db, entry);
  const disconnect = db.$disconnect.bind(db);
  db.$disconnect = async () => {
    const { lazy, marks, scans } = entry;
    entry.lazy = undefined;
    entry.marks = undefined;
    entry.scans = undefined;
    await Promise.all([lazy?.end(), marks?.end(), scans?.end(), disconnect()]);
  };
  return db;
}

/**
 * What every pool does about a connection that died silently (a Postgres failover, a network cut
 * without a reset), which otherwise hangs its statement until the kernel gives up, hours later:
 *
 * - TCP keepalive, probes after `keepAliveMs` idle: the kernel drops an idle connection whose peer
 *   is gone (and a firewall does not forget a quiet one). It cannot bound a statement in flight
 *   (probes wait while sent bytes are unacknowledged, and Node 20 leaves the probes' interval and
 *   count at the kernel's, 75 s × 9 on Linux).
 * - `query_timeout`: this process stops waiting for a statement's answer after `queryTimeoutMs`
 *   and the statement fails; its connection is closed, never reused (pool.query hands it back with
 *   the error, and guardPool closes one handed back inside a transaction). Measured here, so it
 *   fires when the server cannot be reached, which a server-side statement_timeout cannot. The
 *   statement may still complete on a server that was only slow: a caller must treat a timeout
 *   as "may have committed", as it treats a connection lost under a statement (the write protocol
 *   does: a batch left `sending` is looked up, never resent blindly).
 * - `connectionTimeoutMillis`: opening a connection (TCP, then Postgres's startup, which a
 *   blackholed server never answers) or waiting for a free one in a full pool fails after
 *   `connectTimeoutMs` (with errors isDatabaseUnavailable recognizes), instead of waiting for the
 *   kernel's SYN retries (about two minutes) or forever.
 *
 * Not set: statement_timeout (server-side: it cannot fire when the server is unreachable, and would
 * only add a second bound on the same statements) and idle_in_transaction_session_timeout (it frees
 * the server from a client that vanished mid-transaction; it does nothing for this process).
 */
function guardedPoolOptions(given: Partial<DatabaseTimeouts>): pg.PoolConfig {
  // The environment is read only for what is not given (a test or a script may give all three).
  let env: DatabaseTimeouts | undefined;
  const fromEnv = () => (env ??= databaseTimeouts());
  return {
    keepAlive: true,
    // Node sets the delay in whole seconds (below one second: the kernel's two hours).
    keepAliveInitialDelayMillis: Math.max(1000, given.keepAliveMs ?? fromEnv().keepAliveMs),
    // pg: 0 is no bound.
    query_timeout: given.queryTimeoutMs ?? fromEnv().queryTimeoutMs,
    connectionTimeoutMillis: given.connectTimeoutMs ?? fromEnv().connectTimeoutMs,
  };
}

/**
 * Every pool's handlers. A connection that dies while idle (server restart) must not crash the
 * process: the next query gets a fresh one, and a query in flight reports the error where it is
 * awaited. And a connection handed back inside a transaction is closed, not kept: Prisma's adapter
 * hands a transaction's connection back without the error when a statement in it failed, also when
 * the statement timed out (query_timeout) and is still running or stuck in the connection, and its
 * ROLLBACK then timed out behind it. Kept, the connection's next user would wait behind the dead
 * statement, or, once a slow one finishes, run in that transaction, never committed.
 */
function guardPool(pool: pg.Pool): pg.Pool {
  pool.on("error", () => undefined);
  pool.on("release", (error, client) => {
    const status = client.getTransactionStatus();
    if (error || status === "I" || status === null) return;
    // Ending makes the pool drop it rather than keep it (it checks right after this event); the
    // socket is destroyed too, so a dead peer's missing answer to the goodbye holds nothing up.
    void client.end();
    client.connection.stream.destroy();
  });
  return pool;
}

function poolsOf(db: Db): Pools {
  const entry = pools.get(db);
  if (!entry) throw new Error("this Prisma client was not made by createPrisma");
  return entry;
}

/** The pg pool under a client made by `createPrisma` (durable commits). */
export function poolOf(db: Db): pg.Pool {
  return poolsOf(db).durable;
}

/**
 * Settings of every engine pool: no JIT and no parallel workers. The engine's statements find rows by
 * key, or make one pass over one scheme's staging; neither gains from them on a small host, and a
 * generic plan whose estimates come from a table dominated by one large scheme (rows = table /
 * schemes) chose both for a scheme of 500 rows: 130 ms instead of 0.1 (docs/scale.md, "Session 23").
 */
const ENGINE_SETTINGS = "-c jit=off -c max_parallel_workers_per_gather=0";

/**
 * The engine's pools, opened on first use. `lazy` and `marks` run named statements with
 * enable_seqscan off: these statements find rows by key only, and their plans are cached per
 * connection (see hotQuery); without it, a plan made while a table was small could scan it. `lazy`
 * commits without waiting for the WAL flush; `marks` waits (the default), for the one statement that
 * must be durable before a call. `scans` plans each statement for its values (see scanQuery).
 */
function enginePoolOf(db: Db, which: "lazy" | "marks" | "scans"): pg.Pool {
  const entry = poolsOf(db);
  let pool = entry[which];
  if (!pool) {
    const settings = {
      lazy: `-c synchronous_commit=off -c enable_seqscan=off ${ENGINE_SETTINGS}`,
      marks: `-c enable_seqscan=off ${ENGINE_SETTINGS}`,
      scans: `-c synchronous_commit=off ${ENGINE_SETTINGS}`,
    }[which];
    pool = new pg.Pool({
      ...entry.options,
      // A run marks one batch at a time (two with the next one prepared while a call is in flight);
      // a pass over a scheme is one statement of a run's start or end.
      max: Math.min(which === "lazy" ? 4 : 2, entry.options.max ?? 4),
      options: settings,
    });
    guardPool(pool);
    entry[which] = pool;
  }
  return pool;
}

/**
 * One pass over a scheme's staging rows (the first look's counts, the overview's recount), planned
 * for its values on every call (an unnamed statement): a scheme that is most of staging is read
 * sequentially, under half the time of the bitmap scan through (scheme_id, id) that enable_seqscan
 * off left (1.9 → 0.85 s at 1,000,000 shop-like rows, analyzed), and a small one through the index.
 * A generic plan cannot tell them apart: its estimate is the table's rows over its schemes. Without
 * statistics (a table autovacuum never analyzed) both are a bitmap scan. Planning costs ~0.1 ms, once
 * per run. Commits without waiting for the WAL flush (nothing here is part of the write protocol).
 */
export async function scanQuery<R extends pg.QueryResultRow>(db: Db, text: string, values: unknown[]): Promise<R[]> {
  return (await enginePoolOf(db, "scans").query<R>(text, values)).rows;
}

/**
 * Runs one of the engine's hot statements, as a named statement on connections with enable_seqscan
 * off (`enginePoolOf`), so Postgres plans each once per connection
 * instead of on every call (planning was ~0.35 ms a statement, 15% of Postgres's CPU in the
 * benchmark) and the plan it keeps finds rows by key even if it was made while a table was small.
 * (Named statements on ordinary connections were tried first: a generic plan made while a first
 * run's staging table was small kept scanning the whole table as it grew.) The durable mark is named
 * too, on a pool of its own whose commits wait for the flush (parsing and planning it for every batch
 * was a twentieth of Postgres's CPU per record: issue #16).
 *
 * Only `durable` statements wait for their commit to reach the disk: the write protocol's mark
 * (records `sending` before the call), whose loss in a Postgres crash could mean sending a record
 * twice. What else the engine writes per page and batch (staging, answers, counters, log lines)
 * commits without waiting (synchronous_commit off: a tenth of Postgres's CPU in the benchmark). A
 * Postgres crash loses at most its last fraction of a second of those, and each is redone safely:
 * a page is staged again when it is read again, and a batch whose answer was lost is still
 * `sending`, so it is looked up in the target, not resent. A durable commit also makes every
 * commit before it durable (there is one WAL).
 */
export async function hotQuery<R extends pg.QueryResultRow>(db: Db, text: string, values: unknown[], durable = false): Promise<R[]> {
  return (await enginePoolOf(db, durable ? "marks" : "lazy").query<R>({ name: statementName(text), text, values })).rows;
}

const names = new Map<string, string>();

/** A prepared statement's name: the same text, the same name (on every connection). */
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `qiao_${hash("sha1", text, "hex").slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}

const globalForPrisma = globalThis as unknown as { qiaoPrisma?: Db };

/** The process-wide client for `DATABASE_URL` (kept on globalThis to survive Next's hot reload). */
export function prisma(): Db {
  globalForPrisma.qiaoPrisma ??= createPrisma(config().DATABASE_URL);
  return globalForPrisma.qiaoPrisma;
}

/** Throws unless the database answers (the health check). */
export async function pingDatabase(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
