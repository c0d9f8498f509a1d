// Test support: a fresh, migrated database per test run (never the developer's own database), and
// fixtures several packages' tests share.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createPrisma, type Db } from "./client";
import { config } from "./config";
import { ensureDatabase, migrate, readMigrations } from "./migrate";
import { MIGRATIONS_DIR } from "./paths";
import { connectionBinding } from "./connections";
import { seal } from "./secrets";
import { copyOfTemplate } from "./test-template";

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * Creates `qiao_test_<label>_<time>_<random>` next to DATABASE_URL's database, migrated with the
 * migrations in `migrationsDir` (an upgrade test starts from the ones before its own).
 *
 * With the project's own migrations the database is a copy of a template migrated once for their
 * exact content (`qiao_tpl_<hash>`, see `migratedTemplate`): CREATE DATABASE … TEMPLATE takes about
 * a fifth of the time of running every migration, which every test file paid before.
 */
export async function createTestDatabase(label = "t", migrationsDir = MIGRATIONS_DIR): Promise<TestDatabase> {
  const base = new URL(process.env.TEST_DATABASE_URL ?? config().DATABASE_URL);
  const name = `qiao_test_${label}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const url = new URL(base);
  url.pathname = `/${name}`;
  if (migrationsDir === MIGRATIONS_DIR) {
    await copyOfTemplate(base, name);
  } else {
    await ensureDatabase(url.toString());
    await migrate(url.toString(), migrationsDir);
  }
  return {
    url: url.toString(),
    name,
    async drop() {
      const admin = new URL(base);
      admin.pathname = "/postgres";
      const sql = `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`;
      // Under vitest, dropped by a process of its own while the next test file starts: a DROP
      // DATABASE (a checkpoint, its files removed) took up to a second of every file's time.
      if (process.env.VITEST) return dropInBackground(admin.toString(), sql);
      const client = new pg.Client({ connectionString: admin.toString() });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
  };
}

/** Runs `sql` (a DROP DATABASE) on `adminUrl` from a detached node process that outlives this one. */
function dropInBackground(adminUrl: string, sql: string): void {
  const pgPath = createRequire(import.meta.url).resolve("pg");
  const script = `const pg = require(${JSON.stringify(pgPath)});
const client = new pg.Client({ connectionString: process.env.QIAO_DROP_URL });
client.connect().then(() => client.query(process.env.QIAO_DROP_SQL)).catch((e) => console.error(e.message)).finally(() => client.end());`;
  const child = spawn(process.execPath, ["-e", script], { detached: true, stdio: "ignore", env: { ...process.env, QIAO_DROP_URL: adminUrl, QIAO_DROP_SQL: sql } });
  child.unref();
}

/**
 * A test database migrated with every migration but `migration`: an upgrade test stages rows as the
 * code before it left them, then migrates (`migrate(url, MIGRATIONS_DIR)` applies the one left out).
 */
export async function createTestDatabaseWithout(label: string, migration: string): Promise<TestDatabase> {
  const before = mkdtempSync(join(tmpdir(), "qiao-migrations-"));
  try {
    cpSync(MIGRATIONS_DIR, before, { recursive: true });
    rmSync(join(before, migration), { recursive: true });
    return await createTestDatabase(label, before);
  } finally {
    rmSync(before, { recursive: true, force: true });
  }
}

/** A fresh database with one editor, for tests of what a person saves (schemes and their versions). */
export interface EditorDatabase {
  db: Db;
  /** The editor's user id (u1). */
  userId: string;
  close(): Promise<void>;
}

/** The connections the editor tests' definitions name (openEditorDatabase creates them as placeholders). */
export const EDITOR_CONNECTION_IDS = [
  "00000000-0000-4000-8000-000000000001",
  "00000000-0000-4000-8000-000000000002",
  "00000000-0000-4000-8000-000000000003",
] as const;

export async function openEditorDatabase(label: string): Promise<EditorDatabase> {
  const tdb = await createTestDatabase(label);
  const db = createPrisma(tdb.url, 2);
  const userId = (await db.user.create({ data: { id: "u1", email: "e@example.com", name: "编辑", role: "editor" } })).id;
  await createConnectionRows(db, EDITOR_CONNECTION_IDS);
  return {
    db,
    userId,
    async close() {
      await db.$disconnect();
      await tdb.drop();
    },
  };
}

/** A Redis key prefix of its own for one test run. */
export function testRedisPrefix(label = "t"): string {
  return `qiao-test:${label}:${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
}

/**
 * Applies migration `name` once more on `url`, in one transaction (the database is already migrated:
 * a test stages rows as the code before it did, then converts them the way the upgrade does).
 */
export async function applyMigrationAgain(url: string, name: string): Promise<void> {
  const file = readMigrations(MIGRATIONS_DIR).find((m) => m.name === name);
  if (!file) throw new Error(`no migration ${name} in ${MIGRATIONS_DIR}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`BEGIN;\n${file.sql}\nCOMMIT;`);
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * `count` staged records that failed transiently in `runId`, due for an automatic retry a minute ago
 * at `retryStep` of the schedule (4: the default schedule's last), with source ids S0, S1, …
 */
export async function transientFailures(db: Db, input: { schemeId: string; runId: string; count: number; retryStep?: number }) {
  const records = [];
  for (let i = 0; i < input.count; i++) {
    records.push(
      await db.sourceRecord.create({
        data: {
          schemeId: input.schemeId,
          sourceId: `S${i}`,
          data: { id: i },
          payloadHash: `h${i}`,
          status: "failed",
          lastRunId: input.runId,
          lastError: "金蝶繁忙",
          errorClass: "transient",
          retryStep: input.retryStep ?? 4,
          retryAt: new Date(Date.now() - 60_000),
        },
      }),
    );
  }
  return records;
}

/**
 * Placeholder connections with these ids (no credentials), for tests whose scheme definitions name
 * fixed connection ids: a scheme save refuses a connection that does not exist (session 31).
 */
export async function createConnectionRows(db: Db, ids: Record<string, string> | readonly string[]): Promise<void> {
  for (const id of Array.isArray(ids) ? ids : Object.values(ids)) {
    const baseUrl = "http://127.0.0.1:9/k3cloud/";
    const sealed = seal({}, connectionBinding({ id, baseUrl }));
    await db.$executeRaw`
      INSERT INTO connections (id, platform, name, base_url, settings, secret_ciphertext, secret_key_id, updated_at)
      VALUES (${id}::uuid, 'kingdee', ${`连接 ${id.slice(-4)}`}, ${baseUrl}, '{}'::jsonb, ${sealed.ciphertext}, ${sealed.keyId}, now())
      ON CONFLICT (id) DO NOTHING`;
  }
}
