// Which errors the engine treats as "database unavailable, retry the attempt later" (issue 7).
import { describe, expect, it } from "vitest";
import { createPrisma } from "./client";
import { isDatabaseUnavailable } from "./db-errors";
import { createTestDatabase } from "./testing";

describe("isDatabaseUnavailable", () => {
  it("recognises a connection killed under a query, and nothing else", async () => {
    const tdb = await createTestDatabase("dberrors");
    const db = createPrisma(tdb.url, 2);
    const other = createPrisma(tdb.url, 1);
    try {
      // A statement whose connection is terminated while it runs.
      const slow = db.$queryRaw`SELECT pg_sleep(5)`.catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await other.$queryRaw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND pid <> pg_backend_pid()`;
      const killed = await slow;
      expect(isDatabaseUnavailable(killed)).toBe(true);

      // The pool replaced the dead connection; statements that are merely wrong are not "unavailable".
      expect(await db.$queryRaw<{ one: number }[]>`SELECT 1 AS one`).toEqual([{ one: 1 }]);
      expect(isDatabaseUnavailable(await db.$queryRaw`SELECT 1/0`.catch((e: unknown) => e))).toBe(false);
      expect(isDatabaseUnavailable(await db.$queryRaw`SELECT * FROM no_such_table`.catch((e: unknown) => e))).toBe(false);
      expect(isDatabaseUnavailable(await db.run.findUnique({ where: { id: "not-a-uuid" } }).catch((e: unknown) => e))).toBe(false);
    } finally {
      await Promise.all([db.$disconnect(), other.$disconnect()]);
      await tdb.drop();
    }
  });

  it("reads node-postgres errors, and leaves every other error alone", () => {
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("terminating connection"), { code: "57P01", severity: "FATAL" }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("duplicate key"), { code: "23505", severity: "ERROR" }))).toBe(false);
    // An ERP that refuses connections is not the database being down.
    const erpDown = Object.assign(new Error("连不上金蝶服务器（ECONNREFUSED）", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) }), {
      name: "ConnectorError",
    });
    expect(isDatabaseUnavailable(erpDown)).toBe(false);
    expect(isDatabaseUnavailable(new Error("boom"))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
