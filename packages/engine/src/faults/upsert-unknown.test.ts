// Upsert mode: an update whose outcome is unknown. Looking its number up proves nothing (the record
// existed before the update, whether or not the update was processed), so it is never taken for
// written on a lookup: the connector reports an update still unknown after its retries as a
// transient failure (the retry policy sends it again), and a found record of an interrupted write is
// sent again as an update (resolveUnknown's `resendFound`). An update is idempotent: sending it again is safe.
// And a record found pending again is written by the same run (settleAndWrite counts it as requeued).
import type { SourceClient, SourcePage, WriteRequest } from "@qiao/connectors";
import { afterEach, describe, expect, test } from "vitest";
import { runToEnd, simulate, sourceConfig, targetConfig, testContext, wrapClients, wrapKingdeeTarget, type Simulated } from "../testing/harness";
import { useTestDb } from "../testing/use-test-db";

const t = useTestDb("upsert-unknown");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const SHOP_ID = 710944500000;

/** A scheme in upsert mode whose 20 shops are written, then one of them renamed at the source. */
async function writtenThenRenamed(s: Simulated) {
  const scheme = await s.createScheme((d) => {
    targetConfig(d).mode = "upsert";
  });
  const first = await s.requestRun(scheme.id, "manual");
  expect((await runToEnd(testContext(t.db), first.id)).kind).toBe("finished");
  expect(await t.db.run.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({ status: "succeeded", written: 20 });
  const [shop] = s.guanyi.modifyShops([{ id: SHOP_ID, set: { name: "改名后的店铺" } }]);
  return { scheme, code: String(shop!.code) };
}

async function stateOf(schemeId: string, code: string) {
  const row = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId, sourceId: String(SHOP_ID) } });
  const customer = sim!.kingdee.store.list().find((c) => String(c.FNumber) === code);
  return { kingdeeName: customer?.FName, status: row.status, writtenIsCurrent: row.writtenHash === row.payloadHash, errorClass: row.errorClass };
}

describe("upsert: an update whose outcome is unknown", () => {
  test("an update refused with 5xx (nothing processed) on every try is not recorded as written: it fails as transient, and the automatic retry sends it", async () => {
    sim = await simulate(t.db, { shops: 20 });
    const { scheme, code } = await writtenThenRenamed(sim);
    // maxRetries 1: an update is sent twice, then its outcome is unknown.
    const ctx = testContext(t.db, { connectorDefaults: { qps: 1000, timeoutMs: 2_000, maxRetries: 1 } });
    // The server is briefly down: both tries of the update answer HTTP 500 *without* processing it.
    sim.kingdee.injectNext({ fault: "http500", service: "BatchSave" }, { fault: "http500", service: "BatchSave" });
    const second = await sim.requestRun(scheme.id, "manual");
    expect((await runToEnd(ctx, second.id)).kind).toBe("finished");
    expect(sim.kingdee.stats().faultsInjected).toMatchObject({ http500: 2 });
    expect(await t.db.run.findUniqueOrThrow({ where: { id: second.id } })).toMatchObject({ status: "failed", written: 0, failed: 1, unknown: 0 });
    // Before: unknown, looked up, found (it existed before the update) and recorded as written with
    // the new payload's hash; every later run skipped it as unchanged, 金蝶 kept the old name.
    expect(await stateOf(scheme.id, code)).toEqual({ kingdeeName: expect.not.stringMatching("改名后的店铺"), status: "failed", writtenIsCurrent: false, errorClass: "transient" });

    // Its retry comes due (1 min by default): the automatic retry sends the update again.
    await t.db.sourceRecord.updateMany({ where: { schemeId: scheme.id, status: "failed" }, data: { retryAt: new Date(Date.now() - 1_000) } });
    const retry = await sim.requestRun(scheme.id, "retry", { options: { scope: "scheme", automatic: true } });
    expect((await runToEnd(ctx, retry.id)).kind).toBe("finished");
    expect(await stateOf(scheme.id, code)).toEqual({ kingdeeName: "改名后的店铺", status: "written", writtenIsCurrent: true, errorClass: null });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 20, duplicateAttempts: 0 });
  }, 60_000);

  test("an update whose call was interrupted (left sending, never reaching 金蝶) is sent again after the lookup finds its number, not taken for written", async () => {
    sim = await simulate(t.db, { shops: 20 });
    const { scheme, code } = await writtenThenRenamed(sim);
    // The worker dies in the call: the update never reaches 金蝶 and its record stays `sending`.
    let dead = true;
    const ctx = testContext(t.db, {
      getConnector: wrapKingdeeTarget((real) => ({
        ...real,
        async write(req: WriteRequest) {
          if (dead) throw new Error("工作进程在调用中退出（测试）");
          return real.write(req);
        },
      })),
    });
    const second = await sim.requestRun(scheme.id, "manual");
    await runToEnd(ctx, second.id).catch(() => undefined);
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "sending" } })).toBe(1);

    dead = false;
    // The next run parks it as unknown, looks it up after the lease and the wait, and finds the number.
    const third = await sim.requestRun(scheme.id, "manual");
    expect((await runToEnd(ctx, third.id)).kind).toBe("finished");
    expect(await stateOf(scheme.id, code)).toEqual({ kingdeeName: "改名后的店铺", status: "written", writtenIsCurrent: true, errorClass: null });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 20, duplicateAttempts: 0 });
    const logs = (await t.db.runLog.findMany({ where: { runId: third.id }, orderBy: { id: "asc" } })).map((l) => l.message);
    expect(logs).toContainEqual(expect.stringMatching(/0 条已存在（记为已写入），0 条不存在（重新发送），1 条已存在但不能证明写入已处理/));
  }, 60_000);
});

