// A number reused at the source (session 32's audit of reconciliation, failing before its fix).
// Shop A was written to 金蝶 as customer X; A is then closed at the source (no longer returned) and a
// new shop B is opened under the code X. The scheme's next run refuses B (the number X belongs to A,
// target_number_claims), so B is failed and 金蝶's X is still A's customer. docs/reconciliation.md: a
// 金蝶 number matches one source record at most, the one staging says wrote it; a source record whose
// number is in 金蝶 but belongs to another record is missing. Before the fix the comparison decided
// who claims a number only among the records read this time: A was not read, so B "claimed" X and
// was reported matched. Now a record without a target_number of its own whose number the scheme's
// claims give to another staged record (a send under it may have written) claims nothing: missing.
import { createReconciliation } from "@qiao/db";
import { afterEach, describe, expect, test } from "vitest";
import { executeReconciliation } from "./reconcile";
import { runToEnd, simulate, testContext, wrapClients, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("auditreconnum");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("reconciliation after a number is reused at the source", () => {
  test("a new record refused because another record wrote its number is missing, not matched", async () => {
    sim = await simulate(t.db, { shops: 5 });
    const scheme = await sim.createScheme();
    const first = await sim.requestRun(scheme.id, "manual");
    expect((await runToEnd(testContext(t.db, { leaseMs: 30_000 }), first.id)).kind).toBe("finished");
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "written" } })).toBe(5);

    const shops = sim.guanyi.state.shops;
    const a = shops.get(0);
    const reused = a.code;
    // A is closed at the source (its code retired, and it is no longer listed); B takes the code.
    shops.modify(0, { code: `CLOSED-${reused}` }, Math.floor(Date.now() / 1000));
    const b = shops.add({ nick: "新店", code: reused, name: "新开的店铺", note: "", type_name: a.type_name }, Math.floor(Date.now() / 1000));
    const withoutA = wrapClients({
      guanyi: (real) => ({
        async *readPages(req) {
          for await (const page of real.readPages(req)) yield { ...page, records: page.records.filter((r) => String(r.id) !== String(a.id)) };
        },
      }),
    });
    const ctx = testContext(t.db, { leaseMs: 30_000, getConnector: withoutA });

    const second = await sim.requestRun(scheme.id, "manual");
    expect((await runToEnd(ctx, second.id)).kind).toBe("finished");
    const bRow = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: scheme.id, sourceId: String(b.id) } });
    // B was refused: never written, 金蝶's X is still A's customer.
    expect(bRow.status).toBe("failed");
    expect(bRow.targetNumber).toBeNull();
    const inKingdee = sim.kingdee.store.list().filter((c) => c.FNumber === reused);
    expect(inKingdee.map((c) => c.FName)).toEqual([a.name]);

    const row = await createReconciliation(t.db, { schemeId: scheme.id, trigger: "manual", keyLimit: 100 });
    expect((await executeReconciliation(ctx, row.id)).kind).toBe("finished");
    const report = await t.db.reconciliation.findUniqueOrThrow({ where: { id: row.id }, include: { items: true } });
    expect(report.status).toBe("succeeded");
    const missing = report.items.filter((i) => i.category === "missing").map((i) => i.sourceId);
    expect({ missing, matched: report.matched }).toEqual({ missing: [String(b.id)], matched: 4 });
  }, 90_000);
});
