// A Postgres connection that dies silently (a failover, a network cut without a reset) fails the
// statement waiting on it within the configured bound instead of hanging for hours, is never used
// again, and leaves the write protocol safe: a durable mark or an answer whose result was lost is
// looked up, never sent again blindly. Postgres "goes silent" for the pools under test only: they
// reach it through a loopback TCP proxy of this file that can swallow bytes without closing
// anything (the shared server is not touched). Real Postgres, a database of its own.
import { readFileSync } from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type * as client from "./client";
import { createPrisma, hotQuery, type Db } from "./client";
import { isDatabaseUnavailable } from "./db-errors";
import { markSending } from "./repositories/mark-sending";
import { dueUnknownRecords, parkSending } from "./repositories/outcomes";
import { claimRun, createRun } from "./repositories/runs";
import { nextPendingRecords } from "./repositories/staging";
import { recordWriteResults } from "./repositories/write-protocol";
import { createTestDatabase, type TestDatabase } from "./testing";

/** How each proxied connection behaves: forwarding, swallowing both ways, or swallowing only the server's answers. */
type Link = "open" | "silent" | "answers-lost";

/**
 * A loopback TCP proxy in front of Postgres. `cut()` and `loseAnswers()` turn every connection open
 * now, and every one opened later, silent (the bytes are swallowed, nothing is closed: a blackholed
 * peer); `restore()` lets new connections through again, while the ones that went silent stay so,
 * as a connection cut by a failover does.
 */
interface PgProxy {
  url: string;
  cut(): void;
  loseAnswers(): void;
  restore(): void;
  close(): Promise<void>;
}