/** Page 2 starts with page 1's last shop again, renamed between the two requests. */
function renamedOnPage2(real: SourceClient, moved: { id?: string; name?: string }): SourceClient {
  return {
    async *readPages(req) {
      let last: Record<string, unknown> | undefined;
      for await (const page of real.readPages(req)) {
        let records = page.records;
        if (page.pageNo === 2 && last) {
          moved.id = String(last.id);
          moved.name = `${String(last.name)}（改）`;
          records = [{ ...structuredClone(last), name: moved.name }, ...records];
        }
        if (page.pageNo === 1) last = page.records.at(-1);
        yield { ...page, records } satisfies SourcePage;
      }
    },
  };
}

describe("upsert: an unknown outcome whose record changed meanwhile", () => {
  test("found by the lookup with a changed payload: the update is sent by the same run before it ends succeeded", async () => {
    sim = await simulate(t.db, { shops: 20, concurrency: 1 });
    const scheme = await sim.createScheme((d) => {
      sourceConfig(d).pageSize = 10;
      targetConfig(d).batchSize = 10;
      targetConfig(d).mode = "upsert";
    });
    // Every BatchSave commits 1 s late; the client gives up after 0.5 s: every batch is unknown, then
    // found. 金蝶 is quick again by the lookup, so what is sent after it is answered.
    sim.kingdee.setFaults({ slowCommitEvery: 1, slowCommitMs: 1_000 });
    const moved: { id?: string; name?: string } = {};
    const ctx = testContext(t.db, {
      connectorDefaults: { qps: 1000, timeoutMs: 500, maxRetries: 1 },
      unknownOutcomeWaitMs: 1_500,
      getConnector: wrapClients({
        guanyi: (real) => renamedOnPage2(real, moved),
        kingdee: (real) => ({
          ...real,
          findExisting(formId, numbers, signal) {
            sim!.kingdee.setFaults({ slowCommitEvery: 0 });
            return real.findExisting(formId, numbers, signal);
          },
        }),
      }),
    });
    const r = await sim.requestRun(scheme.id, "manual");
    expect((await runToEnd(ctx, r.id)).kind).toBe("finished");
    expect(sim.kingdee.stats().slowCommits).toBeGreaterThan(0);

    const run = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
    const row = await t.db.sourceRecord.findFirstOrThrow({ where: { schemeId: scheme.id, sourceId: moved.id! } });
    const customer = sim.kingdee.store.list().find((c) => String(c.FNumber) === (row.data as { code: string }).code);
    // Before: the found record was pending again but not counted as requeued, so the run ended
    // succeeded with the change unsent and 金蝶 holding the older name.
    expect({ runStatus: run.status, rowStatus: row.status, inKingdee: customer?.FName, written: run.written }).toEqual({
      runStatus: "succeeded",
      rowStatus: "written",
      inKingdee: moved.name,
      written: 20,
    });
    expect(sim.kingdee.stats()).toMatchObject({ customers: 20, duplicateAttempts: 0 });
  }, 60_000);
});
