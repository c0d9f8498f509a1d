// The read window of an incremental scheme (LAST_SYNC_TIME … CURRENT_TIME) as 管易云 gets it: in
// the timezone 管易云 reads datetimes in, and ending at the database's clock, whatever the scheme's
// timezone or the claiming worker's clock. Either wrong, and records changed after a sync are never
// read ("never lose a record"; docs/decisions.md, session 18).
import { seedItemsSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { insertSchemeVersion } from "@qiao/db";
import { afterEach, describe, expect, test } from "vitest";
import { runToEnd, simulate, sourceConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("readwindow");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const RENAMED = "改过名的商品";

/**
 * The seed's incremental 商品 scheme (start_date = LAST_SYNC_TIME, end_date = CURRENT_TIME), with
 * `timezone`: a first run (on `firstCtx`), an item renamed after it (its modify_date: now, Beijing
 * time), and a second run on a correct worker. Answers the second run and the renamed item's row.
 */
async function editAfterFirstSync(timezone: string, firstCtx = testContext(t.db, { leaseMs: 15_000 })) {
  sim = await simulate(t.db, { shops: 5, items: 20 });
  const scheme = await sim.createScheme((d) => {
    d.timezone = timezone;
  }, seedItemsSchemeDefinition);
  const first = await sim.requestRun(scheme.id, "manual");
  expect((await runToEnd(firstCtx, first.id)).kind).toBe("finished");
  expect(await t.db.run.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({ status: "succeeded", fetched: 20 });

  const code = (await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: scheme.id } })).sourceId;
  await pause(1_100);
  sim.guanyi.modifyItems([{ code, set: { name: RENAMED } }]);
  await pause(1_100);

  const second = await sim.requestRun(scheme.id, "manual");
  expect((await runToEnd(testContext(t.db, { leaseMs: 15_000 }), second.id)).kind).toBe("finished");
  const run = await t.db.run.findUniqueOrThrow({ where: { id: second.id } });
  const row = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: scheme.id, sourceId: code } });
  return { scheme, run, name: (row.data as { name: string }).name };
}

describe("the window sent to 管易云 is Beijing time, whatever the scheme's timezone", () => {
  // 管易云's datetimes are `yyyy-MM-dd HH:mm:ss` in Beijing time (shared/protocols/guanyi.md; the
  // connector's field help says 北京时间); the scheme's timezone is its schedule's (设置 → 时区).
  test("a scheme east of Beijing (Asia/Tokyo) reads an item modified after its last sync", async () => {
    // Written in Tokyo time, the window's start was an hour later on 管易云's clock than the cursor:
    // every edit within an hour after a sync was never read.
    const { run, name } = await editAfterFirstSync("Asia/Tokyo");
    expect({ fetched: run.fetched, name }).toEqual({ fetched: 1, name: RENAMED });
  }, 30_000);

  test("a scheme west of Beijing (Europe/London) reads it in its next run, not hours later", async () => {
    // Written in London time, CURRENT_TIME ended the window 8 hours in 管易云's past: the edit waited
    // for a run 8 hours later (and a reconciliation left out the last 8 hours).
    const { run, name } = await editAfterFirstSync("Europe/London");
    expect({ fetched: run.fetched, name }).toEqual({ fetched: 1, name: RENAMED });
  }, 30_000);
});

