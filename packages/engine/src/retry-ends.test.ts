// A retry run that ends before it sent every failed record it took (cancelled, or failed as a run):
// the records it did not send are failed again as they were, with their reason, their place in the
// retry schedule and their dead-letter mark, so they stay in the failed records' list and no other
// run sends them unasked.
import type { WriteRequest } from "@qiao/connectors";
import { cancelRun, countFailedRecords, listFailedRecords, nextRetryDue } from "@qiao/db";
import { afterEach, describe, expect, test } from "vitest";
import { runToEnd, simulate, testContext, wrapClients, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("retryends");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A scheme whose 300 shops all failed (their numbers are taken in 金蝶), 100 of them dead letters. */
async function failedScheme() {
  sim = await simulate(t.db, { shops: 300, concurrency: 1 });
  const scheme = await sim.createScheme();
  const shops = sim.guanyi.state.shops.query({}, 0, 300).shops;
  sim.kingdee.store.preCreate(shops.map((s) => ({ FNumber: s.code, FName: "别人先建的" })));
  const first = await sim.requestRun(scheme.id, "manual");
  expect((await runToEnd(testContext(t.db), first.id)).kind).toBe("finished");
  const dead = (await t.db.sourceRecord.findMany({ where: { schemeId: scheme.id }, orderBy: { id: "desc" }, take: 100, select: { id: true } })).map((r) => r.id);
  await t.db.sourceRecord.updateMany({ where: { id: { in: dead } }, data: { deadAt: new Date(), retryStep: 3 } });
  const before = await t.db.sourceRecord.findMany({
    where: { schemeId: scheme.id },
    select: { id: true, status: true, lastError: true, lastRunId: true, retryStep: true, retryAt: true, deadAt: true, errorClass: true },
    orderBy: { id: "asc" },
  });
  expect(before.every((r) => r.status === "failed" && r.lastError?.includes("违反字段唯一性要求"))).toBe(true);
  expect(await countFailedRecords(t.db, scheme.id, "dead")).toBe(100);
  return { scheme, first, before };
}

const rows = (schemeId: string) =>
  t.db.sourceRecord.findMany({
    where: { schemeId },
    select: { id: true, status: true, lastError: true, lastRunId: true, retryStep: true, retryAt: true, deadAt: true, errorClass: true },
    orderBy: { id: "asc" },
  });

describe("a retry run that ends early", () => {
  test("cancelled after its first batch: the 200 it did not send are failed again as they were", async () => {
    const { scheme, first, before } = await failedScheme();
    const r = await sim!.requestRun(scheme.id, "retry", { retryOfId: first.id });
    let calls = 0;
    const ctx = testContext(t.db, {
      getConnector: wrapClients({
        kingdee: (real) => ({
          ...real,
          async write(req: WriteRequest) {
            if (++calls === 1) await cancelRun(t.db, r.id);
            return real.write(req);
          },
        }),
      }),
    });
    expect((await runToEnd(ctx, r.id)).kind).toBe("finished");
    expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "cancelled", failed: 100, written: 0 });

    const after = await rows(scheme.id);
    const sent = new Set((await t.db.runOutcome.findMany({ where: { runId: r.id }, select: { sourceRecordId: true } })).map((o) => o.sourceRecordId));
    expect(sent.size).toBe(100);
    expect(after.every((a) => a.status === "failed")).toBe(true);
    // The others are exactly as before the retry.
    expect(after.filter((a) => !sent.has(a.id))).toEqual(before.filter((b) => !sent.has(b.id)));
    expect(await countFailedRecords(t.db, scheme.id)).toBe(300);
    const failed = await listFailedRecords(t.db, { schemeId: scheme.id, afterId: 0n, limit: 300 });
    expect(failed.filter((f) => !sent.has(f.id)).every((f) => f.run?.id === first.id && f.errorField === "FNumber")).toBe(true);
    const logs = (await t.db.runLog.findMany({ where: { runId: r.id } })).map((l) => l.message);
    expect(logs.some((m) => m.includes("200 条未重试的记录恢复为失败"))).toBe(true);
  }, 60_000);

  test("failed as a run (金蝶 down): none was sent, all 300 are failed again as they were, dead letters still dead", async () => {
    const { scheme, before } = await failedScheme();
    await sim!.kingdee.close();
    const r = await sim!.requestRun(scheme.id, "retry", { options: { scope: "scheme" } });
    expect((await runToEnd(testContext(t.db), r.id)).kind).toBe("finished");
    expect((await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).status).toBe("failed");
    expect(await rows(scheme.id)).toEqual(before);
    expect(await countFailedRecords(t.db, scheme.id, "dead")).toBe(100);
  }, 60_000);

  test("an automatic retry that fails as a run leaves its records pending, with no retry due (no retry run a minute while 金蝶 is down)", async () => {
    const { scheme } = await failedScheme();
    await t.db.sourceRecord.updateMany({ where: { schemeId: scheme.id, deadAt: null }, data: { errorClass: "transient", retryAt: new Date(Date.now() - 60_000), retryStep: 1 } });
    await sim!.kingdee.close();
    const r = await sim!.requestRun(scheme.id, "retry", { options: { scope: "scheme", automatic: true } });
    expect((await runToEnd(testContext(t.db), r.id)).kind).toBe("finished");
    expect((await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).status).toBe("failed");
    expect(await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "pending" } })).toBe(200);
    expect(await nextRetryDue(t.db, scheme.id)).toBeNull();
  }, 60_000);
});
