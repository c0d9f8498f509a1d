// Target numbers belong to one staged record each (target_number_claims, session 24): the mark claims
// a payload's number for its record and does not mark a record whose number another holds; a number
// is handed over only while no send under it may have written (its claim's `sends`, session 25).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { markSending, type SendingRecordInput } from "./mark-sending";
import { numberClaimKey, resolveNumberConflicts } from "./number-claims";
import { resolveUnknown, type OutcomeVerdict } from "./resolve-unknown";
import { claimedRunWithPending } from "./claimed-run.test-util";
import { releaseSending } from "./unsent";
import { recordWriteResults, type WriteResult } from "./write-protocol";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("numberclaims");
  db = createPrisma(tdb.url, 4);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

/** `freshNumbers`: every mark guesses its numbers new (markSending's plain INSERT, then the upsert when wrong). */
async function setupWith(sourceIds: string[], freshNumbers = false) {
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
  const mark = (records: SendingRecordInput[]) => markSending(db, { ...ref, batchId: `b${++batches}`, mappingKey: "k", records, freshNumbers });
  /** Who holds each of the scheme's numbers: key → source id. */
  const holders = async () => {
    const claims = await db.targetNumberClaim.findMany({ where: { schemeId: ref.schemeId } });
    const byId = new Map([...ids].map(([s, i]) => [i, s]));
    return Object.fromEntries(claims.map((c) => [c.number, byId.get(c.sourceRecordId) ?? `#${c.sourceRecordId}`]));
  };
  /** The answer for one record, in the batch it was marked in. */
  const answer = async (result: WriteResult) => {
    const { batchId } = await db.sourceRecord.findUniqueOrThrow({ where: { id: result.id } });
    return recordWriteResults(db, { ...ref, batchId: batchId!, mode: "upsert", unknownWaitMs: 0, retryBackoffMs: [60_000], results: [result] });
  };
  const written = (sourceId: string, number: string) =>
    answer({ id: id(sourceId), hash: `h-${sourceId}`, outcome: "written", targetId: `T-${sourceId}`, targetNumber: number });
  /** 金蝶 refused the record outright (a data failure) under `number`. */
  const refused = (sourceId: string, number: string) =>
    answer({ id: id(sourceId), hash: `h-${sourceId}`, outcome: "failed", error: "拒绝", errorClass: "data", number });
  const status = async (sourceId: string) => (await db.sourceRecord.findUniqueOrThrow({ where: { id: id(sourceId) } })).status;
  /** Staged again (its data changed): pending, to be marked by the next pass. */
  const restaged = (sourceId: string) => db.sourceRecord.update({ where: { id: id(sourceId) }, data: { status: "pending" } });
  /** Each of the scheme's numbers with how many sends under it may have written. */
  const sends = async () =>
    Object.fromEntries((await db.targetNumberClaim.findMany({ where: { schemeId: ref.schemeId } })).map((c) => [c.number, c.sends]));
  /** The lookup's verdict on a record whose outcome was unknown. */
  const lookedUp = async (sourceId: string, verdict: Omit<OutcomeVerdict, "id" | "batchId" | "sentHash">) => {
    const { batchId } = await db.sourceRecord.findUniqueOrThrow({ where: { id: id(sourceId) } });
    return resolveUnknown(db, {
      ...ref,
      mode: "upsert",
      resendFound: "any",
      verdicts: [{ id: id(sourceId), batchId, sentHash: `h-${sourceId}`, ...verdict }],
      messages: { absent: "不存在", unverifiable: "无法核对" },
    });
  };
  /** Marks `records` and reads their conflicts again: what the engine does before refusing a record. */
  const ask = async (records: SendingRecordInput[]) => {
    const marked = await mark(records);
    return { marked, verdicts: await resolveNumberConflicts(db, { schemeId: ref.schemeId, conflicts: marked.conflicts }) };
  };
  return { ref, id, record, mark, holders, answer, written, refused, lookedUp, status, restaged, sends, ask, schemeId: ref.schemeId, batch: () => `b${batches}` };
}

const setup = (sourceIds: string[]) => setupWith(sourceIds);

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

