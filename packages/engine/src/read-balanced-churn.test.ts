// A record leaving the window from a page already read while another enters it past the read
// position (session 26's audit of the read side). 管易云 pages by page number: `total` stays the
// same, every record in between moves up one place, and the first record of the next page slid
// onto the page already read. No id repeated and the pages held `total` records, so the pass was
// trusted, the cursor moved, and the shop was never read by any later incremental run. A user hits it
// with no clock skew: a shop created in the rest of the claim's second enters the window (管易云
// compares to the second), and a second later someone edits a shop of page 1.
//
// An incremental read is now cut into parts of its modification-time window that each fit in one
// page (connectors' guanyi/window-slices.ts): nothing can slide past a part, and a record modified
// during the read leaves the window for the next one instead of moving into a part not yet read.
import type { SourceClient } from "@qiao/connectors";
import { afterEach, expect, test } from "vitest";
import { runToEnd, simulate, sourceConfig, testContext, wrapClients, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("read_churn");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Epoch seconds of a Beijing `yyyy-MM-dd HH:mm:ss`. */
const beijingSeconds = (text: string) => Date.parse(`${text.replace(" ", "T")}+08:00`) / 1000;

test("a record leaving a read page while another enters past the read position (total unchanged) is still read", async () => {
  sim = await simulate(t.db, { shops: 30 });
  const simulated = sim;
  // The seed's shop scheme made incremental (modify_start_date = LAST_SYNC_TIME), pages of 10.
  const scheme = await simulated.createScheme((d) => {
    sourceConfig(d).pageSize = 10;
    sourceConfig(d).params = { ...sourceConfig(d).params, modify_start_date: "{{LAST_SYNC_TIME datetime}}" };
  });
  const all = simulated.guanyi.state.shops.query({}, 0, 30).shops;
  const onPageOne = all[0]!;
  const firstOfPageTwo = all[10]!;

  let changed = false;
  const ctx = testContext(t.db, {
    leaseMs: 15_000,
    getConnector: wrapClients({
      guanyi: (real): SourceClient => ({
        async *readPages(req) {
          for await (const page of real.readPages(req)) {
            yield page;
            if (page.pageNo !== 1 || changed) continue;
            changed = true;
            // The window's end as 管易云 got it (the claim's second, Beijing time).
            const end = beijingSeconds(String(req.params.modify_end_date));
            // A shop created in that same second enters the window (sorted last: newest).
            simulated.guanyi.state.shops.add({ nick: "新店", code: "AUDIT000001", name: "审计新开店铺", note: "", type_name: "其他" }, end);
            // A second later a shop that was on page 1 is edited: it leaves the window.
            while (Date.now() < (end + 1) * 1000 + 50) await new Promise((r) => setTimeout(r, 50));
            simulated.guanyi.modifyShops([{ code: onPageOne.code, set: { name: `${onPageOne.name}（改）` } }]);
          }
        },
      }),
    }),
  });

  const first = await simulated.requestRun(scheme.id, "manual");
  expect((await runToEnd(ctx, first.id)).kind).toBe("finished");
  expect(changed).toBe(true);
  // The next incremental run (its window starts at the cursor less 60 s).
  const second = await simulated.requestRun(scheme.id, "manual");
  expect((await runToEnd(testContext(t.db, { leaseMs: 15_000 }), second.id)).kind).toBe("finished");

  const staged = await t.db.sourceRecord.findFirst({ where: { schemeId: scheme.id, sourceId: String(firstOfPageTwo.id) } });
  const inKingdee = simulated.kingdee.stats().customers;
  // 30 shops at the start plus the new one: all 31 must reach 金蝶.
  expect({ firstOfPageTwoStaged: staged !== null, customers: inKingdee }).toEqual({ firstOfPageTwoStaged: true, customers: 31 });
}, 60_000);
