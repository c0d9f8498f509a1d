// The pages people read stay fast on a large scheme (issue #16 item 4): a run's records and a
// scheme's failed records are read through indexes, a page touching a few hundred rows whatever the
// size of the run or of staging. Checked on the plans Postgres runs (EXPLAIN ANALYZE), on a scheme
// with 100,000 staged rows of which 0.1 % failed, and one run that wrote all of them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma } from "../../generated/prisma/client";
import { createPrisma, poolOf, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { countFailedRecords, failedRecordsCountSql, failedRecordsPageSql, listFailedRecords } from "./failed-records";
import { listRunRecords, runRecordsPageSql } from "./run-details";
import { createRun } from "./runs";

const ROWS = 100_000;
/** The first batch row's id (far from the ids the sequence hands the other run's rows). */
const BLOCK0 = 10_000_000_000;
/** The id of source record g's RunRecord (written: an entry of its page's batch row). */
const entryId = (g: number) => BigInt(BLOCK0 + Math.floor((g - 1) / 100) * 2048 + ((g - 1) % 100));

let tdb: TestDatabase;
let db: Db;
let schemeId: string;
let runId: string;
beforeAll(async () => {
  tdb = await createTestDatabase("readpages");
  db = createPrisma(tdb.url, 2);
  schemeId = (await db.scheme.create({ data: { name: "十万店铺", definition: {} } })).id;
  runId = (await createRun(db, { schemeId, schemeVersion: 1, trigger: "manual" })).id;
  const pool = poolOf(db);
  // Every 1000th record failed (with its reason, as the write path leaves it); the rest written.
  await pool.query(
    `INSERT INTO source_records (scheme_id, source_id, data, payload_hash, status, last_error, last_run_id)
     SELECT $1::uuid, g::text, '{}', 'h', CASE WHEN g % 1000 = 0 THEN 'failed' ELSE 'written' END::record_status,
       CASE WHEN g % 1000 = 0 THEN '名称为空' END, $2::uuid
     FROM generate_series(1, ${ROWS}) g`,
    [schemeId, runId],
  );
  // As the write path records them: each page of 100 a batch, its written records one
  // run_written_batches row owning the 1024 ids from BLOCK(k), its failed record (the 1000th) a
  // run_records row with the id after the block.
  await pool.query(
    `INSERT INTO run_written_batches (run_id, id, batch_id, ids, source_record_ids, source_ids, target_ids, target_numbers, payloads, responses, written, created_at)
     SELECT $1::uuid, ${BLOCK0} + k * 2048, 'b' || k, array_agg(${BLOCK0} + k * 2048 + (g - 100 * k - 1)), array_agg(id), array_agg(source_id),
       array_agg(NULL::text), array_agg(NULL::text), array_agg('{}'::jsonb), array_agg(NULL::jsonb), count(*), now()
     FROM (SELECT s.id, s.source_id, s.source_id::int AS g, (s.source_id::int - 1) / 100 AS k FROM source_records s
       WHERE s.scheme_id = $2::uuid AND s.status = 'written' ORDER BY s.id) w
     GROUP BY k`,
    [runId, schemeId],
  );
  await pool.query(
    `INSERT INTO run_records (id, run_id, source_record_id, source_id, status, error, payload)
     SELECT ${BLOCK0} + ((s.source_id::int - 1) / 100) * 2048 + 1024, $1::uuid, s.id, s.source_id, s.status, s.last_error, '{}'
     FROM source_records s WHERE s.scheme_id = $2::uuid AND s.status = 'failed'`,
    [runId, schemeId],
  );
  // Another scheme's run around it, so that the run is not the whole table.
  const other = await db.scheme.create({ data: { name: "其他", definition: {} } });
  const otherRun = await createRun(db, { schemeId: other.id, schemeVersion: 1, trigger: "manual" });
  await pool.query(
    `INSERT INTO run_records (run_id, source_record_id, source_id, status, payload)
     SELECT $1::uuid, g, g::text, 'written', '{}' FROM generate_series(1, 20000) g`,
    [otherRun.id],
  );
  await pool.query("ANALYZE");
}, 120_000);
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Function Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

async function plan(sql: Prisma.Sql): Promise<PlanNode> {
  const rows = await db.$queryRaw<{ "QUERY PLAN": [{ Plan: PlanNode }] }[]>(Prisma.sql`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`);
  return rows[0]!["QUERY PLAN"][0].Plan;
}

/**
 * Rows the plan's scans of staging, run_records and the batch rows looked at (returned or filtered
 * out; a batch row's entries count, as the rows of the unnest over it), and whether any was sequential.
 */
function scanned(node: PlanNode): { rows: number; seq: string[] } {
  const own = ["source_records", "run_records", "run_written_batches"].includes(node["Relation Name"] ?? "") || node["Function Name"] === "unnest";
  const here = own ? (node["Actual Rows"] + (node["Rows Removed by Filter"] ?? 0)) * node["Actual Loops"] : 0;
  const seq = own && node["Node Type"] === "Seq Scan" ? [node["Relation Name"]!] : [];
  return (node.Plans ?? []).map(scanned).reduce((a, b) => ({ rows: a.rows + b.rows, seq: [...a.seq, ...b.seq] }), { rows: here, seq });
}

describe(`with ${ROWS.toLocaleString("en-US")} staged records and a run that wrote them`, { timeout: 60_000 }, () => {
  it("pages through the run's records, all of them or of one status, reading a page's worth of rows", async () => {
    const first = await listRunRecords(db, { runId, take: 50 });
    expect(first).toHaveLength(50);
    expect(first.map((r) => r.id)).toEqual([...first.map((r) => r.id)].sort((a, b) => (a < b ? -1 : 1)));
    expect(first.map((r) => r.sourceId)).toEqual(Array.from({ length: 50 }, (_, i) => String(i + 1)));
    // Statuses are merged in id order: the 1000th record (failed) sits between written ones.
    const around = await listRunRecords(db, { runId, afterId: entryId(998), take: 3 });
    expect(around.map((r) => [r.sourceId, r.status])).toEqual([["999", "written"], ["1000", "failed"], ["1001", "written"]]);
    const failed = await listRunRecords(db, { runId, status: "failed", take: 200 });
    expect(failed).toHaveLength(ROWS / 1000);
    // Every record once, through the whole run, a page after another.
    let seen = 0;
    for (let after = 0n; ; ) {
      const page = await listRunRecords(db, { runId, afterId: after, take: 1000 });
      if (page.length === 0) break;
      seen += page.length;
      after = page.at(-1)!.id;
    }
    expect(seen).toBe(ROWS);

    const middle = entryId(ROWS / 2);
    for (const input of [{ runId, take: 51 }, { runId, afterId: middle, take: 51 }, { runId, status: "failed" as const, take: 51 }, { runId, status: "written" as const, afterId: middle, take: 51 }]) {
      const what = `${input.status ?? "any status"} after ${input.afterId ?? 0n}`;
      const s = scanned(await plan(runRecordsPageSql(input)));
      expect(s.seq, what).toEqual([]);
      expect(s.rows, what).toBeLessThan(1_000);
    }
  });

  it("lists and counts the scheme's failed records through the index of rows with an error", async () => {
    const page = await listFailedRecords(db, { schemeId, afterId: 0n, limit: 51 });
    expect(page).toHaveLength(51);
    expect(page.every((r) => r.status === "failed" && r.error === "名称为空" && r.run?.id === runId)).toBe(true);
    expect(await countFailedRecords(db, schemeId)).toBe(ROWS / 1000);

    for (const sql of [failedRecordsPageSql({ schemeId, afterId: 0n, limit: 51 }), failedRecordsPageSql({ schemeId, afterId: page[50]!.id, limit: 51 }), failedRecordsCountSql(schemeId), failedRecordsCountSql(schemeId, "dead")]) {
      const s = scanned(await plan(sql));
      expect(s.seq).toEqual([]);
      // The failed rows (100) and their RunRecords: not the scheme's 100,000.
      expect(s.rows).toBeLessThan(1_000);
    }
  });
});
