// Upgrading a database staged with hex hashes (the code before migration 20261207100000_staging_short_hashes):
// after the migration converts them, a rerun of unchanged records finds nothing changed, maps nothing
// again and writes nothing; records whose outcome was unknown are looked up and become written, not
// stale (issue #16). A record that looked changed would be stale or sent again: in create mode, a
// duplicate in the ERP.
import { hash } from "node:crypto";
import { ConnectorError, type WriteRequest } from "@qiao/connectors";
import type { stagingHash } from "@qiao/db";
import { applyMigrationAgain } from "@qiao/db/testing";
import { afterEach, expect, test, vi } from "vitest";
import { executeRun } from "./execute-run";
import { runToEnd, simulate, testContext, wrapKingdeeTarget, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

// What the code before the migration stored: the whole digest in hex, for every staging hash.
const legacy = vi.hoisted(() => ({ on: false }));
vi.mock("../../db/src/staging-hash", async (importOriginal) => {
  const real = await importOriginal<{ stagingHash: typeof stagingHash }>();
  return {
    stagingHash: (algorithm: "md5" | "sha256", text: string) => (legacy.on ? hash(algorithm, text, "hex") : real.stagingHash(algorithm, text)),
  };
});

const t = useTestDb("hashupgrade");
let sim: Simulated | undefined;

afterEach(async () => {
  legacy.on = false;
  await sim?.close();
  sim = undefined;
});

/** The engine's context with 金蝶's writes counted; `unknownAt` makes that call's outcome unknown after Kingdee saved it. */
function counting(unknownAt?: number) {
  const calls = { writes: 0 };
  const ctx = testContext(t.db, {
    getConnector: wrapKingdeeTarget((real) => ({
      ...real,
      async write(req: WriteRequest) {
        const outcome = await real.write(req);
        if (++calls.writes === unknownAt) throw new ConnectorError("unknown_outcome", "kingdee", "the answer was lost");
        return outcome;
      },
    })),
  });
  return { ctx, calls };
}

async function statuses(schemeId: string): Promise<Record<string, number>> {
  const rows = await t.db.sourceRecord.groupBy({ by: ["status"], where: { schemeId }, _count: true });
  return Object.fromEntries(rows.map((r) => [r.status, r._count]));
}

/** Each staging row's version (xmin) and hashes: equal before and after a run that changed nothing. */
async function rowVersions(schemeId: string): Promise<string[]> {
  const rows = await t.db.$queryRaw<{ v: string }[]>`
    SELECT concat_ws(' ', id, xmin, status, data_hash, payload_hash, mapped_with, written_hash) AS v
    FROM source_records WHERE scheme_id = ${schemeId}::uuid ORDER BY id`;
  return rows.map((r) => r.v);
}

async function migrateHashes(): Promise<void> {
  await applyMigrationAgain(t.database.url, "20261207100000_staging_short_hashes");
}

test("after the migration, records staged and written with hex hashes are unchanged: not mapped again, not stale, not sent again", async () => {
  sim = await simulate(t.db, { shops: 300, concurrency: 1 });
  const create = await sim.createScheme();
  const upsert = await sim.createScheme((def) => {
    for (const node of def.nodes) if (node.type === "target") node.config.mode = "upsert";
  });
  // 20 FNumbers taken: those records fail, and stay failed while unchanged.
  const taken = Array.from({ length: 20 }, (_, i) => sim!.guanyi.state.shops.get(i * 15).code);
  sim.kingdee.store.preCreate(taken.map((code) => ({ FNumber: code, FName: "别人先建的" })));

  legacy.on = true;
  // Create mode: the 2nd batch's answer is lost after Kingdee saved it; the run waits to look it up.
  const first = counting(2);
  const createRun = await sim.requestRun(create.id, "manual");
  expect((await executeRun(first.ctx, createRun.id)).kind).toBe("waiting");
  const staged = await statuses(create.id);
  expect(staged.unknown).toBe(100);
  expect(staged.failed).toBeGreaterThan(0);
  const failed = staged.failed!;
  const upsertRun = await sim.requestRun(upsert.id, "manual");
  expect((await runToEnd(counting().ctx, upsertRun.id)).kind).toBe("finished");
  expect(await statuses(upsert.id)).toEqual({ written: 300 });
  const [old] = await t.db.sourceRecord.findMany({ where: { schemeId: create.id, status: "written" }, take: 1 });
  expect(old).toMatchObject({ dataHash: expect.stringMatching(/^[0-9a-f]{32}$/), payloadHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  expect(old!.mappedWith).toMatch(/^[0-9a-f]{64}$/);
  expect(old!.writtenHash).toBe(old!.payloadHash);

  await migrateHashes();
  legacy.on = false;
  const [converted] = await t.db.sourceRecord.findMany({ where: { id: old!.id } });
  expect(converted).toMatchObject({ dataHash: expect.stringMatching(/^[\w-]{22}$/), payloadHash: expect.stringMatching(/^[\w-]{22}$/) });

  // The create run resumes: the lost batch is found in Kingdee (its payload hashes as the converted
  // payload_hash) and becomes written; nothing is sent.
  const resumed = counting();
  expect((await runToEnd(resumed.ctx, createRun.id)).kind).toBe("finished");
  expect(resumed.calls.writes).toBe(0);
  expect(await statuses(create.id)).toEqual({ written: 300 - failed, failed });

  for (const scheme of [create, upsert]) {
    const before = await rowVersions(scheme.id);
    const rerun = counting();
    const r = await sim.requestRun(scheme.id, "manual");
    expect((await runToEnd(rerun.ctx, r.id)).kind).toBe("finished");
    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ fetched: 300, written: 0, failed: 0, skipped: 300 });
    expect(rerun.calls.writes).toBe(0);
    // Not one staging row rewritten: found unchanged by the converted data hash and mapping key.
    expect(await rowVersions(scheme.id)).toEqual(before);
  }

  // Data changed in a field the mapping does not use: mapped again, and the payload's hash equals
  // the converted written_hash (an unconverted one would make them stale, or sent again in upsert).
  sim.guanyi.modifyShops(Array.from({ length: 10 }, (_, i) => ({ id: sim!.guanyi.state.shops.get(i + 1).id, set: { nick: `改过的昵称 ${i}` } })));
  for (const scheme of [create, upsert]) {
    const rerun = counting();
    const r = await sim.requestRun(scheme.id, "manual");
    expect((await runToEnd(rerun.ctx, r.id)).kind).toBe("finished");
    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ written: 0, failed: 0, skipped: 300 });
    expect(rerun.calls.writes).toBe(0);
  }
  expect(await statuses(create.id)).toEqual({ written: 300 - failed, failed });
  expect(await statuses(upsert.id)).toEqual({ written: 300 });
  expect(sim.kingdee.stats()).toMatchObject({ customers: 300 });
}, 60_000);
