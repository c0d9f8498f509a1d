// Target numbers belong to one staged record each (target_number_claims, session 24): the mark claims
// a payload's number for its record and does not mark a record whose number another holds; a number
// is handed over only from a record that failed without ever writing it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { markSending, type SendingRecordInput } from "./mark-sending";
import { numberClaimKey, resolveNumberConflicts } from "./number-claims";
import { claimedRunWithPending } from "./claimed-run.test-util";
import { recordWriteResults } from "./write-protocol";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("numberclaims");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

async function setup(sourceIds: string[]) {
  const { ref, ids } = await claimedRunWithPending(db, "编号", sourceIds);
  const id = (sourceId: string) => ids.get(sourceId)!;
  /** A record of this scheme to mark, with `number` as its FBillNo. */
  const record = (sourceId: string, number: string | undefined, extra: Partial<SendingRecordInput> = {}): SendingRecordInput => ({
    id: id(sourceId),
    sourceId,
    hash: `h-${sourceId}`,
    payload: { FBillNo: number },
    number,
    ...extra,
  });
  let batches = 0;
  const mark = (records: SendingRecordInput[]) => markSending(db, { ...ref, batchId: `b${++batches}`, mappingKey: "k", records });
  /** Who holds each of the scheme's numbers: key → source id. */
  const holders = async () => {
    const claims = await db.targetNumberClaim.findMany({ where: { schemeId: ref.schemeId } });
    const byId = new Map([...ids].map(([s, i]) => [i, s]));
    return Object.fromEntries(claims.map((c) => [c.number, byId.get(c.sourceRecordId) ?? `#${c.sourceRecordId}`]));
  };
  const written = (sourceId: string, number: string) =>
    recordWriteResults(db, {
      ...ref,
      batchId: "any",
      mode: "create",
      unknownWaitMs: 0,
      retryBackoffMs: [60_000],
      results: [{ id: id(sourceId), hash: `h-${sourceId}`, outcome: "written", targetId: `T-${sourceId}`, targetNumber: number }],
    });
  return { ref, id, record, mark, holders, written, schemeId: ref.schemeId };
}

describe("numberClaimKey", () => {
  it("compares numbers as 金蝶's database would: width, ASCII case and trailing spaces do not count", () => {
    expect(numberClaimKey("xsck-001")).toBe("XSCK-001");
    expect(numberClaimKey("ＸＳＣＫ－００１")).toBe("XSCK-001");
    expect(numberClaimKey("XSCK-001  ")).toBe("XSCK-001");
    expect(numberClaimKey("  XSCK-001")).toBe("  XSCK-001");
    expect(numberClaimKey("发货单-a")).toBe("发货单-A");
    expect(numberClaimKey("ä")).toBe("ä");
  });

  it("is what the migration computes in SQL for the numbers written before it", async () => {
    const samples = ["xsck-001", "ＸＳＣＫ－００１", "XSCK-001  ", "  x ", "发货单-a", "ä", "ﬁ", "Ⅻ", "a\tb "];
    for (const sample of samples) {
      const [row] = await db.$queryRaw<{ key: string }[]>`SELECT upper(rtrim(normalize(${sample}, NFKC), ' ') COLLATE "C") AS key`;
      expect(row!.key, sample).toBe(numberClaimKey(sample));
    }
  });
});

