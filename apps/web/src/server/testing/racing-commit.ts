// Another request's transaction committing while a request under test is under way (two tabs, or
// two people: one saves, the other deletes), played by a transaction of the test's own on the route
// bed's database (DATABASE_URL).
import pg from "pg";

/** A statement of the test's transaction, with its parameters. */
export type Statement = [sql: string, params?: unknown[]];

/**
 * Runs `request` while the test's transaction, begun with the `hold` statements, is under way; once
 * the request waits for a lock, the `finish` statements run and the transaction commits. Answers
 * what the request answered.
 */
export async function committingWhileWaiting<T>(hold: Statement[], finish: Statement[], request: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query("BEGIN");
    for (const [sql, params] of hold) await client.query(sql, params);
    const pending = request();
    // Until the request waits for a lock (a backend of this database other than ours).
    let waited = false;
    for (let i = 0; i < 40 && !waited; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const { rows } = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
      );
      waited = Number(rows[0]?.n) > 0;
    }
    if (!waited) throw new Error("the request never waited for a lock the test's transaction holds");
    for (const [sql, params] of finish) await client.query(sql, params);
    await client.query("COMMIT");
    return await pending;
  } finally {
    await client.end();
  }
}

/**
 * Runs `request` while the test's transaction holds row `id` of `table` (FOR UPDATE, as a route's
 * delete does); once the request waits for a lock, the row is deleted and the deletion committed.
 */
export function racingDelete<T>(table: "schemes" | "users", id: string, request: () => Promise<T>): Promise<T> {
  return committingWhileWaiting([[`SELECT id FROM ${table} WHERE id = $1 FOR UPDATE`, [id]]], [[`DELETE FROM ${table} WHERE id = $1`, [id]]], request);
}
