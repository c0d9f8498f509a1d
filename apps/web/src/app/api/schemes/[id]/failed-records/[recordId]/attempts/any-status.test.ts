// A record's history loads whatever its runs' RunRecords say (session 32's audit of what people read;
// failing before its fix). resolveUnknown leaves a found update `stale` in create mode and gives the
// sending run's RunRecord that status; RunRecords are also `waiting` (a record that waited) and
// `filtered`. The history (GET …/failed-records/:recordId/attempts, shown when a record is opened in
// 记录查询 or the failed records) allowed only pending, written, failed, unknown and saved, and the
// page's client parses every answer with that schema (lib/api/client.ts): the record's whole history
// failed to load. recordAttemptSchema now allows every record status (each has a label).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAttemptListSchema } from "@/lib/api/schemas";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("stalehist", "viewer");
}, 120_000);
afterAll(() => bed?.close());

describe("a record's history after a create-mode lookup left it stale", { timeout: 60_000 }, () => {
  it("is an answer the page's client accepts (a RunRecord status the attempts schema allows)", async () => {
    const { db } = bed;
    const prisma = bed.prisma;
    const scheme = await prisma.scheme.create({ data: { name: `过期历史 ${Math.random()}`, definition: {} } });
    const run = await db.createRun(prisma, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
    const claimed = await db.claimRun(prisma, run.id, new Date());
    if (!claimed.claimed) throw new Error("not claimed");
    const ref = { runId: run.id, attempt: claimed.run.attempt, schemeId: scheme.id };
    // Written before under its number (an update, made by upsert mode before the switch to create).
    const row = await prisma.sourceRecord.create({
      data: { schemeId: scheme.id, sourceId: "OLD", data: { code: "OLD" }, dataHash: "d", payloadHash: "h1", status: "pending", targetId: "T-OLD", targetNumber: "OLD", writtenHash: "h0" },
    });
    const records = [{ id: row.id, sourceId: "OLD", hash: "h1", payload: { FNumber: "OLD" } }];
    await db.markSending(prisma, { ...ref, batchId: "b1", mappingKey: "k", records });
    await db.recordWriteResults(prisma, {
      ...ref, batchId: "b1", mode: "upsert",
      results: [{ id: row.id, hash: "h1", outcome: "unknown" as const, error: "超时" }],
      unknownWaitMs: 0, retryBackoffMs: [],
    });
    await db.resolveUnknown(prisma, {
      ...ref, mode: "create",
      verdicts: [{ id: row.id, batchId: "b1", outcome: "found", sentHash: "h1", targetId: "T-OLD", targetNumber: "OLD" }],
      messages: { absent: "不存在", unverifiable: "无法核对" },
    });
    expect((await prisma.sourceRecord.findUniqueOrThrow({ where: { id: row.id } })).status).toBe("stale");

    const { GET } = await import("./route");
    const res = await bed.call(GET, `/api/schemes/${scheme.id}/failed-records/${row.id}/attempts`, { params: { id: scheme.id, recordId: row.id.toString() } });
    expect(res.status).toBe(200);
    // What lib/api/client.ts does with the answer before the page sees it.
    const parsed = recordAttemptListSchema.safeParse(res.body);
    expect(parsed.success, JSON.stringify(res.body)).toBe(true);
  });
});
