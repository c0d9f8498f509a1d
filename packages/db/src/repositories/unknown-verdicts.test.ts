// What a lookup's verdict makes of an unknown outcome (resolveUnknown). In create mode a record found
// is the create that happened: written. In upsert mode a found record may have been sent as an
// update, whose number exists whether or not it was processed: it is pending again, to be sent as an
// update (idempotent) — every found record for base data (`resendFound: "any"`), only those written
// before for bills (`targeted`: a bill new to us that is found is the create that happened, and an
// audited bill refuses a second save). Every record made pending counts as requeued.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { markSending } from "./mark-sending";
import { resolveUnknown } from "./resolve-unknown";
import { claimRun, createRun } from "./runs";
import { recordWriteResults } from "./write-protocol";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("verdicts");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

const messages = { absent: "不存在", unverifiable: "无法核对", foundResent: "存在但不能证明" };

/**
 * Records sent in one batch whose outcome is unknown: `NEW` never written before, `OLD` written
 * before (its target and written hash set), `GONE` never written and not found.
 */
async function unknownBatch() {
  const scheme = await db.scheme.create({ data: { name: `核对 ${Math.random()}`, definition: {} } });
  const run = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
  const claimed = await claimRun(db, run.id, new Date());
  if (!claimed.claimed) throw new Error("not claimed");
  const ref = { runId: run.id, attempt: claimed.run.attempt, schemeId: scheme.id };
  const ids = new Map<string, bigint>();
  for (const sourceId of ["NEW", "OLD", "GONE"]) {
    const earlier = sourceId === "OLD" ? { targetId: "T-OLD", targetNumber: "OLD", writtenHash: "h0" } : {};
    const row = await db.sourceRecord.create({
      data: { schemeId: scheme.id, sourceId, data: { code: sourceId }, dataHash: `d-${sourceId}`, payloadHash: "h1", status: "pending", ...earlier },
    });
    ids.set(sourceId, row.id);
  }
  const records = [...ids].map(([sourceId, id]) => ({ id, sourceId, hash: "h1", payload: { FNumber: sourceId } }));
  await markSending(db, { ...ref, batchId: "b1", mappingKey: "k", records });
  await recordWriteResults(db, {
    ...ref,
    batchId: "b1",
    mode: "upsert",
    results: records.map((r) => ({ id: r.id, hash: "h1", outcome: "unknown" as const, error: "超时" })),
    unknownWaitMs: 0,
    retryBackoffMs: [],
  });
  const found = (sourceId: string) => ({ id: ids.get(sourceId)!, batchId: "b1", outcome: "found" as const, sentHash: "h1", targetId: `T-${sourceId}`, targetNumber: sourceId });
  const verdicts = [found("NEW"), found("OLD"), { id: ids.get("GONE")!, batchId: "b1", outcome: "absent" as const, sentHash: "h1" }];
  const state = async () => {
    const rows = await db.sourceRecord.findMany({ where: { schemeId: scheme.id } });
    const runRecords = await db.runRecord.findMany({ where: { runId: run.id } });
    const counters = await db.run.findUniqueOrThrow({ where: { id: run.id }, select: { written: true, unknown: true } });
    return {
      rows: Object.fromEntries(rows.map((r) => [r.sourceId, { status: r.status, writtenHash: r.writtenHash, targetId: r.targetId }])),
      runRecords: Object.fromEntries(runRecords.map((r) => [r.sourceId, { status: r.status, error: r.error }])),
      counters,
    };
  };
  return { ref, verdicts, state };
}

