// Session 32 (audit of lookups). Defect: `lookup('店铺→客户', …)` answers from staging what the
// dependency wrote, and a version of the dependency that switches its target makes its records count
// as never written there (forgetWrittenTarget clears written_hash and target_number), except rows
// `sending` or `unknown`, left to the write protocol with the written hash and number of the OLD
// target: lookupWritten still answered their number, so a bill written to the new account set named a
// customer never written there instead of waiting for it (等待依赖).
// Fix: forgetWrittenTarget also drops those rows' number (they keep their status, written hash and
// target id, which resolveUnknown reads), and lookupWritten answers only from a row with a written
// hash and a number (docs/decisions.md session 32). The first test is the auditor's, failing before its fix.
import { seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Db } from "../client";
import { openEditorDatabase, type EditorDatabase } from "../testing";
import { markSending } from "./mark-sending";
import { resolveUnknown } from "./resolve-unknown";
import { claimRun, createRun } from "./runs";
import { insertScheme, insertSchemeVersion } from "./schemes";
import { forgetWrittenTarget } from "./staging-switch";
import { lookupWritten } from "./waiting";
import { recordWriteResults } from "./write-protocol";

let bed: EditorDatabase;
let db: Db;
let userId: string;
beforeAll(async () => {
  bed = await openEditorDatabase("lookupswitch");
  ({ db, userId } = bed);
});
afterAll(() => bed?.close());

const ids = { sourceConnectionId: "00000000-0000-4000-8000-000000000001", targetConnectionId: "00000000-0000-4000-8000-000000000002" };
const OTHER = "00000000-0000-4000-8000-000000000003";
const definition = (change: (config: Record<string, unknown>) => void = () => undefined): SchemeDefinition => {
  const d = seedSchemeDefinition(ids);
  change(d.nodes.find((n) => n.type === "target")!.config as unknown as Record<string, unknown>);
  return d;
};

it("a dependency switched to another target answers no lookup with a number written only to the old target", { timeout: 30_000 }, async () => {
  const scheme = await insertScheme(db, { name: "店铺→客户（切换）", description: "", definition: definition() }, userId);
  // Shop 1: written to the old target. Shop 2: written there too, then an update whose outcome is
  // unknown (a run cancelled while it waited to look it up: "stays unknown, for the next run").
  for (const [sourceId, status] of [["1", "written"], ["2", "unknown"]] as const) {
    await db.sourceRecord.create({
      data: { schemeId: scheme.id, sourceId, data: { id: sourceId }, payloadHash: "p", mappedWith: "k", writtenHash: "p", status, targetId: `10${sourceId}`, targetNumber: `CUST-${sourceId}` },
    });
  }
  const ask = () => lookupWritten(db, { schemeId: scheme.id, keyField: undefined, returnField: "number", keys: ["1", "2"] });
  expect([...(await ask()).written]).toEqual([
    ["1", "CUST-1"],
    ["2", "CUST-2"],
  ]);

  // The customers scheme now writes to another 金蝶 account set (test set → production).
  await insertSchemeVersion(db, scheme.id, { definition: definition((c) => (c.connectionId = OTHER)) }, userId);

  // Nothing is written in the new target yet: a bill looking either shop up must wait.
  const after = await ask();
  expect(after.written.get("1")).toBeUndefined();
  expect(after.written.get("2")).toBeUndefined();
  // Nor by the target id, nor by a key field of the source data.
  expect((await lookupWritten(db, { schemeId: scheme.id, keyField: undefined, returnField: "id", keys: ["1", "2"] })).written.size).toBe(0);
  expect((await lookupWritten(db, { schemeId: scheme.id, keyField: "id", returnField: "number", keys: ["1", "2"] })).written.size).toBe(0);
  // The unknown row keeps what the write protocol reads (status, written hash, target id), not the old number.
  expect(await db.sourceRecord.findFirstOrThrow({ where: { schemeId: scheme.id, sourceId: "2" } })).toMatchObject({
    status: "unknown",
    writtenHash: "p",
    targetId: "102",
    targetNumber: null,
  });

  // Written to the new target (its answer gives the number written there): answered again.
  await db.sourceRecord.updateMany({ where: { schemeId: scheme.id, sourceId: "2" }, data: { status: "written", targetId: "902", targetNumber: "CUST-2" } });
  expect([...(await ask()).written]).toEqual([["2", "CUST-2"]]);
});

