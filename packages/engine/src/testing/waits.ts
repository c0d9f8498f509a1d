// Fixtures of the tests of records that wait for a dependency (等待依赖): the seed's 出库单 scheme
// whose bills wait for 店铺→客户's customers, a read that pauses at a chosen page, and an attempt
// that stops once bills were recorded as waiting. Shared by the engine's and the worker's tests.
import { seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import type { SourceClient, SourcePage } from "@qiao/connectors";
import type { Db } from "@qiao/db";
import type { EngineContext } from "../context";
import { executeRun, type RunOutcome } from "../execute-run";
import { expectedBills, runScheme } from "./bills";
import { targetConfig, testContext, wrapClients, type Simulated } from "./harness";

/** A 管易云 client that calls `between` before yielding page `n` of the 发货单 read (once). */
export function beforeDeliveryPage(n: number, between: () => Promise<void>) {
  let done = false;
  return wrapClients({
    guanyi: (real): SourceClient => ({
      ...real,
      async *readPages(req) {
        let page = 0;
        for await (const p of real.readPages(req)) {
          if (req.api === "gy.erp.trade.deliverys.get" && ++page === n && !done) {
            done = true;
            await between();
          }
          yield p satisfies SourcePage;
        }
      },
    }),
  });
}

/**
 * Attempt 1 of run `runId` (of a deliveries scheme read in pages of a few bills) stops, as a graceful
 * shutdown does, once some of its bills were recorded as waiting (before it yields its 4th page):
 * its outcome (handed back, to be resumed by the next attempt).
 */
export async function stopOnceWaiting(db: Db, runId: string): Promise<RunOutcome> {
  let stop = false;
  const ctx = testContext(db, {
    shouldStop: () => stop,
    getConnector: beforeDeliveryPage(4, async () => {
      for (let i = 0; i < 400; i++) {
        if ((await db.run.findUniqueOrThrow({ where: { id: runId } })).waiting > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      stop = true;
    }),
  });
  return executeRun(ctx, runId);
}

/** The 出库单 scheme's lookups replaced by the codes themselves: a version that looks nothing up. */
export function withoutLookups(d: SchemeDefinition): void {
  const target = targetConfig(d);
  target.mapping.FCustomerID = "{{shop_code}}";
  target.entries!.FEntity!.mapping.FMaterialID = "{{item_code}}";
}

/**
 * The seed's three schemes, 物料 written, and a first run of the 出库单 scheme (adjusted by
 * `change`) in which every bill waits: 店铺→客户 exists and has written nothing yet.
 */
export async function billsWaitingForCustomers(db: Db, ctx: EngineContext, sim: Simulated, change?: (d: SchemeDefinition) => void) {
  const shops = await sim.createScheme(undefined, seedSchemeDefinition);
  const items = await sim.createScheme(undefined, seedItemsSchemeDefinition);
  const itemRun = await runScheme(db, ctx, sim, items.id);
  if (itemRun.status !== "succeeded") throw new Error(`物料: run ${itemRun.id} ended ${itemRun.status}`);
  const deliveries = await sim.createScheme(change, seedDeliveriesSchemeDefinition);
  const expected = expectedBills(sim);
  const first = await runScheme(db, ctx, sim, deliveries.id);
  if (first.written !== 0 || first.waiting !== expected.length) {
    throw new Error(`出库单: run ${first.id} wrote ${first.written} and left ${first.waiting} waiting, not every one of ${expected.length} bills waiting`);
  }
  return { shops, items, deliveries, expected, first };
}