async function startPgProxy(databaseUrl: string): Promise<PgProxy> {
  const target = new URL(databaseUrl);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(target.hostname)) throw new Error("this test only runs against a loopback Postgres");
  const host = target.hostname === "[::1]" ? "::1" : "127.0.0.1";
  const port = Number(target.port || 5432);
  let next: Link = "open";
  const links = new Set<{ link: Link; client: net.Socket; upstream: net.Socket }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    const pair = { link: next, client, upstream };
    links.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      links.delete(pair);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.on("data", (chunk) => {
      if (pair.link !== "silent") upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (pair.link === "open") client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as net.AddressInfo).port);
  const silence = (link: Link) => {
    next = link;
    for (const pair of links) if (pair.link === "open") pair.link = link;
  };
  return {
    url: url.toString(),
    cut: () => silence("silent"),
    loseAnswers: () => silence("answers-lost"),
    restore() {
      next = "open";
    },
    async close() {
      for (const pair of links) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** How a promise settled within `limitMs` (or that it did not: "hung"), and after how long. */
async function settle<T>(promise: Promise<T>, limitMs = 6_000): Promise<{ state: "resolved" | "rejected" | "hung"; ms: number; value?: T; error?: unknown }> {
  const started = Date.now();
  // A promise left hanging rejects when the test closes its pools: not an unhandled rejection.
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<"hung">((resolve) => (timer = setTimeout(() => resolve("hung"), limitMs)));
  const result = await Promise.race([
    promise.then(
      (value) => ({ state: "resolved" as const, value }),
      (error: unknown) => ({ state: "rejected" as const, error }),
    ),
    hung.then(() => ({ state: "hung" as const })),
  ]);
  clearTimeout(timer);
  return { ...result, ms: Date.now() - started };
}

/** Small bounds, so that a silent connection costs the test half a second. */
const QUICK = { keepAliveMs: 1_000, queryTimeoutMs: 500, connectTimeoutMs: 1_000 };
/** The bound with room for a busy machine: a statement that fails after this did not fail on the bound. */
const WITHIN = 3_000;

let tdb: TestDatabase;
let admin: Db;
let proxy: PgProxy;
const opened: Db[] = [];

function viaProxy(max = 2, timeouts: Partial<typeof QUICK> = QUICK): Db {
  const db = createPrisma(proxy.url, max, timeouts);
  opened.push(db);
  return db;
}

beforeAll(async () => {
  tdb = await createTestDatabase("timeouts");
  admin = createPrisma(tdb.url, 4);
  proxy = await startPgProxy(tdb.url);
}, 60_000);

afterAll(async () => {
  proxy?.restore();
  await Promise.allSettled(opened.map((db) => db.$disconnect()));
  await admin?.$disconnect();
  await proxy?.close();
  await tdb?.drop();
}, 30_000);

describe("a connection that went silent", () => {
  it("fails a Prisma query and a hotQuery (bookkeeping and durable) within QIAO_DB_QUERY_TIMEOUT_MS; once the network is back the next ones get new connections", async () => {
    proxy.restore();
    const db = viaProxy();
    // One connection open in each pool: the one under Prisma, the engine's, the durable marks'.
    await db.$queryRaw`SELECT 1`;
    await hotQuery(db, "SELECT 1 AS one", []);
    await hotQuery(db, "SELECT 1 AS one", [], true);
    proxy.cut();
    for (const query of [() => db.$queryRaw`SELECT 2`, () => hotQuery(db, "SELECT 2 AS two", []), () => hotQuery(db, "SELECT 2 AS two", [], true)]) {
      const r = await settle(query());
      expect(r.state).toBe("rejected");
      expect(String(r.error)).toMatch(/timeout/i);
      // What the engine retries later (the run stays `running`) rather than failing the run.
      expect(isDatabaseUnavailable(r.error)).toBe(true);
      expect(r.ms).toBeGreaterThanOrEqual(QUICK.queryTimeoutMs - 50);
      expect(r.ms).toBeLessThan(WITHIN);
    }
    // The connections that went silent stay so: a statement given one of them would time out again.
    proxy.restore();
    for (const query of [() => db.$queryRaw<{ n: number }[]>`SELECT 3 AS n`, () => hotQuery<{ n: number }>(db, "SELECT 3 AS n", []), () => hotQuery<{ n: number }>(db, "SELECT 3 AS n", [], true)]) {
      const r = await settle(query());
      expect(r).toMatchObject({ state: "resolved", value: [{ n: 3 }] });
    }
  }, 30_000);

  it("fails a query that needs a new connection within QIAO_DB_CONNECT_TIMEOUT_MS while the server does not answer, as the database being unavailable", async () => {
    const db = viaProxy();
    proxy.cut();
    try {
      for (const query of [() => db.$queryRaw`SELECT 1`, () => hotQuery(db, "SELECT 1 AS one", []), () => hotQuery(db, "SELECT 1 AS one", [], true)]) {
        const r = await settle(query());
        expect(r.state).toBe("rejected");
        expect(r.ms).toBeGreaterThanOrEqual(QUICK.connectTimeoutMs - 50);
        expect(r.ms).toBeLessThan(WITHIN);
        // What the engine retries later (the run stays `running`) rather than failing the run.
        expect(isDatabaseUnavailable(r.error)).toBe(true);
      }
    } finally {
      proxy.restore();
    }
    expect(await db.$queryRaw`SELECT 1 AS n`).toEqual([{ n: 1 }]);
  }, 30_000);

  it("takes its bounds from QIAO_DB_QUERY_TIMEOUT_MS and QIAO_DB_CONNECT_TIMEOUT_MS when createPrisma is given none", async () => {
    const saved = { query: process.env.QIAO_DB_QUERY_TIMEOUT_MS, connect: process.env.QIAO_DB_CONNECT_TIMEOUT_MS };
    process.env.QIAO_DB_QUERY_TIMEOUT_MS = "1000";
    process.env.QIAO_DB_CONNECT_TIMEOUT_MS = "1500";
    vi.resetModules();
    try {
      // A fresh module: config() reads the environment as set now.
      const fresh: typeof client = await import("./client");
      const db = fresh.createPrisma(proxy.url, 2);
      opened.push(db);
      await fresh.hotQuery(db, "SELECT 1 AS one", []);
      proxy.cut();
      const answer = await settle(fresh.hotQuery(db, "SELECT 2 AS two", []));
      expect(answer.state).toBe("rejected");
      expect(answer.ms).toBeGreaterThanOrEqual(950);
      expect(answer.ms).toBeLessThan(1_000 + WITHIN);
      const connect = await settle(db.$queryRaw`SELECT 1`);
      expect(connect.state).toBe("rejected");
      expect(connect.ms).toBeGreaterThanOrEqual(1_450);
      expect(connect.ms).toBeLessThan(1_500 + WITHIN);
    } finally {
      proxy.restore();
      process.env.QIAO_DB_QUERY_TIMEOUT_MS = saved.query;
      process.env.QIAO_DB_CONNECT_TIMEOUT_MS = saved.connect;
      if (saved.query === undefined) delete process.env.QIAO_DB_QUERY_TIMEOUT_MS;
      if (saved.connect === undefined) delete process.env.QIAO_DB_CONNECT_TIMEOUT_MS;
      vi.resetModules();
    }
  }, 30_000);
});

describe("a statement that times out inside a Prisma transaction", () => {
  it("does not leave its connection in the pool, where the next statement would run in that transaction and never commit", async () => {
    await admin.$executeRawUnsafe("CREATE TABLE tx_timeouts (n int)");
    // One connection, so the statement after the transaction gets the transaction's if it is kept.
    const db = createPrisma(tdb.url, 1, { ...QUICK, queryTimeoutMs: 300 });
    opened.push(db);
    const tx = settle(
      db.$transaction(async (t) => {
        await t.$executeRaw`INSERT INTO tx_timeouts VALUES (0)`;
        // Slow, not dead: it times out here, and the ROLLBACK queued behind it times out too.
        await t.$queryRaw`SELECT pg_sleep(1.2)::text AS slept`;
      }),
    );
    const failed = await tx;
    expect(failed.state).toBe("rejected");
    expect(String(failed.error)).toMatch(/timeout/i);
    // Past the sleep: a connection kept in the pool would be idle again, in the transaction.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await db.$executeRaw`INSERT INTO tx_timeouts VALUES (1)`;
    // Seen from another connection: committed, and the transaction's own row rolled back.
    expect(await admin.$queryRaw`SELECT n FROM tx_timeouts ORDER BY n`).toEqual([{ n: 1 }]);
  }, 30_000);
});

describe("TCP keepalive", () => {
  /** The kernel's view of this process's socket with local port `port` to Postgres's port: its timer and when it fires (in 1/100 s). */
  function socketTimer(port: number, serverPort: number): { timer: number; ticks: number } | undefined {
    for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        continue;
      }
      for (const line of text.split("\n").slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length < 6) continue;
        const local = parseInt(f[1]!.split(":").pop()!, 16);
        const remote = parseInt(f[2]!.split(":").pop()!, 16);
        if (local !== port || remote !== serverPort) continue;
        const [timer, when] = f[5]!.split(":");
        return { timer: parseInt(timer!, 16), ticks: parseInt(when!, 16) };
      }
    }
    return undefined;
  }

  it.skipIf(process.platform !== "linux")("is on for every pool's connections, probing after QIAO_DB_KEEPALIVE_S (default 10 s)", async () => {
    const url = new URL(tdb.url);
    url.searchParams.set("application_name", "qiao-keepalive");
    // The environment's defaults.
    const db = createPrisma(url.toString(), 2);
    opened.push(db);
    await db.$queryRaw`SELECT 1`;
    await hotQuery(db, "SELECT 1 AS one", []);
    await hotQuery(db, "SELECT 1 AS one", [], true);
    const ports = (
      await admin.$queryRaw<{ port: number }[]>`
        SELECT client_port AS port FROM pg_stat_activity WHERE application_name = 'qiao-keepalive' AND datname = current_database()`
    ).map((r) => r.port);
    expect(ports).toHaveLength(3);
    const serverPort = Number(url.port || 5432);
    for (const port of ports) {
      // Idle and acknowledged: the keepalive timer (2) is the one armed, due within the delay.
      await expect.poll(() => socketTimer(port, serverPort)?.timer, { timeout: 5_000 }).toBe(2);
      expect(socketTimer(port, serverPort)!.ticks).toBeLessThanOrEqual(10 * 100);
    }
  }, 30_000);
});

