// Tied rows that swap across a page boundary within one part of a sliced incremental read
// (session 32's audit of incremental reads; failing before its fix).
//
// Defect: 管易云 publishes neither the order of a list nor that it is total (guanyi.md,
// guanyi-documents.md: "Sort order of results: unknown"). A list sorted by modification time, as the
// simulator's is, holds ties: a bulk edit or an import stamps hundreds of records with the same
// second. A database paging with LIMIT/OFFSET may return rows with equal sort keys in a different
// order from one request to the next (MySQL documents this for ORDER BY … LIMIT). When two tied rows
// swap across a page boundary between two page requests, the next page repeats the last record of
// the page before and the other one is never returned: the pages hold `total` records and `total`
// does not move. A paged read saw the repeated id (ReadPass: "repeated") and read the window again,
// but a read in parts (every incremental read larger than a page: connectors' guanyi/window-slices.ts)
// ignored every repeat, the pass was trusted and the cursor moved past the skipped record for good.
//
// Fix (read-pass.ts): the read memory keeps, with each id, the part of the pass that read it (one
// small integer, as the pass alone was). A record read twice within one part is a repeat, and the
// window is read again (at most READ_PASSES passes, as for a paged read); a record read in two parts
// (their shared second) is still not.
import { afterEach, expect, test } from "vitest";
import { runToEnd, simulate, sourceConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("part_ties");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/**
 * 250 shops, 200 of them stamped by a bulk edit two hours ago with the same second (in the window's
 * settled part), and a server whose tie order is not stable between requests: on a request for a
 * later page, the two tied rows at the page boundary come in the other order (as a LIMIT/OFFSET
 * query without a unique sort key may answer); `times` such requests, then the simulator's own order.
 */
async function tiedShops(times: number) {
  sim = await simulate(t.db, { shops: 250 });
  const store = sim.guanyi.state.shops;
  const bulkAt = Math.floor(Date.now() / 1000) - 2 * 3600;
  for (let i = 0; i < 200; i++) store.modify(i, { note: "批量修改" }, bulkAt);
  const query = store.query.bind(store);
  const swaps: { repeated: number; hidden: number }[] = [];
  store.query = (...[filter, offset, limit]: Parameters<typeof query>) => {
    if (swaps.length >= times || offset === 0 || filter.code !== undefined) return query(filter, offset, limit);
    const { total, shops } = query(filter, 0, Number.MAX_SAFE_INTEGER);
    const [before, at] = [shops[offset - 1], shops[offset]];
    if (before && at && before.modify_date === at.modify_date) {
      shops[offset - 1] = at;
      shops[offset] = before;
      swaps.push({ repeated: before.id, hidden: at.id });
    }
    return { total, shops: shops.slice(offset, offset + limit) };
  };
  // The seed's shop scheme made incremental (modify_start_date = LAST_SYNC_TIME), pages of 100.
  const scheme = await sim.createScheme((d) => {
    sourceConfig(d).pageSize = 100;
    sourceConfig(d).params = { ...sourceConfig(d).params, modify_start_date: "{{LAST_SYNC_TIME datetime}}" };
  });
  return { sim, scheme, swaps };
}

/** The run's warnings about its read: each verdict that started another pass, and how it completed. */
async function readWarnings(runId: string) {
  const logs = await t.db.runLog.findMany({ where: { runId, level: "warn" }, orderBy: { id: "asc" } });
  return logs.flatMap((l) => {
    const data = l.data as { verdict?: { kind: string; sourceId?: string }; passes?: number } | null;
    if (data?.verdict) return [`${data.verdict.kind} ${data.verdict.sourceId ?? ""}`.trim()];
    if (data?.passes !== undefined) return [`unsteady after ${data.passes}`];
    return [];
  });
}

test("a record that two tied rows swapping across a page boundary hide from one part of an incremental read is still read", async () => {
  const { sim, scheme, swaps } = await tiedShops(1);
  const ctx = testContext(t.db, { leaseMs: 15_000 });
  const first = await sim.requestRun(scheme.id, "manual");
  expect((await runToEnd(ctx, first.id)).kind).toBe("finished");
  expect(swaps).toHaveLength(1);
  const [swapped] = swaps as [{ repeated: number; hidden: number }];
  // The part's repeat is seen, and its second pass reads the hidden shop.
  expect(await readWarnings(first.id)).toEqual([`repeated ${swapped.repeated}`]);
  // The next incremental run (its window starts at the cursor less 60 s: after the bulk edit).
  const second = await sim.requestRun(scheme.id, "manual");
  expect((await runToEnd(ctx, second.id)).kind).toBe("finished");

  const hidden = await t.db.sourceRecord.findFirst({ where: { schemeId: scheme.id, sourceId: String(swapped.hidden) } });
  // Every one of the 250 shops reaches 金蝶 (before the fix: 249, the hidden shop never staged).
  expect({ hiddenStaged: hidden !== null, customers: sim.kingdee.stats().customers }).toEqual({ hiddenStaged: true, customers: 250 });
}, 60_000);

test("a part whose tied rows swap on every pass is read READ_PASSES times, then the read completes as unsteady", async () => {
  const { sim, scheme, swaps } = await tiedShops(Number.POSITIVE_INFINITY);
  const run = await sim.requestRun(scheme.id, "manual");
  expect((await runToEnd(testContext(t.db, { leaseMs: 15_000 }), run.id)).kind).toBe("finished");
  // Each pass of the settled part swapped at its page boundaries; the read stopped after two passes.
  expect(swaps.length).toBeGreaterThanOrEqual(2);
  const repeated = swaps[0]!.repeated;
  expect(await readWarnings(run.id)).toEqual([`repeated ${repeated}`, "unsteady after 2"]);
}, 60_000);
