// POST /api/runs/:id/retry refuses (409) a record whose outcome is not known yet, and one that is no
// longer failed, as POST /api/schemes/:id/retry does; nothing is created. Before session 25 (its
// audit) the run's retry checked only the run's RunRecord, answered 202 and queued a retry run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
let schemeId = "";
let failedIn = "";
let runRecordId = "";

beforeAll(async () => {
  bed = await openRouteBed("retryunknown");
  schemeId = (await bed.prisma.scheme.create({ data: { name: "retry unknown", definition: { nodes: [], edges: [] } } })).id;
  // Run 1 failed record R (transient: 金蝶 timed out).
  const run1 = await bed.db.createRun(bed.prisma, { schemeId, schemeVersion: 1, trigger: "manual" });
  failedIn = run1.id;
  await bed.prisma.run.update({ where: { id: run1.id }, data: { status: "partial", phase: "done", finishedAt: new Date(), failed: 1 } });
  // Run 2 (the record changed) sent R again, and its outcome is unknown: the lookup has not answered yet.
  const run2 = await bed.db.createRun(bed.prisma, { schemeId, schemeVersion: 1, trigger: "manual" });
  await bed.prisma.run.update({ where: { id: run2.id }, data: { status: "partial", phase: "done", finishedAt: new Date(), unknown: 1 } });
  const rec = await bed.prisma.sourceRecord.create({
    data: {
      schemeId, sourceId: "R1", data: {}, payloadHash: "h2", status: "unknown",
      lastRunId: run2.id, sendingRunId: run2.id, sendingPayload: { FBillNo: "R1" }, attempts: 2,
    },
  });
  const rr = await bed.prisma.runRecord.create({
    data: { runId: run1.id, sourceRecordId: rec.id, sourceId: "R1", status: "failed", error: "超时", errorClass: "transient", payload: { FBillNo: "R1" } },
  });
  runRecordId = rr.id.toString();
  await bed.prisma.runRecord.create({
    data: { runId: run2.id, sourceRecordId: rec.id, sourceId: "R1", status: "unknown", payload: { FBillNo: "R1" } },
  });
}, 120_000);

afterAll(() => bed?.close());

describe("retrying a run's failed record whose outcome is now unknown", { timeout: 60_000 }, () => {
  it("the scheme's retry refuses it (409): the record is not failed, its outcome is being looked up", async () => {
    const schemeRetry = await import("../../../schemes/[id]/retry/route");
    const answer = await bed.call(schemeRetry.POST, `/api/schemes/${schemeId}/retry`, { body: {}, params: { id: schemeId } });
    expect(answer.status).toBe(409);
  });

  it("the run's retry refuses it too (409), and creates no retry run", async () => {
    const runRetry = await import("./route");
    for (const body of [{}, { recordIds: [runRecordId] }]) {
      const answer = await bed.call(runRetry.POST, `/api/runs/${failedIn}/retry`, { body, params: { id: failedIn } });
      expect(answer.status, JSON.stringify(answer.body)).toBe(409);
    }
    expect(await bed.prisma.run.count({ where: { schemeId, trigger: "retry" } })).toBe(0);
  });
});
