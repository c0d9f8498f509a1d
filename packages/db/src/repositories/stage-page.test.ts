// Staging a page of new records as a plain INSERT (issue #16 item 4): no ON CONFLICT, so no
// speculative insertion per row; a record that exists after all (a wrong guess, or another writer
// staging the same scheme meanwhile) sends the page again as the upsert, with the upsert's result.
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createPrisma, type Db } from "../client";
import { stagingHash } from "../staging-hash";
import { createTestDatabase, type TestDatabase } from "../testing";
import { claimRun, createRun } from "./runs";
import { stagePage, type StagedRecord } from "./stage-page";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("stagepage");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});
/** The staging statements sent since the test began: "insert" (plain) or "upsert" (ON CONFLICT) each. */
let sent: string[] = [];
beforeEach(() => {
  sent = [];
  const query = pg.Pool.prototype.query;
  vi.spyOn(pg.Pool.prototype, "query").mockImplementation(function (this: pg.Pool, ...args: unknown[]) {
    const text = (args[0] as { text?: string } | undefined)?.text ?? "";
    if (text.includes("INSERT INTO source_records")) sent.push(text.includes("ON CONFLICT") ? "upsert" : "insert");
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query);
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function started(): Promise<{ schemeId: string; runId: string; attempt: number }> {
  const schemeId = (await db.scheme.create({ data: { name: `页 ${Math.random()}`, definition: {} } })).id;
  const run = await createRun(db, { schemeId, schemeVersion: 1, trigger: "manual" });
  const claim = await claimRun(db, run.id, new Date());
  if (!claim.claimed) throw new Error("not claimed");
  return { schemeId, runId: run.id, attempt: claim.run.attempt };
}

const records = (from: number, to: number): StagedRecord[] =>
  Array.from({ length: to - from }, (_, i) => ({ sourceId: `S${from + i}`, data: { code: `S${from + i}`, name: `店铺 ${from + i}` } }));

/** Stages `page` as the engine does, and the statements it sent. */
async function stage(run: { schemeId: string; runId: string; attempt: number }, page: StagedRecord[], opts: { probe?: boolean; fresh?: boolean }) {
  const before = sent.length;
  const result = await stagePage(db, { ...run, mode: "create", records: page, payloadHash: (i) => `p-${page[i]!.sourceId}`, mappingKey: "k", ...opts });
  return { result, sent: sent.slice(before) };
}

async function rows(schemeId: string) {
  return db.sourceRecord.findMany({ where: { schemeId }, orderBy: { sourceId: "asc" }, select: { sourceId: true, status: true, payloadHash: true } });
}

describe("stagePage", () => {
  it("sends a page of new records as a plain INSERT, whether the probe found them new or the page before was", async () => {
    const run = await started();
    const probed = await stage(run, records(0, 50), { probe: true });
    expect(probed.sent).toEqual(["insert"]);
    expect(probed.result).toMatchObject({ inserted: 50, toWrite: 50, changed: 50 });
    const fresh = await stage(run, records(50, 100), { fresh: true });
    expect(fresh.sent).toEqual(["insert"]);
    expect(fresh.result).toMatchObject({ inserted: 50, toWrite: 50, changed: 50 });
    expect(fresh.result.pending.map((p) => p.sourceId)).toEqual(records(50, 100).map((r) => r.sourceId));
    expect(await rows(run.schemeId)).toHaveLength(100);
  });

  it("a fresh page with records staged already goes again as the upsert: the same result as the upsert alone", async () => {
    const run = await started();
    await stage(run, records(0, 30), {});
    // 30 staged, 20 new; S0–S9 changed.
    const page = records(0, 50).map((r, i) => (i < 10 ? { ...r, data: { ...r.data, name: "改名" } } : r));
    const { result, sent } = await stage(run, page, { fresh: true });
    expect(sent).toEqual(["insert", "upsert"]);
    expect(result).toMatchObject({ inserted: 20, toWrite: 50, changed: 50 });
    expect(await rows(run.schemeId)).toHaveLength(50);
    // A probed page with any changed record that exists is upserted at once.
    const again = await stage(run, records(0, 60), { probe: true });
    expect(again.sent).toEqual(["upsert"]);
    expect(again.result).toMatchObject({ inserted: 10, changed: 20 });
  });

  it("an attempt that no longer owns the run stages and counts nothing, by the probe, the upsert or the INSERT (session 26)", async () => {
    const run = await started();
    await stage(run, records(0, 30), {});
    const before = await db.run.findUniqueOrThrow({ where: { id: run.runId }, select: { fetched: true, skipped: true, total: true, phase: true } });
    const stale = { ...run, attempt: run.attempt - 1 };
    const changed = records(0, 50).map((r) => ({ ...r, data: { ...r.data, name: "旧的读取" } }));
    for (const opts of [{ probe: true }, { fresh: true }, {}]) {
      const { result } = await stagePage(db, { ...stale, mode: "create", records: changed, payloadHash: (i) => `old-${i}`, mappingKey: "k", progress: { total: 50, fetched: 50, skipped: 0 }, ...opts }).then((result) => ({ result }));
      expect(result).toMatchObject({ owner: false, inserted: 0, pending: [] });
      expect(result.run).toBeUndefined();
    }
    expect(await rows(run.schemeId)).toEqual(records(0, 30).map((r) => ({ sourceId: r.sourceId, status: "pending", payloadHash: `p-${r.sourceId}` })).sort((a, b) => a.sourceId.localeCompare(b.sourceId)));
    expect(await db.run.findUniqueOrThrow({ where: { id: run.runId }, select: { fetched: true, skipped: true, total: true, phase: true } })).toEqual(before);
    // The owner itself is answered as such.
    expect((await stage(run, records(30, 31), {})).result.owner).toBe(true);
  });

  it("a failed record whose payload changed leaves the retry policy's state behind; one whose payload did not keeps it (session 32)", async () => {
    const run = await started();
    await stage(run, records(0, 3), {});
    const retryState = { status: "failed" as const, errorClass: "transient" as const, retryStep: 5, retryAt: new Date(Date.now() - 1_000), deadAt: new Date(), retryPrior: { status: "failed" } };
    await db.sourceRecord.updateMany({ where: { schemeId: run.schemeId }, data: retryState });
    // S0 changed (another payload: pending), S1's data changed but maps to the same payload (still failed), S2 unchanged.
    const page = records(0, 3).map((r, i) => (i < 2 ? { ...r, data: { ...r.data, name: "改了" } } : r));
    await stagePage(db, { ...run, mode: "create", records: page, payloadHash: (i) => (i === 0 ? "p-S0-changed" : `p-${page[i]!.sourceId}`), mappingKey: "k", probe: true });
    expect(sent.slice(-1)).toEqual(["upsert"]);
    const after = await db.sourceRecord.findMany({
      where: { schemeId: run.schemeId },
      orderBy: { sourceId: "asc" },
      select: { sourceId: true, status: true, errorClass: true, retryStep: true, retryAt: true, deadAt: true, retryPrior: true },
    });
    const kept = { errorClass: "transient", retryStep: 5, retryAt: retryState.retryAt, deadAt: retryState.deadAt, retryPrior: retryState.retryPrior };
    expect(after).toEqual([
      { sourceId: "S0", status: "pending", errorClass: null, retryStep: 0, retryAt: null, deadAt: null, retryPrior: null },
      { sourceId: "S1", status: "failed", ...kept },
      { sourceId: "S2", status: "failed", ...kept },
    ]);
  });

  it("two writers staging the same new page at once both succeed, and each record is staged once", async () => {
    const run = await started();
    const page = records(0, 100);
    const both = await Promise.all([stage(run, page, { fresh: true }), stage(run, page, { fresh: true })]);
    expect(both.map((b) => b.result.inserted).sort((a, b) => a - b)).toEqual([0, 100]);
    expect([...sent].sort()).toEqual(["insert", "insert", "upsert"]);
    const staged = await rows(run.schemeId);
    expect(staged).toHaveLength(100);
    expect(new Set(staged.map((r) => r.status))).toEqual(new Set(["pending"]));
  });

  it("keeps source ids and 金蝶 numbers under COLLATE \"C\": their lookups and joins compare bytes, not the locale's strcoll", async () => {
    const columns = await db.$queryRaw<{ table_name: string; column_name: string; collation_name: string | null }[]>`
      SELECT table_name, column_name, collation_name FROM information_schema.columns
      WHERE table_schema = 'public' AND (table_name, column_name) IN (('source_records', 'source_id'), ('reconciliation_keys', 'number'),
        ('reconciliation_keys', 'source_id'), ('reconciliation_items', 'number'), ('reconciliation_items', 'source_id'))
      ORDER BY table_name, column_name`;
    expect(columns.map((c) => `${c.table_name}.${c.column_name} ${c.collation_name}`)).toEqual([
      "reconciliation_items.number C",
      "reconciliation_items.source_id C",
      "reconciliation_keys.number C",
      "reconciliation_keys.source_id C",
      "source_records.source_id C",
    ]);
    // The unique index the staging statements look ids up in was rebuilt with it.
    const indexed = await db.$queryRaw<{ collname: string }[]>`
      SELECT c.collname FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
        CROSS JOIN LATERAL unnest(i.indcollation) AS u(coll) JOIN pg_collation c ON c.oid = u.coll
      WHERE x.relname = 'source_records_scheme_id_source_id_key'`;
    expect(indexed).toEqual([{ collname: "C" }]);
  });

  it("stages each record's JSON text exactly, whatever its strings hold (newlines, quotes, backslashes, commas, braces)", async () => {
    const run = await started();
    const awkward = ["line 1\nline 2\r\n", 'say "hi", {x}', "C:\\path\\", "tab\tand\u0000nul", "NULL", "", "中文 😀", "\\n"];
    const page = (names: string[], from: number): StagedRecord[] =>
      // Source ids as awkward as the names (but NUL, which Postgres text cannot hold): the pending ones come back exactly.
      names.map((name, i) => ({ sourceId: `A${from + i} ${awkward[i]!.replaceAll("\u0000", "")}`, data: { code: `A${from + i}`, name, nested: { list: [name, 1, null] } } }));
    const first = page(awkward, 0);
    // A page of new records (the plain INSERT), then the upsert of changed ones and of new ones.
    const inserted = await stage(run, first, { fresh: true });
    expect(inserted.result.pending.map((p) => p.sourceId)).toEqual(first.map((r) => r.sourceId));
    const changed = page(awkward.map((a) => `${a}!`), 0);
    const upserted = [...changed.slice(0, 4), ...page(awkward, 100)];
    const { sent, result } = await stage(run, upserted, { probe: true });
    expect(sent).toEqual(["upsert"]);
    expect(result.pending.map((p) => p.sourceId).sort()).toEqual(upserted.map((r) => r.sourceId).sort());
    const expected = [...upserted, ...first.slice(4)];
    const texts = await db.$queryRaw<{ source_id: string; data: string; data_hash: string }[]>`
      SELECT source_id, data::text AS data, data_hash FROM source_records WHERE scheme_id = ${run.schemeId}::uuid`;
    const bySourceId = new Map(texts.map((t) => [t.source_id, t]));
    expect(bySourceId.size).toBe(expected.length);
    for (const record of expected) {
      const row = bySourceId.get(record.sourceId)!;
      expect(row.data).toBe(JSON.stringify(record.data));
      expect(row.data_hash).toBe(stagingHash("md5", JSON.stringify(record.data)));
    }
  });
});