describe("the mark claims each payload's number for its record", () => {
  it("marks the first of two records that carry one number, and reports the second", async () => {
    const s = await setup(["A", "B", "C"]);
    const marked = await s.mark([s.record("A", "XSCK-1"), s.record("B", "xsck-1 "), s.record("C", undefined)]);
    expect([...marked].sort()).toEqual([s.id("A"), s.id("C")].sort());
    expect(marked.conflicts).toEqual([{ id: s.id("B"), key: "XSCK-1" }]);
    expect(await s.holders()).toEqual({ "XSCK-1": "A" });
    const b = await db.sourceRecord.findUniqueOrThrow({ where: { id: s.id("B") } });
    expect(b).toMatchObject({ status: "pending", batchId: null, sendingRunId: null });
    // Read again: A holds it and is being sent, so B is refused, naming A.
    expect(await resolveNumberConflicts(db, { schemeId: s.schemeId, conflicts: marked.conflicts })).toEqual({
      refused: [{ id: s.id("B"), holderSourceId: "A" }],
      free: [],
    });
    expect(await s.holders()).toEqual({ "XSCK-1": "A" });
  });

  it("lets the holder send its number again, and refuses it to every other record", async () => {
    const s = await setup(["A", "B"]);
    expect((await s.mark([s.record("A", "N1")])).size).toBe(1);
    await s.written("A", "N1");
    // A changed (upsert): marked again under the number it holds.
    await db.sourceRecord.update({ where: { id: s.id("A") }, data: { status: "pending" } });
    const again = await s.mark([s.record("A", "N1")]);
    expect([...again]).toEqual([s.id("A")]);
    expect(again.conflicts).toEqual([]);
    await s.written("A", "N1");
    // B, in a later batch, with A's number in another width: not marked, refused.
    const b = await s.mark([s.record("B", "Ｎ1")]);
    expect(b.size).toBe(0);
    expect(b.conflicts).toEqual([{ id: s.id("B"), key: "N1" }]);
    expect((await resolveNumberConflicts(db, { schemeId: s.schemeId, conflicts: b.conflicts })).refused).toEqual([{ id: s.id("B"), holderSourceId: "A" }]);
  });

  it("claims nothing for a record it does not mark", async () => {
    const s = await setup(["A", "B"]);
    // A's staged data changed since it was mapped; B is not pending.
    await db.sourceRecord.update({ where: { id: s.id("B") }, data: { status: "written" } });
    const marked = await s.mark([s.record("A", "N1", { dataHash: "d-A-older" }), s.record("B", "N2")]);
    expect(marked.size).toBe(0);
    expect(marked.conflicts).toEqual([]);
    expect(await s.holders()).toEqual({});
  });

  it("claims nothing once the attempt lost the run", async () => {
    const s = await setup(["A"]);
    await db.run.update({ where: { id: s.ref.runId }, data: { attempt: { increment: 1 } } });
    const marked = await s.mark([s.record("A", "N1")]);
    expect(marked.size).toBe(0);
    expect(marked.conflicts).toEqual([]);
    expect(await s.holders()).toEqual({});
  });

  it("gives a number to one of two marks that claim it at once", async () => {
    const s = await setup(["A", "B"]);
    const [a, b] = await Promise.all([s.mark([s.record("A", "N1")]), s.mark([s.record("B", "N1")])]);
    expect(a.size + b.size).toBe(1);
    const loser = a.size === 1 ? { marked: b, id: s.id("B") } : { marked: a, id: s.id("A") };
    expect(loser.marked.conflicts.map((c) => c.id)).toEqual([loser.id]);
    const winner = a.size === 1 ? "A" : "B";
    expect(await s.holders()).toEqual({ N1: winner });
    expect((await resolveNumberConflicts(db, { schemeId: s.schemeId, conflicts: loser.marked.conflicts })).refused).toEqual([
      { id: loser.id, holderSourceId: winner },
    ]);
  });
});

describe("resolveNumberConflicts", () => {
  it("hands a number over from a record that failed without ever writing it, and not from one that wrote", async () => {
    const s = await setup(["A", "B", "C", "D"]);
    expect((await s.mark([s.record("A", "N1"), s.record("C", "N2")])).size).toBe(2);
    // A failed (refused by the target, nothing written); C wrote, then failed an update.
    await db.sourceRecord.update({ where: { id: s.id("A") }, data: { status: "failed", lastError: "拒绝" } });
    await db.sourceRecord.update({ where: { id: s.id("C") }, data: { status: "failed", lastError: "拒绝", writtenHash: "w", targetId: "T-C" } });
    const marked = await s.mark([s.record("B", "N1"), s.record("D", "N2")]);
    expect(marked.size).toBe(0);
    expect(await resolveNumberConflicts(db, { schemeId: s.schemeId, conflicts: marked.conflicts })).toEqual({
      refused: [{ id: s.id("D"), holderSourceId: "C" }],
      free: [s.id("B")],
    });
    expect(await s.holders()).toEqual({ N1: "B", N2: "C" });
    // B, still pending, is marked by the next pass; A, retried later, is refused in turn.
    expect([...(await s.mark([s.record("B", "N1")]))]).toEqual([s.id("B")]);
    await db.sourceRecord.update({ where: { id: s.id("A") }, data: { status: "pending" } });
    const a = await s.mark([s.record("A", "N1")]);
    expect((await resolveNumberConflicts(db, { schemeId: s.schemeId, conflicts: a.conflicts })).refused).toEqual([{ id: s.id("A"), holderSourceId: "B" }]);
  });

  it("hands a free number to one of two records asking for it", async () => {
    const s = await setup(["A", "B"]);
    // Both asked while another mark held the number, which then rolled back: nobody holds it.
    const verdicts = await resolveNumberConflicts(db, {
      schemeId: s.schemeId,
      conflicts: [
        { id: s.id("B"), key: "N1" },
        { id: s.id("A"), key: "N1" },
      ],
    });
    expect(verdicts.refused).toEqual([]);
    expect(verdicts.free.sort()).toEqual([s.id("A"), s.id("B")].sort());
    expect(await s.holders()).toEqual({ N1: "A" });
    // B's next mark finds A holding it.
    const b = await s.mark([s.record("B", "N1")]);
    expect(b.size).toBe(0);
    expect(b.conflicts).toEqual([{ id: s.id("B"), key: "N1" }]);
  });

  it("leaves a scheme's numbers to the scheme: another scheme's records claim the same numbers", async () => {
    const s = await setup(["A"]);
    const t = await setup(["A"]);
    expect((await s.mark([s.record("A", "N1")])).size).toBe(1);
    expect((await t.mark([t.record("A", "N1")])).size).toBe(1);
    // Deleting a scheme deletes its claims (trigger schemes_delete_number_claims).
    await db.scheme.delete({ where: { id: t.schemeId } });
    expect(await db.targetNumberClaim.count({ where: { schemeId: t.schemeId } })).toBe(0);
    expect(await s.holders()).toEqual({ N1: "A" });
  });
});