describe.each([
  ["", false],
  [", guessing its numbers new", true],
])("the mark claims each payload's number for its record%s", (_, fresh) => {
  const setup = (sourceIds: string[]) => setupWith(sourceIds, fresh);
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
    // Held already: no new claim, one more send under it that may have written.
    expect(again.numbersNew).toBe(false);
    expect(await s.sends()).toEqual({ N1: 2 });
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

  it("says whether every record it marked claimed a new number (the next mark's guess)", async () => {
    const s = await setup(["A", "B", "C", "D", "E"]);
    const first = await s.mark([s.record("A", "N1"), s.record("B", "N2")]);
    expect({ size: first.size, numbersNew: first.numbersNew }).toEqual({ size: 2, numbersNew: true });
    expect(await s.sends()).toEqual({ N1: 1, N2: 1 });
    // C's number is B's: C is not marked, D is; the guess is off.
    const second = await s.mark([s.record("C", "N2"), s.record("D", "N4")]);
    expect([...second]).toEqual([s.id("D")]);
    expect(second.conflicts).toEqual([{ id: s.id("C"), key: "N2" }]);
    expect(second.numbersNew).toBe(false);
    // A record without a number claims nothing: no guess either way.
    const third = await s.mark([s.record("E", undefined)]);
    expect({ size: third.size, numbersNew: third.numbersNew }).toEqual({ size: 1, numbersNew: false });
    expect(await s.holders()).toEqual({ N1: "A", N2: "B", N4: "D" });
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
  it("hands a number over from a record the target refused without it ever writing, and not from one that wrote or may have", async () => {
    const s = await setup(["A", "B", "C", "D", "E", "F"]);
    expect((await s.mark([s.record("A", "N1"), s.record("C", "N2"), s.record("E", "N3")])).size).toBe(3);
    // A was refused (a data failure, nothing written); C wrote, then failed an update; E failed as
    // transient (an update still unknown after the connector's retries is reported so: it may be saved).
    await s.answer({ id: s.id("A"), hash: "h-A", outcome: "failed", error: "拒绝", errorClass: "data", number: "N1" });
    await s.restaged("C");
    expect((await s.mark([s.record("C", "N2")])).size).toBe(1);
    await s.answer({ id: s.id("C"), hash: "h-C", outcome: "failed", error: "拒绝", errorClass: "data", number: "N2" });
    await db.sourceRecord.update({ where: { id: s.id("E") }, data: { status: "failed", lastError: "超时", errorClass: "transient" } });
    expect(await s.sends()).toEqual({ N1: 0, N2: 2, N3: 1 });
    const marked = await s.mark([s.record("B", "N1"), s.record("D", "N2"), s.record("F", "N3")]);
    expect(marked.size).toBe(0);
    expect(await resolveNumberConflicts(db, { schemeId: s.schemeId, conflicts: marked.conflicts })).toEqual({
      refused: [
        { id: s.id("D"), holderSourceId: "C" },
        { id: s.id("F"), holderSourceId: "E" },
      ],
      free: [s.id("B")],
    });
    expect(await s.holders()).toEqual({ N1: "B", N2: "C", N3: "E" });
    // B, still pending, is marked by the next pass; A, retried later, is refused in turn.
    expect([...(await s.mark([s.record("B", "N1")]))]).toEqual([s.id("B")]);
    await s.restaged("A");
    const a = await s.mark([s.record("A", "N1")]);
    expect((await resolveNumberConflicts(db, { schemeId: s.schemeId, conflicts: a.conflicts })).refused).toEqual([{ id: s.id("A"), holderSourceId: "B" }]);
  });

  it("counts the sends under a number that may have written: 1 at the first mark, 0 again once refused outright, put back unsent or looked up absent, 2 once a second send may have written", async () => {
    const s = await setup(["A", "B"]);
    await s.mark([s.record("A", "N1"), s.record("B", "N2")]);
    expect(await s.sends()).toEqual({ N1: 1, N2: 1 });
    // The batch is put back unsent (the target certainly did not process it).
    expect(await releaseSending(db, { ...s.ref, batchId: s.batch(), numbers: [{ id: s.id("A"), number: "n1" }, { id: s.id("B"), number: "N2" }] })).toBe(2);
    expect(await s.sends()).toEqual({ N1: 0, N2: 0 });
    // Sent again: A is refused outright; B's outcome is unknown, and the lookup finds it absent.
    await s.mark([s.record("A", "N1"), s.record("B", "N2")]);
    await s.answer({ id: s.id("A"), hash: "h-A", outcome: "failed", error: "拒绝", errorClass: "data", number: "N1" });
    await s.answer({ id: s.id("B"), hash: "h-B", outcome: "unknown", error: "超时" });
    expect(await s.sends()).toEqual({ N1: 0, N2: 1 });
    await s.lookedUp("B", { outcome: "absent", number: "N2" });
    expect(await s.sends()).toEqual({ N1: 0, N2: 0 });
    // B is sent again, its outcome unknown again, and this time the lookup finds the bill: it is sent
    // once more (an update, in upsert mode) and refused.
    await s.mark([s.record("B", "N2")]);
    await s.answer({ id: s.id("B"), hash: "h-B", outcome: "unknown", error: "超时" });
    await s.lookedUp("B", { outcome: "found", number: "N2", targetId: "T-B", targetNumber: "N2", foundAs: "resend" });
    expect(await s.sends()).toEqual({ N1: 0, N2: 1 });
    await s.mark([s.record("B", "N2")]);
    await s.refused("B", "N2");
    // B's first send may have saved the bill: its refusal now says nothing about that one.
    expect(await s.sends()).toEqual({ N1: 0, N2: 2 });
    await s.restaged("B");
    await s.mark([s.record("B", "N2")]);
    expect(await s.sends()).toEqual({ N1: 0, N2: 2 });
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

describe("races and dirty data (session 24's audit; each failed with e196cb5)", () => {
  it("does not hand a number over from a holder re-marked while the hand-over statement runs (both would be sent)", async () => {
    const s = await setup(["A", "B"]);
    // A holds N1 and failed without writing: its number may be handed over.
    await s.mark([s.record("A", "N1")]);
    await s.refused("A", "N1");
    const b = await s.mark([s.record("B", "N1")]);
    expect(b.size).toBe(0);
    expect(b.conflicts.map((c) => c.id)).toEqual([s.id("B")]);

    // Another session holds A's claim row locked for a moment (any short row lock does: it only
    // widens the window between resolveNumberConflicts' snapshot and its UPDATE).
    const locker = new pg.Client({ connectionString: tdb.url });
    await locker.connect();
    try {
      await locker.query("BEGIN");
      await locker.query("SELECT * FROM target_number_claims WHERE scheme_id = $1::uuid FOR UPDATE", [s.schemeId]);
      // The hand-over reads A as failed (its snapshot), then waits for the row.
      const resolving = resolveNumberConflicts(db, { schemeId: s.schemeId, conflicts: b.conflicts });
      for (const until = Date.now() + 10_000; ; ) {
        const waiting = await locker.query("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted");
        if (waiting.rows[0].n > 0) break;
        if (Date.now() > until) throw new Error("resolveNumberConflicts never waited for the row");
        await new Promise((r) => setTimeout(r, 20));
      }
      // Meanwhile A is staged again (its data changed, same number) and marked by its run: the
      // statement's snapshot still has A holding N1.
      const markingA = db.sourceRecord.update({ where: { id: s.id("A") }, data: { status: "pending" } }).then(() => s.mark([s.record("A", "N1")]));
      await new Promise((r) => setTimeout(r, 300));
      await locker.query("COMMIT");
      const [verdicts, a] = await Promise.all([resolving, markingA]);
      // B, handed the number if the verdict says so, is marked by the next pass.
      if (verdicts.free.includes(s.id("B"))) await s.mark([s.record("B", "N1")]);
      const sending = [(await s.status("A")) === "sending", (await s.status("B")) === "sending"];
      // Never both under N1: the hand-over locked A's row, so A was staged again after it (and is
      // refused naming B), or before it (and nothing was handed over).
      expect({ aMarked: a.size === 1, sending: sending.filter(Boolean).length }).toMatchObject({ sending: 1 });
    } finally {
      await locker.end();
    }
  });

  it("marks a batch in which one payload's number holds a NUL character (the json key cannot become text)", async () => {
    const s = await setup(["A", "C", "D"]);
    // A NUL elsewhere in a payload is marked as before (the payload is json).
    const d = await s.mark([s.record("D", undefined, { payload: { FNote: "x\u0000y" } })]);
    expect([...d]).toEqual([s.id("D")]);
    // Before the claims, a payload with \u0000 was marked and sent (payloads are json, not jsonb);
    // staging keeps source data as json too. The claim key made the whole batch's mark throw, every time.
    const outcome = await s.mark([s.record("C", "N3"), s.record("A", "P-1\u0000")]).then(
      (r) => ({ threw: false, marked: [...r] }),
      (e: unknown) => ({ threw: true, error: String(e) }),
    );
    // Before: "unsupported Unicode escape sequence: \u0000 cannot be converted to text" (t.k::json #>> '{}').
    expect(outcome).toEqual(expect.objectContaining({ threw: false }));
    expect((outcome as { marked: bigint[] }).marked).toContain(s.id("C"));
  });
});

describe("a holder that moved on to another number (session 24's open false refusal)", () => {
  it("hands over the number a holder was refused under once it is written under another", async () => {
    const s = await setup(["A", "B"]);
    // A is refused under N1; B, whose number N1 really is, is refused naming A meanwhile.
    await s.mark([s.record("A", "N1")]);
    const early = await s.ask([s.record("B", "N1")]);
    expect(early.verdicts.refused).toEqual([{ id: s.id("B"), holderSourceId: "A" }]);
    await s.refused("A", "N1");
    // A's data is corrected: it maps to N2 now, and is written there.
    await s.restaged("A");
    await s.mark([s.record("A", "N2")]);
    await s.written("A", "N2");
    expect(await s.status("A")).toBe("written");
    // Retried, B is handed N1 (nothing was ever written under it) and marked by the next pass.
    await s.restaged("B");
    const later = await s.ask([s.record("B", "N1")]);
    expect(later.verdicts).toEqual({ refused: [], free: [s.id("B")] });
    expect([...(await s.mark([s.record("B", "N1")]))]).toEqual([s.id("B")]);
    expect(await s.holders()).toEqual({ N1: "B", N2: "A" });
    expect(await s.sends()).toEqual({ N1: 1, N2: 1 });
  });

  it("keeps the number of a holder whose earlier send under it may have written, whatever came after", async () => {
    const s = await setup(["A", "B"]);
    // A is written under N1, then an update under N1 is refused, then A moves to N2.
    await s.mark([s.record("A", "N1")]);
    await s.written("A", "N1");
    await s.restaged("A");
    await s.mark([s.record("A", "N1")]);
    await s.refused("A", "N1");
    await s.restaged("A");
    await s.mark([s.record("A", "N2")]);
    await s.written("A", "N2");
    // A's bill may still be N1 in 金蝶: B is refused.
    expect((await s.ask([s.record("B", "N1")])).verdicts.refused).toEqual([{ id: s.id("B"), holderSourceId: "A" }]);
  });

  it("keeps the number of a holder staged again (about to be mapped and sent, it may ask for it again) or handed it and not sent yet", async () => {
    const s = await setup(["A", "B", "C"]);
    await s.mark([s.record("A", "N1")]);
    await s.refused("A", "N1");
    await s.restaged("A");
    expect((await s.ask([s.record("B", "N1")])).verdicts.refused).toEqual([{ id: s.id("B"), holderSourceId: "A" }]);
    // A is sent again under N1 and refused again: the number is free to hand over; B asks first.
    await s.mark([s.record("A", "N1")]);
    await s.refused("A", "N1");
    await s.restaged("B");
    expect((await s.ask([s.record("B", "N1")])).verdicts.free).toEqual([s.id("B")]);
    // C asks before B's next pass: B, pending, keeps it (no handing back and forth).
    expect((await s.ask([s.record("C", "N1")])).verdicts.refused).toEqual([{ id: s.id("C"), holderSourceId: "B" }]);
    expect(await s.holders()).toEqual({ N1: "B" });
  });
});