describe("resolveUnknown", () => {
  it("upsert, base data (any): every found record is pending again, none taken for written; all count as requeued", async () => {
    const { ref, verdicts, state } = await unknownBatch();
    const result = await resolveUnknown(db, { ...ref, mode: "upsert", resendFound: "any", verdicts, messages });
    expect(result).toEqual({ written: 0, requeued: 3, resent: 2, failed: 0, stale: 0 });
    expect(await state()).toEqual({
      rows: {
        NEW: { status: "pending", writtenHash: null, targetId: "T-NEW" },
        OLD: { status: "pending", writtenHash: "h0", targetId: "T-OLD" },
        GONE: { status: "pending", writtenHash: null, targetId: null },
      },
      runRecords: {
        NEW: { status: "pending", error: "存在但不能证明" },
        OLD: { status: "pending", error: "存在但不能证明" },
        GONE: { status: "pending", error: "不存在" },
      },
      counters: { written: 0, unknown: 0 },
    });
  });

  it("upsert, bills (targeted): a found record written before is pending again; one new to us is the create that happened", async () => {
    const { ref, verdicts, state } = await unknownBatch();
    const result = await resolveUnknown(db, { ...ref, mode: "upsert", resendFound: "targeted", verdicts, messages });
    expect(result).toEqual({ written: 1, requeued: 2, resent: 1, failed: 0, stale: 0 });
    const { rows, counters } = await state();
    expect(rows).toEqual({
      NEW: { status: "written", writtenHash: "h1", targetId: "T-NEW" },
      OLD: { status: "pending", writtenHash: "h0", targetId: "T-OLD" },
      GONE: { status: "pending", writtenHash: null, targetId: null },
    });
    expect(counters).toEqual({ written: 1, unknown: 0 });
  });

  it("a verdict's own foundAs (a bill's status, session 18) overrides the mode's rules: audited written before → written, open new to us → resent", async () => {
    const { ref, verdicts, state } = await unknownBatch();
    const [newOne, oldOne, gone] = verdicts;
    const decided = [{ ...newOne!, foundAs: "resend" as const, note: "未审核，再次发送" }, { ...oldOne!, foundAs: "written" as const }, gone!];
    const result = await resolveUnknown(db, { ...ref, mode: "upsert", resendFound: "targeted", verdicts: decided, messages });
    expect(result).toEqual({ written: 1, requeued: 2, resent: 1, failed: 0, stale: 0 });
    expect(await state()).toEqual({
      rows: {
        NEW: { status: "pending", writtenHash: null, targetId: "T-NEW" },
        OLD: { status: "written", writtenHash: "h1", targetId: "T-OLD" },
        GONE: { status: "pending", writtenHash: null, targetId: null },
      },
      runRecords: {
        NEW: { status: "pending", error: "未审核，再次发送" },
        OLD: { status: "written", error: null },
        GONE: { status: "pending", error: "不存在" },
      },
      counters: { written: 1, unknown: 0 },
    });
  });

  it("foundAs written overrides audit separate's saved; foundAs resend overrides it too", async () => {
    const { ref, verdicts, state } = await unknownBatch();
    const [newOne, oldOne, gone] = verdicts;
    const decided = [{ ...newOne!, foundAs: "written" as const }, { ...oldOne!, foundAs: "resend" as const }, gone!];
    const result = await resolveUnknown(db, { ...ref, mode: "upsert", foundAs: "saved", verdicts: decided, messages: { ...messages, foundSaved: "已保存" } });
    expect(result).toEqual({ written: 1, requeued: 2, resent: 1, failed: 0, stale: 0 });
    expect((await state()).rows).toEqual({
      NEW: { status: "written", writtenHash: "h1", targetId: "T-NEW" },
      OLD: { status: "pending", writtenHash: "h0", targetId: "T-OLD" },
      GONE: { status: "pending", writtenHash: null, targetId: null },
    });
    const saved = await db.run.findUniqueOrThrow({ where: { id: ref.runId }, select: { saved: true, written: true } });
    expect(saved).toEqual({ saved: 0, written: 1 });
  });

  it("create mode: a found record new to us is written; one written here before (its send an update, made before a switch back from upsert) is stale, keeping what was written", async () => {
    const { ref, verdicts, state } = await unknownBatch();
    const result = await resolveUnknown(db, { ...ref, mode: "create", resendFound: "any", verdicts, messages });
    expect(result).toEqual({ written: 1, requeued: 1, resent: 0, failed: 0, stale: 1 });
    const after = await state();
    expect(after.rows).toMatchObject({ NEW: { status: "written", writtenHash: "h1" }, OLD: { status: "stale", writtenHash: "h0" }, GONE: { status: "pending" } });
    expect(after.runRecords.OLD).toMatchObject({ status: "stale", error: expect.stringContaining("更新是否已生效无法确认") });
  });

  it("a found update left stale counts in its run's stale counter, so the run's counters still add up to what it sent", async () => {
    const { ref, verdicts } = await unknownBatch();
    await resolveUnknown(db, { ...ref, mode: "create", resendFound: "any", verdicts, messages });
    // NEW written, OLD stale, GONE pending again (counted when it is sent again).
    expect(await db.run.findUniqueOrThrow({ where: { id: ref.runId }, select: { written: true, unknown: true, stale: true, failed: true } })).toEqual({
      written: 1,
      unknown: 0,
      stale: 1,
      failed: 0,
    });
  });

  it("absent under the number a record was written under: no document any more (target id and written hash go, the number stays); under another number it keeps them", async () => {
    const gone = await unknownBatch();
    const oldOne = gone.verdicts[1]!;
    const absent = { ...oldOne, outcome: "absent" as const, targetId: null, targetNumber: null, number: "OLD" };
    await resolveUnknown(db, { ...gone.ref, mode: "upsert", verdicts: [absent], messages });
    const row = await db.sourceRecord.findUniqueOrThrow({ where: { id: oldOne.id } });
    // Before: T-OLD and h0 kept, which the mark's renumber check and staleWrittenRecords take for a document.
    expect(row).toMatchObject({ status: "pending", targetId: null, writtenHash: null, targetNumber: "OLD" });

    // Written under a number 金蝶's 编码规则 gave it (blank in staging), sent now under its own: the
    // document under the other number is still there.
    const other = await unknownBatch();
    const otherOld = other.verdicts[1]!;
    await db.sourceRecord.update({ where: { id: otherOld.id }, data: { targetNumber: "" } });
    await resolveUnknown(db, { ...other.ref, mode: "upsert", verdicts: [{ ...otherOld, outcome: "absent", targetId: null, targetNumber: null, number: "OLD" }], messages });
    expect(await db.sourceRecord.findUniqueOrThrow({ where: { id: otherOld.id } })).toMatchObject({ status: "pending", targetId: "T-OLD", writtenHash: "h0" });
  });
});
