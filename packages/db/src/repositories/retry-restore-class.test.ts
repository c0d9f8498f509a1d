// A retry someone asked for (重试) takes a transient failure still waiting for its next automatic
// retry, sends it, gets no answer (unknown: its class cleared), the lookup finds 金蝶 does not have it
// (pending again), and the run ends before resending it. Put back "as it was" must include its class:
// without it the record had a retry_at that nextRetryDue announced and no automatic retry took, and
// the restore-retries step queued an empty retry run every minute, forever (session 23's audit).
import { DEFAULT_RETRY_BACKOFF_MS } from "@qiao/core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { markSending } from "./mark-sending";
import { resolveUnknown } from "./resolve-unknown";
import { nextRetryDue, schemesWithRetries } from "./retries";
import { endRetryEarly } from "./retry-ends";
import { createRun } from "./runs";
import { assignFailedToRun, failedRecords } from "./staging";
import { recordWriteResults } from "./write-protocol";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("retryclass");
  db = createPrisma(tdb.url, 4);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

test("a manual retry that ends after a lookup found its record absent puts it back with its class: the automatic retry it is due for takes it", async () => {
  const scheme = await db.scheme.create({ data: { name: "restore keeps class", definition: {} } });
  const first = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
  await db.run.update({ where: { id: first.id }, data: { status: "partial", phase: "done", failed: 1, finishedAt: new Date() } });
  // 金蝶 was busy: failed transiently, its next automatic retry due in 5 minutes (step 1).
  const retryAt = new Date(Date.now() + 300_000);
  const rec = await db.sourceRecord.create({
    data: {
      schemeId: scheme.id, sourceId: "S1", data: { id: 1 }, payloadHash: "h1", status: "failed", lastRunId: first.id,
      lastError: "金蝶繁忙", errorClass: "transient", retryStep: 1, retryAt,
    },
  });

  // Someone presses 重试 (scheme scope); a worker takes the run.
  const retry = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "retry", options: { scope: "scheme" } });
  const running = await db.run.update({
    where: { id: retry.id },
    data: { status: "running", phase: "writing", attempt: 1, startedAt: new Date(), leaseUntil: new Date(Date.now() + 600_000) },
  });
  const ref = { runId: retry.id, attempt: 1 };
  expect(await assignFailedToRun(db, { schemeId: scheme.id, runId: retry.id, attempt: 1, records: [{ id: rec.id, hash: "h1" }] })).toBe(1);
  const marked = await markSending(db, {
    ...ref, schemeId: scheme.id, batchId: "b1", mappingKey: "k",
    records: [{ id: rec.id, sourceId: "S1", payload: { FNumber: "S1" }, hash: "h1" }],
  });
  expect(marked.size).toBe(1);
  // The call timed out: outcome unknown.
  const answered = await recordWriteResults(db, {
    ...ref, batchId: "b1", mode: "create", unknownWaitMs: 0, retryBackoffMs: DEFAULT_RETRY_BACKOFF_MS,
    results: [{ id: rec.id, hash: "h1", outcome: "unknown", error: "超时" }],
  });
  expect(answered.unknown).toBe(1);
  // The lookup: 金蝶 does not have it, pending again to be resent by this run.
  const verdict = await resolveUnknown(db, {
    ...ref, mode: "create", messages: { absent: "未找到，重新发送", unverifiable: "无法核对" },
    verdicts: [{ id: rec.id, batchId: "b1", outcome: "absent", sentHash: "h1" }],
  });
  expect(verdict.requeued).toBe(1);

  // Before it resends, the run ends early (cancelled; 金蝶 down would do the same).
  await endRetryEarly(db, running, { failure: null });

  const after = await db.sourceRecord.findUniqueOrThrow({ where: { id: rec.id } });
  // Put back as it was: failed, step 1, due at the same time...
  expect(after).toMatchObject({ status: "failed", retryStep: 1 });
  expect(after.retryAt?.getTime()).toBe(retryAt.getTime());
  // ...and the scheme has an automatic retry waiting for it at that time.
  expect((await nextRetryDue(db, scheme.id))?.getTime()).toBe(retryAt.getTime());
  expect((await schemesWithRetries(db)).some((s) => s.schemeId === scheme.id)).toBe(true);

  // The automatic retry that fires then (prepareRetry: dueBy = now + 1 s) takes it.
  const taken = await failedRecords(db, {
    schemeId: scheme.id, excludeRunId: "00000000-0000-0000-0000-000000000000", afterId: 0n, limit: 10,
    dueBy: new Date(retryAt.getTime() + 1_000),
  });
  expect(after.errorClass).toBe("transient");
  expect(taken.map((t) => t.id)).toEqual([rec.id]);
});

test("only what an automatic retry takes is announced as a retry waiting (a failure that is not transient is not)", async () => {
  const scheme = await db.scheme.create({ data: { name: "announce what is taken", definition: {} } });
  const retryAt = new Date(Date.now() + 60_000);
  await db.sourceRecord.create({
    data: { schemeId: scheme.id, sourceId: "D1", data: {}, payloadHash: "h", status: "failed", lastError: "数据错误", errorClass: "data", retryAt },
  });
  expect(await nextRetryDue(db, scheme.id)).toBeNull();
  expect((await schemesWithRetries(db)).some((s) => s.schemeId === scheme.id)).toBe(false);
});