describe("the write protocol when a statement's answer is lost", () => {
  async function setup(sourceIds: string[]) {
    const scheme = await admin.scheme.create({ data: { name: `超时 ${Math.random()}`, definition: {} } });
    const run = await createRun(admin, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
    const claimed = await claimRun(admin, run.id, new Date());
    if (!claimed.claimed) throw new Error("not claimed");
    const ids: bigint[] = [];
    for (const sourceId of sourceIds) {
      const row = await admin.sourceRecord.create({
        data: { schemeId: scheme.id, sourceId, data: { code: sourceId }, dataHash: `d-${sourceId}`, payloadHash: "h0", status: "pending", lastRunId: run.id },
      });
      ids.push(row.id);
    }
    const records = ids.map((id, i) => ({ id, sourceId: sourceIds[i]!, hash: "h1", payload: { FNumber: sourceIds[i] } }));
    return { ref: { runId: run.id, attempt: claimed.run.attempt }, schemeId: scheme.id, ids, records };
  }

  const statuses = async (ids: bigint[]) =>
    (await admin.sourceRecord.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" }, select: { status: true, batchId: true } })).map((r) => r.status);

  it("a durable mark committed by the server whose answer never came: the call is not made, and its records are looked up, not sent", async () => {
    proxy.restore();
    const db = viaProxy();
    const { ref, schemeId, ids, records } = await setup(["A", "B", "C"]);
    await hotQuery(db, "SELECT 1 AS one", [], true);
    proxy.loseAnswers();
    const mark = await settle(markSending(db, { ...ref, schemeId, batchId: "b1", mappingKey: "k", records }));
    proxy.restore();
    // The caller learns nothing was marked for sure: it throws, so no call is made.
    expect(mark.state).toBe("rejected");
    expect(mark.ms).toBeLessThan(WITHIN);
    // The server committed the mark: the records are `sending` without a call …
    expect(await statuses(ids)).toEqual(["sending", "sending", "sending"]);
    // … so no write takes them again (only pending records are sent) …
    expect(await nextPendingRecords(db, { schemeId, afterId: 0n, limit: 10 })).toEqual([]);
    // … and the attempt that settles the scheme parks them as unknown, to be looked up in the target
    // with the payload the mark kept; only a record the lookup finds absent is sent again.
    expect((await parkSending(admin, { ...ref, schemeId, delayMs: 0, message: "answer lost" })).parked).toBe(3);
    expect(await statuses(ids)).toEqual(["unknown", "unknown", "unknown"]);
    const due = await dueUnknownRecords(admin, { schemeId, afterId: 0n, limit: 10 });
    expect(due.map((r) => [r.id, r.batchId, r.payload])).toEqual(records.map((r) => [r.id, "b1", r.payload]));
  }, 30_000);

  it("an answer statement that times out after the call: its records stay `sending` (not pending) and are looked up", async () => {
    proxy.restore();
    const db = viaProxy();
    const { ref, schemeId, ids, records } = await setup(["D", "E"]);
    expect(new Set(await markSending(db, { ...ref, schemeId, batchId: "b2", mappingKey: "k", records }))).toEqual(new Set(ids));
    // The call was made (its answer: written); recording it goes silent before it reaches the server.
    await hotQuery(db, "SELECT 1 AS one", []);
    proxy.cut();
    const answer = await settle(
      recordWriteResults(db, {
        ...ref,
        batchId: "b2",
        mode: "create",
        results: records.map((r) => ({ id: r.id, hash: r.hash, outcome: "written" as const, targetId: `T-${r.sourceId}`, targetNumber: r.sourceId })),
        unknownWaitMs: 0,
        retryBackoffMs: [],
      }),
    );
    proxy.restore();
    expect(answer.state).toBe("rejected");
    expect(answer.ms).toBeLessThan(WITHIN);
    expect(await statuses(ids)).toEqual(["sending", "sending"]);
    expect(await nextPendingRecords(db, { schemeId, afterId: 0n, limit: 10 })).toEqual([]);
    expect((await parkSending(admin, { ...ref, schemeId, delayMs: 0, message: "answer lost" })).parked).toBe(2);
    expect((await dueUnknownRecords(admin, { schemeId, afterId: 0n, limit: 10 })).map((r) => r.id)).toEqual(ids);
  }, 30_000);
});
