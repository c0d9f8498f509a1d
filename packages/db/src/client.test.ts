import pg from "pg";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { createPrisma, hotQuery, POOL_IDLE_MS } from "./client";
import { createTestDatabase, type TestDatabase } from "./testing";

let t: TestDatabase;
let admin: pg.Client;

beforeAll(async () => {
  t = await createTestDatabase("pool");
  admin = new pg.Client({ connectionString: t.url });
  await admin.connect();
}, 60_000);

afterAll(async () => {
  await admin?.end();
  await t?.drop();
});

/** Backends connected to the test database, besides the one counting them. */
async function backends(): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
  );
  return rows[0]!.n;
}

test("idle connections outlive a one-minute schedule's gap and close after POOL_IDLE_MS", async () => {
  const db = createPrisma(t.url);
  // Only timers are faked (the pools' idle timers among them): the connections and the counting stay real.
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  try {
    // One connection in the pool under Prisma, one in the engine's pool for named statements.
    await db.$queryRaw`SELECT 1`;
    await hotQuery(db, "SELECT 1 AS one", []);
    expect(await backends()).toBe(2);
    // A minute later (pg's default closed idle connections after 10 s): both still open.
    vi.advanceTimersByTime(60_000);
    expect(await backends()).toBe(2);
    // Past POOL_IDLE_MS: both closed.
    vi.advanceTimersByTime(POOL_IDLE_MS - 60_000 + 1);
    vi.useRealTimers();
    await expect.poll(backends, { timeout: 5_000 }).toBe(0);
  } finally {
    vi.useRealTimers();
    await db.$disconnect();
  }
}, 30_000);

// Session 35: Next bundles the web app's start hook and its routes with a copy of this module each.
// The start hook opened the process-wide client first, and every route's statement through hotQuery
// failed ("this Prisma client was not made by createPrisma": the registry was the other copy's).
test("a client made by one copy of the module runs hotQuery in another copy", async () => {
  const db = createPrisma(t.url, 2);
  try {
    vi.resetModules();
    const other = await import("./client");
    expect(other.hotQuery).not.toBe(hotQuery);
    expect(await other.hotQuery<{ one: number }>(db, "SELECT 1 AS one", [])).toEqual([{ one: 1 }]);
  } finally {
    await db.$disconnect();
  }
}, 30_000);
