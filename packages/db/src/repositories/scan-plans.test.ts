// The passes over one scheme's staging (the first look of a run, the overview's recount) are planned
// for the scheme they read (scanQuery): a scheme that is most of staging is read sequentially (half
// the time of the bitmap scan through (scheme_id, id) at 1,000,000 rows), a small one beside it
// through the index, and neither with JIT or parallel workers (a generic plan whose estimate was the
// table over its schemes gave a scheme of 500 rows both: 130 ms instead of 0.1). docs/scale.md,
// "Session 23".
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { outcomeStats } from "./outcomes";
import { refreshRecordCounts } from "./overview";
import { statementsSent, type SentStatement } from "./pool-spy.test-util";

let tdb: TestDatabase;
let db: Db;
let big: string;
let small: string;
beforeAll(async () => {
  tdb = await createTestDatabase("scanplans");
  db = createPrisma(tdb.url, 2);
  big = (await db.scheme.create({ data: { name: "大方案", definition: {} } })).id;
  small = (await db.scheme.create({ data: { name: "小方案", definition: {} } })).id;
  // ~12 MB of staging, past min_parallel_table_scan_size (8 MB): a parallel scan is an option.
  await db.$executeRawUnsafe(`INSERT INTO source_records (scheme_id, source_id, data, payload_hash, written_hash, status)
    SELECT '${big}'::uuid, 'S' || g, json_build_object('code', 'S' || g, 'memo', repeat('备注', 80)), md5(g::text), md5(g::text), 'written'
    FROM generate_series(1, 25000) g`);
  await db.$executeRawUnsafe(`INSERT INTO source_records (scheme_id, source_id, data, payload_hash, status)
    SELECT '${small}'::uuid, 'S' || g, '{}', md5(g::text), 'pending' FROM generate_series(1, 5) g`);
  await db.$executeRawUnsafe(`ANALYZE source_records`);
}, 60_000);
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

/** The statements `work` sends that read source_records, with the pool each went through. */
async function capture(work: () => Promise<unknown>): Promise<SentStatement[]> {
  return (await statementsSent(work)).filter((s) => /FROM source_records/.test(s.text));
}

/** The plan the statement gets where it was sent (its pool's settings, its values), as text. */
async function planOf(s: SentStatement): Promise<string> {
  const client = await s.pool.connect();
  try {
    // Two runs of the statement first: a named one would have its generic plan by the sixth.
    const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN ${s.text}`, s.values);
    const settings = await client.query<{ jit: string; workers: string }>(
      `SELECT current_setting('jit') AS jit, current_setting('max_parallel_workers_per_gather') AS workers`,
    );
    return [...rows.map((r) => r["QUERY PLAN"]), `jit=${settings.rows[0]!.jit} workers=${settings.rows[0]!.workers}`].join("\n");
  } finally {
    client.release();
  }
}

for (const [name, pass] of [
  ["the first look (outcomeStats)", (scheme: string) => outcomeStats(db, scheme)],
  ["the overview's recount (refreshRecordCounts)", (scheme: string) => refreshRecordCounts(db, scheme)],
] as const) {
  it(`${name} reads a scheme that is most of staging sequentially, a small one through its index, serially and without JIT`, async () => {
    const [bigPass] = await capture(() => pass(big));
    const bigPlan = await planOf(bigPass!);
    expect(bigPlan).toMatch(/Seq Scan on source_records/);
    expect(bigPlan).not.toMatch(/Gather|Parallel/);
    expect(bigPlan).toContain("jit=off workers=0");

    const [smallPass] = await capture(() => pass(small));
    const smallPlan = await planOf(smallPass!);
    // Either index that starts with scheme_id.
    expect(smallPlan).toMatch(/(Index Scan using|Bitmap Index Scan on) source_records_scheme_id_/);
    expect(smallPlan).not.toMatch(/Seq Scan on source_records/);
    expect(smallPlan).toContain("jit=off workers=0");
    // The answers themselves.
    if (name.startsWith("the first look")) expect(await outcomeStats(db, small)).toMatchObject({ pending: 5, sending: 0, unknown: 0 });
  });
}
