import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDatabase, migrate, MigrationError, readMigrations } from "./migrate";
import { MIGRATIONS_DIR } from "./paths";
import { createTestDatabase, type TestDatabase } from "./testing";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("migrate");
});
afterAll(async () => {
  await db?.drop();
});

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("migrate", () => {
  it("records every migration with the sha-256 of its file, and a second run applies nothing", async () => {
    const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      db.url,
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    const files = readMigrations(MIGRATIONS_DIR);
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    for (const [i, file] of files.entries()) {
      expect(rows[i]!.checksum).toBe(createHash("sha256").update(file.sql).digest("hex"));
      expect(rows[i]!.finished_at).not.toBeNull();
    }
    const again = await migrate(db.url, MIGRATIONS_DIR);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe(files.length);
  });

  it("stops at a failing file with its name and the SQL error, leaving nothing half-applied", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qiao-migrations-"));
    const write = (name: string, sql: string) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, "migration.sql"), sql);
    };
    write("20260101000000_ok", "CREATE TABLE t_ok (id int);");
    write("20260102000000_broken", "CREATE TABLE t_half (id int);\nSELECT * FROM no_such_table;");
    write("20260103000000_later", "CREATE TABLE t_later (id int);");
    const url = new URL(db.url);
    url.pathname = `/${db.name}_scratch`;
    await ensureDatabase(url.toString());
    try {
      const error = await migrate(url.toString(), dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as MigrationError).migration).toBe("20260102000000_broken");
      expect((error as Error).message).toMatch(/20260102000000_broken.*no_such_table/);
      const tables = await query<{ tablename: string }>(
        url.toString(),
        `SELECT tablename FROM pg_tables WHERE tablename LIKE 't\\_%'`,
      );
      expect(tables.map((t) => t.tablename)).toEqual(["t_ok"]);
      const recorded = await query<{ migration_name: string }>(url.toString(), `SELECT migration_name FROM "_prisma_migrations"`);
      expect(recorded.map((r) => r.migration_name)).toEqual(["20260101000000_ok"]);
    } finally {
      const admin = new URL(db.url);
      admin.pathname = "/postgres";
      await query(admin.toString(), `DROP DATABASE IF EXISTS "${db.name}_scratch" WITH (FORCE)`);
    }
  });
});