describe("the window ends at the database's clock", () => {
  test("a worker whose clock runs 5 minutes fast does not move the cursor past records the next run must read", async () => {
    // The first run is claimed by a worker whose clock is 5 minutes ahead (the leases, by the
    // database's clock, do not notice). Had its window ended at that clock, the cursor would be 5
    // minutes in the future and the next run's window (cursor less the 60 s overlap) would start
    // after the edit.
    const fast = testContext(t.db, { leaseMs: 15_000, now: () => new Date(Date.now() + 5 * 60_000) });
    const { scheme, run, name } = await editAfterFirstSync("Asia/Shanghai", fast);
    expect({ fetched: run.fetched, name }).toEqual({ fetched: 1, name: RENAMED });
    const dbNow = (await t.db.$queryRaw<{ dbNow: Date }[]>`SELECT now() AS "dbNow"`)[0]!.dbNow;
    const cursor = (await t.db.scheme.findUniqueOrThrow({ where: { id: scheme.id } })).cursor!;
    expect(cursor.getTime()).toBe(run.windowEnd!.getTime());
    expect(cursor.getTime()).toBeLessThanOrEqual(dbNow.getTime());
  }, 30_000);
});

describe("a version whose source reads other records starts from the beginning", () => {
  test("the filter taken off (店铺代码): the next run reads every shop, not only those modified since the cursor; a run of the old version still under way leaves the cursor cleared", async () => {
    sim = await simulate(t.db, { shops: 30 });
    const code = sim.guanyi.state.shops.query({}, 0, 1).shops[0]!.code;
    // Incremental (from LAST_SYNC_TIME), one shop only.
    const scheme = await sim.createScheme((d) => {
      sourceConfig(d).params = { ...sourceConfig(d).params, modify_start_date: "{{LAST_SYNC_TIME datetime}}", code };
    });
    const ctx = testContext(t.db, { leaseMs: 15_000 });
    const first = await sim.requestRun(scheme.id, "manual");
    expect((await runToEnd(ctx, first.id)).kind).toBe("finished");
    expect(await t.db.run.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({ status: "succeeded", fetched: 1, written: 1 });
    expect((await t.db.scheme.findUniqueOrThrow({ where: { id: scheme.id } })).cursor).not.toBeNull();

    // A run of version 1 is queued (a schedule fired) when version 2, without the filter, is saved.
    const old = await sim.requestRun(scheme.id, "schedule");
    const unfiltered: SchemeDefinition = structuredClone(scheme.definition);
    const { code: _dropped, ...params } = sourceConfig(unfiltered).params;
    sourceConfig(unfiltered).params = params;
    await insertSchemeVersion(t.db, scheme.id, { definition: unfiltered }, "editor");
    expect((await t.db.scheme.findUniqueOrThrow({ where: { id: scheme.id } })).cursor).toBeNull();

    // Version 1's run reads (its one shop) and completes, and does not set the cursor again.
    expect((await runToEnd(ctx, old.id)).kind).toBe("finished");
    expect(await t.db.run.findUniqueOrThrow({ where: { id: old.id } })).toMatchObject({ status: "succeeded", schemeVersion: 1 });
    expect((await t.db.scheme.findUniqueOrThrow({ where: { id: scheme.id } })).cursor).toBeNull();

    // Version 2's first run reads every shop (their modify_date is older than the old cursor); the
    // one written already is unchanged in staging, and not sent again.
    const second = await sim.requestRun(scheme.id, "manual");
    expect((await runToEnd(ctx, second.id)).kind).toBe("finished");
    const run = await t.db.run.findUniqueOrThrow({ where: { id: second.id } });
    expect(run).toMatchObject({ status: "succeeded", schemeVersion: 2, fetched: 30, written: 29, skipped: 1 });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 30, duplicateAttempts: 0 });
    expect((await t.db.scheme.findUniqueOrThrow({ where: { id: scheme.id } })).cursor?.getTime()).toBe(run.windowEnd!.getTime());

    // A version that changes only how the read is made (page size) keeps the cursor.
    const paged: SchemeDefinition = structuredClone(unfiltered);
    sourceConfig(paged).pageSize = 20;
    await insertSchemeVersion(t.db, scheme.id, { definition: paged }, "editor");
    expect((await t.db.scheme.findUniqueOrThrow({ where: { id: scheme.id } })).cursor?.getTime()).toBe(run.windowEnd!.getTime());
  }, 60_000);
});
