// A retry attempt that lost the run while it mapped its records (session 26's audit of run
// lifecycles). prepareRetry maps the failed records (erp_lookup may call 金蝶) and then hands them
// to the run (assignFailedToRun). That UPDATE was not fenced: a worker stalled in the lookup, whose
// job another worker took over, retried and saw fail again, woke and made the records pending again
// (gone from the failed list, sent unasked by the scheme's next run; an automatic retry also counted
// a step). assignFailedToRun is fenced by the attempt now, as assignPendingToRun (test runs) is.
import type { TargetClient, WriteRequest } from "@qiao/connectors";
import { afterEach, expect, test } from "vitest";
import { executeRun } from "./execute-run";
import { runToEnd, simulate, targetConfig, testContext, wrapClients, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("retry_superseded");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** 金蝶 refusing every record of every BatchSave (a data failure). */
const refusingAll = (real: TargetClient): TargetClient => ({
  ...real,
  async write(req: WriteRequest) {
    return req.records.map((_, index) => ({ ok: false as const, index, message: "金蝶拒绝：测试 / refused (test)", response: null }));
  },
});

test("a retry attempt superseded while mapping its records does not hand them back to the finished retry as pending", async () => {
  sim = await simulate(t.db, { shops: 3, concurrency: 1 });
  const codes = Array.from({ length: 3 }, (_, i) => sim!.guanyi.state.shops.get(i).code);
  // Warehouses named like the shop codes, so the erp_lookup finds them.
  sim.kingdee.forms.baseData.add("stock", codes.map((code, i) => ({ number: `CK9${i}`, name: code })));
  const scheme = await sim.createScheme((def) => {
    targetConfig(def).mapping.FDescription = "{{code | erp_lookup('BD_STOCK', 'FName')}}";
  });
  const ttl = { erpLookupTtlMs: 1 };

  // A first run: 金蝶 refuses every record.
  const first = await sim.requestRun(scheme.id, "manual");
  expect((await runToEnd(testContext(t.db, { ...ttl, getConnector: wrapClients({ kingdee: refusingAll }) }), first.id)).kind).toBe("finished");
  expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "failed" } })).toBe(3);

  // The person retries the failed records. The first attempt stalls while 金蝶 answers its lookup…
  const retry = await sim.requestRun(scheme.id, "retry", { retryOfId: first.id });
  let lookupAsked: () => void = () => {};
  const asked = new Promise<void>((resolve) => (lookupAsked = resolve));
  let resume: () => void = () => {};
  const resumed = new Promise<void>((resolve) => (resume = resolve));
  let stalledOnce = false;
  const stallingLookup = (real: TargetClient): TargetClient => ({
    ...real,
    async queryValues(req) {
      const answer = await real.queryValues!(req);
      if (!stalledOnce) {
        stalledOnce = true;
        lookupAsked();
        await resumed;
      }
      return answer;
    },
  });
  const old = executeRun(testContext(t.db, { ...ttl, leaseMs: 1_000, getConnector: wrapClients({ kingdee: stallingLookup }) }), retry.id);
  await asked;
  // …another worker takes the retry over; 金蝶 refuses the records again and the retry ends failed.
  expect((await runToEnd(testContext(t.db, { ...ttl, getConnector: wrapClients({ kingdee: refusingAll }) }), retry.id)).kind).toBe("finished");
  const ended = await t.db.run.findUniqueOrThrow({ where: { id: retry.id } });
  expect(ended).toMatchObject({ status: "failed", failed: 3, attempt: 2 });
  expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "failed", lastRunId: retry.id } })).toBe(3);

  // The stalled attempt wakes up: it no longer owns the run, and must change nothing.
  resume();
  expect((await old).kind).toBe("superseded");
  const records = await t.db.sourceRecord.findMany({ where: { schemeId: scheme.id }, select: { status: true } });
  expect(records.map((r) => r.status)).toEqual(["failed", "failed", "failed"]);
}, 60_000);
