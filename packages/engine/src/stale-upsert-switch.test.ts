// Records left `stale` in create mode are updated once a version switches the scheme to upsert
// (session 32's audit of incremental reads; the first test failed before its fix).
//
// Defect: in create mode a written record whose source changed becomes `stale` ("changed, not
// updated in create mode", DESIGN.md § Runs). Staging knows what upsert mode does with one (a stale
// row read again in upsert mode is changed: stage-page.ts), but an incremental read reads only what
// changed since the cursor, and the switch of the write mode changed neither the cursor (core
// sourceReadChanged) nor the staged rows, and the write sweep takes only `pending` rows
// (nextPendingRecords). A stale record whose source did not change again stayed stale for good.
//
// Fix (db write-mode-switch.ts, insertSchemeVersion): a version that switches create → upsert makes
// the scheme's stale rows pending in the save's transaction, and is refused while a run is queued or
// running (SchemeModeBusyError: that run, of the create version, would create them again); a run of
// a create version that starts after such a save does not run (execute-run.ts, run.modeSwitched).
import { createRun, insertSchemeVersion, SchemeModeBusyError } from "@qiao/db";
import type { SchemeDefinition } from "@qiao/core";
import { afterEach, expect, test } from "vitest";
import { runToEnd, simulate, sourceConfig, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("stale_upsert");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/**
 * The seed's 客户新增 scheme (create mode) made incremental (modify_start_date = LAST_SYNC_TIME),
 * synced once, and a shop renamed since, which the second sync leaves stale.
 */
async function staleShop() {
  sim = await simulate(t.db, { shops: 30 });
  const s = sim;
  const scheme = await s.createScheme((d) => {
    sourceConfig(d).params = { ...sourceConfig(d).params, modify_start_date: "{{LAST_SYNC_TIME datetime}}" };
  });
  expect(targetConfig(scheme.definition).mode).toBe("create");
  const ctx = testContext(t.db, { leaseMs: 15_000 });
  const run = async () => {
    const r = await s.requestRun(scheme.id, "manual");
    expect((await runToEnd(ctx, r.id)).kind).toBe("finished");
    return t.db.run.findUniqueOrThrow({ where: { id: r.id } });
  };
  expect(await run()).toMatchObject({ status: "succeeded", fetched: 30, written: 30 });

  // The first sync was ten minutes ago (its cursor moved back so), and a shop was renamed five
  // minutes ago: the second sync reads it, and create mode leaves it stale.
  await t.db.$executeRaw`UPDATE schemes SET cursor = cursor - interval '10 minutes' WHERE id = ${scheme.id}::uuid`;
  const shop = s.guanyi.state.shops.get(0);
  s.guanyi.state.shops.modify(0, { name: "改名后的店铺" }, Math.floor(Date.now() / 1000) - 300);
  expect(await run()).toMatchObject({ status: "succeeded", fetched: 1, written: 0, skipped: 1 });
  const where = { schemeId: scheme.id, sourceId: String(shop.id) };
  expect((await t.db.sourceRecord.findFirstOrThrow({ where })).status).toBe("stale");
  // The person switches the scheme to upsert (更新), as the editor saves it.
  const upsert: SchemeDefinition = structuredClone(scheme.definition);
  targetConfig(upsert).mode = "upsert";
  const toUpsert = () => insertSchemeVersion(t.db, scheme.id, { definition: upsert }, "editor");
  return { sim: s, scheme, shop, where, ctx, run, toUpsert };
}

test("a record made stale in create mode is updated once the scheme writes in upsert mode", async () => {
  const { sim, shop, where, run, toUpsert } = await staleShop();
  await toUpsert();
  expect((await t.db.sourceRecord.findFirstOrThrow({ where })).status).toBe("pending");
  // The next incremental run does not read the shop again (it did not change since), and updates it.
  expect(await run()).toMatchObject({ status: "succeeded", fetched: 0, written: 1 });

  const row = await t.db.sourceRecord.findFirstOrThrow({ where });
  const customer = sim.kingdee.store.byNumberOrId(shop.code, 0);
  // Before the fix: the row stayed `stale` and 金蝶's customer kept the old name.
  expect({ status: row.status, name: customer?.FName, customers: sim.kingdee.stats().customers }).toEqual({
    status: "written",
    name: "改名后的店铺",
    customers: 30,
  });
}, 60_000);

test("the switch to upsert is refused while a run is queued; a create-mode run requested before it that starts after it does not run", async () => {
  const { sim, scheme, where, ctx, run, toUpsert } = await staleShop();
  const queued = await sim.requestRun(scheme.id, "manual");
  await expect(toUpsert()).rejects.toBeInstanceOf(SchemeModeBusyError);
  expect((await t.db.sourceRecord.findFirstOrThrow({ where })).status).toBe("stale");
  expect((await t.db.scheme.findUniqueOrThrow({ where: { id: scheme.id } })).currentVersion).toBe(1);
  await t.db.run.update({ where: { id: queued.id }, data: { status: "cancelled" } });

  // A run requested with version 1 (create) just before version 2 switched to upsert (the request
  // read the version first): it would create the pending record again.
  await toUpsert();
  const late = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual", options: {}, retryOfId: null });
  expect((await runToEnd(ctx, late.id)).kind).toBe("finished");
  const failed = await t.db.run.findUniqueOrThrow({ where: { id: late.id } });
  expect({ status: failed.status, written: failed.written }).toEqual({ status: "failed", written: 0 });
  expect(failed.error).toContain("更新");
  expect((await t.db.sourceRecord.findFirstOrThrow({ where })).status).toBe("pending");
  // The next run, of version 2, updates it.
  expect(await run()).toMatchObject({ status: "succeeded", written: 1 });
  expect(sim.kingdee.stats().customers).toBe(30);
}, 60_000);