it("after a switch, an unknown update keeps resolveUnknown's resend rule; found absent in the new target it is not taken for written", { timeout: 30_000 }, async () => {
  const scheme = await db.scheme.create({ data: { name: `切换核对 ${Math.random()}`, definition: {} } });
  const run = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
  const claimed = await claimRun(db, run.id, new Date());
  if (!claimed.claimed) throw new Error("not claimed");
  const ref = { runId: run.id, attempt: claimed.run.attempt, schemeId: scheme.id };
  // Two customers written to the old target, each updated since with an unknown outcome.
  const ids: bigint[] = [];
  for (const code of ["A", "B"]) {
    const row = await db.sourceRecord.create({
      data: { schemeId: scheme.id, sourceId: code, data: { code }, payloadHash: "h1", status: "pending", targetId: `T-${code}`, targetNumber: code, writtenHash: "h0" },
    });
    ids.push(row.id);
  }
  const records = ids.map((id, i) => ({ id, sourceId: ["A", "B"][i]!, hash: "h1", payload: { FNumber: ["A", "B"][i] }, number: ["A", "B"][i] }));
  expect((await markSending(db, { ...ref, batchId: "b1", mappingKey: "k", records, upsert: true })).size).toBe(2);
  await recordWriteResults(db, {
    ...ref,
    batchId: "b1",
    mode: "upsert",
    results: records.map((r) => ({ id: r.id, hash: "h1", outcome: "unknown" as const, error: "超时" })),
    unknownWaitMs: 0,
    retryBackoffMs: [],
  });
  await db.$transaction((tx) => forgetWrittenTarget(tx, scheme.id));

  // In the new target: A found (an update may not have gone: sent again, as before the switch), B absent.
  const result = await resolveUnknown(db, {
    ...ref,
    mode: "upsert",
    resendFound: "targeted",
    messages: { absent: "不存在", unverifiable: "无法核对" },
    verdicts: [
      { id: ids[0]!, batchId: "b1", outcome: "found", sentHash: "h1", targetId: "N-A", targetNumber: "A" },
      { id: ids[1]!, batchId: "b1", outcome: "absent", sentHash: "h1", number: "B" },
    ],
  });
  expect(result).toMatchObject({ requeued: 2, resent: 1 });
  const rows = await db.sourceRecord.findMany({ where: { schemeId: scheme.id }, orderBy: { id: "asc" } });
  expect(rows.map((r) => ({ status: r.status, writtenHash: r.writtenHash, targetId: r.targetId, targetNumber: r.targetNumber }))).toEqual([
    { status: "pending", writtenHash: "h0", targetId: "N-A", targetNumber: "A" },
    // Nothing of it is in the target the scheme writes to: no written hash (staging would take a
    // payload equal to the old one for written), no number, no lookup answer, and no target id (the
    // old target's names nothing here; session 34: an absent verdict leaves no document).
    { status: "pending", writtenHash: null, targetId: null, targetNumber: null },
  ]);
  expect([...(await lookupWritten(db, { schemeId: scheme.id, keyField: undefined, returnField: "number", keys: ["A", "B"] })).written]).toEqual([["A", "A"]]);
  // Marked again, B is not taken for renumbered (no number written in this target): sent.
  const again = await markSending(db, { ...ref, batchId: "b2", mappingKey: "k", records: [{ ...records[1]!, payload: { FNumber: "B2" }, number: "B2" }], upsert: true });
  expect(again.renumbered).toEqual([]);
  expect(again.size).toBe(1);
});
