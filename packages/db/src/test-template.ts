// Test databases as copies of one migrated template. Running all of prisma/migrations took about a
// second per test file (most files open a database of their own); copying a database that already
// has them takes about a fifth of that. The template is named by a hash of the migrations' names
// and contents, so a changed or added migration makes a new one, and a checkout with other
// migrations (another branch, a worktree) uses its own. It is built once, under an advisory lock
// (test files start in parallel), and never connected to afterwards: CREATE DATABASE … TEMPLATE
// refuses a template with sessions. Only the newest TEMPLATES_KEPT templates are kept.
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { migrate, readMigrations } from "./migrate";
import { MIGRATIONS_DIR } from "./paths";

/** Templates kept on the server (one per set of migrations in use: branches, worktrees). */
const TEMPLATES_KEPT = 3;
/** The advisory lock (on the `postgres` database) held while a template is built or dropped. */
const TEMPLATE_LOCK = 0x7174_706c; // "qtpl"

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** `qiao_tpl_<first 16 hex of the migrations' hash>`. */
export function templateName(migrationsDir = MIGRATIONS_DIR): string {
  const hash = createHash("sha256");
  for (const m of readMigrations(migrationsDir)) hash.update(`${m.name}\0${m.checksum}\n`);
  return `qiao_tpl_${hash.digest("hex").slice(0, 16)}`;
}

function adminUrl(base: URL): string {
  const url = new URL(base);
  url.pathname = "/postgres";
  return url.toString();
}

async function withAdmin<T>(base: URL, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl(base) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Retries `work` while Postgres says a database is still in use (a session ending is asynchronous). */
async function whileInUse(work: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await work();
      return;
    } catch (error) {
      // 55006 object_in_use: "database … is being accessed by other users".
      if ((error as { code?: string }).code !== "55006" || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Builds the template for the project's migrations if the server does not have it yet. */
async function ensureTemplate(base: URL, template: string): Promise<void> {
  await withAdmin(base, async (admin) => {
    await admin.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK]);
    try {
      const found = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate", [template]);
      if (found.rowCount) return;
      // A build a crashed process left behind (only one builds at a time: this one, under the lock).
      const left = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'qiao\\_tplbuild\\_%'`);
      for (const { datname } of left.rows) await admin.query(`DROP DATABASE IF EXISTS ${quote(datname)} WITH (FORCE)`);
      // Built under another name and renamed when complete: a half-migrated template is never used.
      const building = `qiao_tplbuild_${randomBytes(4).toString("hex")}`;
      await admin.query(`CREATE DATABASE ${quote(building)}`);
      try {
        const url = new URL(base);
        url.pathname = `/${building}`;
        await migrate(url.toString(), MIGRATIONS_DIR);
        await whileInUse(() => admin.query(`ALTER DATABASE ${quote(building)} RENAME TO ${quote(template)}`));
      } catch (error) {
        await admin.query(`DROP DATABASE IF EXISTS ${quote(building)} WITH (FORCE)`).catch(() => undefined);
        throw error;
      }
      await admin.query(`ALTER DATABASE ${quote(template)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
      // Older templates beyond the newest TEMPLATES_KEPT (by oid: the order they were made in).
      const stale = await admin.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE 'qiao\\_tpl\\_%' AND datistemplate ORDER BY oid DESC OFFSET $1`,
        [TEMPLATES_KEPT],
      );
      for (const { datname } of stale.rows) {
        await admin.query(`ALTER DATABASE ${quote(datname)} WITH IS_TEMPLATE false`);
        await admin.query(`DROP DATABASE IF EXISTS ${quote(datname)} WITH (FORCE)`);
      }
    } finally {
      await admin.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_LOCK]).catch(() => undefined);
    }
  });
}

const built = new Map<string, Promise<void>>();

/** Creates database `name` on `base`'s server as a copy of the project's migrated template. */
export async function copyOfTemplate(base: URL, name: string): Promise<void> {
  const template = templateName();
  const key = `${adminUrl(base)} ${template}`;
  for (let attempt = 0; ; attempt++) {
    let ready = built.get(key);
    if (!ready) {
      ready = ensureTemplate(base, template);
      built.set(key, ready);
      ready.catch(() => built.delete(key));
    }
    await ready;
    try {
      await withAdmin(base, (admin) => admin.query(`CREATE DATABASE ${quote(name)} TEMPLATE ${quote(template)}`));
      return;
    } catch (error) {
      // 3D000: the template was dropped meanwhile (another checkout's run kept only the newest ones).
      if ((error as { code?: string }).code !== "3D000" || attempt >= 1) throw error;
      built.delete(key);
    }
  }
}
