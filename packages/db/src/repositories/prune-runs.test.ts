// Run retention: runs past RUN_RETENTION_DAYS, and quiet runs (no person started them, they
// succeeded and changed nothing) past RUN_RETENTION_QUIET_DAYS; what something still reads stays
// (a scheme's latest run, its latest success, a failed or saved record's run, a resync run …).
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunStatus, RunTrigger } from "../../generated/prisma/enums";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { listFailedRecords } from "./failed-records";
import { readOverview } from "./overview";
import { pruneRuns } from "./prune-runs";
import { claimResync, ResyncError } from "./reconciliation-report";
import { runAfterDue } from "./run-after";
import { createRun } from "./runs";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("prune");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

const days = (n: number) => new Date(Date.now() - n * 86_400_000);

type Counters = Partial<Record<"written" | "failed" | "unknown" | "saved" | "waiting" | "skipped" | "fetched", number>>;

/** A finished run of `schemeId`, `age` days old. */
async function finished(schemeId: string, age: number, trigger: RunTrigger, status: RunStatus = "succeeded", counters: Counters = {}) {
  const run = await createRun(db, { schemeId, schemeVersion: 1, trigger });
  return db.run.update({ where: { id: run.id }, data: { status, phase: "done", createdAt: days(age), finishedAt: days(age), ...counters } });
}

async function left(schemeId: string): Promise<string[]> {
  return (await db.run.findMany({ where: { schemeId }, select: { id: true } })).map((r) => r.id).sort();
}

it("prunes quiet runs after the quiet days: only automatic, succeeded runs that changed nothing", async () => {
  const s = await db.scheme.create({ data: { name: "每分钟", definition: {} } });
  const quiet = await finished(s.id, 10, "schedule", "succeeded", { fetched: 500, skipped: 500 });
  await db.runLog.create({ data: { runId: quiet.id, level: "info", message: "读取完成" } });
  const quietChain = await finished(s.id, 10, "chain");
  const quietDependency = await finished(s.id, 10, "dependency");
  const kept = [
    await finished(s.id, 10, "schedule", "succeeded", { written: 1 }),
    await finished(s.id, 10, "schedule", "succeeded", { failed: 1 }),
    await finished(s.id, 10, "schedule", "succeeded", { unknown: 1 }),
    await finished(s.id, 10, "schedule", "succeeded", { saved: 1 }),
    await finished(s.id, 10, "schedule", "succeeded", { waiting: 1 }),
    await finished(s.id, 10, "schedule", "failed"),
    await finished(s.id, 10, "schedule", "cancelled"),
    // Started by a person, or a retry or a test: not quiet, whatever they did.
    await finished(s.id, 10, "manual"),
    await finished(s.id, 10, "retry"),
    await finished(s.id, 10, "test"),
    // Quiet, but younger than the quiet days.
    await finished(s.id, 6, "schedule"),
  ];
  // Without quiet days (they default to the retention days), nothing here is old enough.
  expect(await pruneRuns(db, 30)).toEqual({ expired: 0, quiet: 0 });

  expect(await pruneRuns(db, 30, 7)).toEqual({ expired: 0, quiet: 3 });
  expect(await left(s.id)).toEqual(kept.map((r) => r.id).sort());
  expect(await db.runLog.count({ where: { runId: quiet.id } })).toBe(0);
  expect(await db.run.count({ where: { id: { in: [quietChain.id, quietDependency.id] } } })).toBe(0);
  // Once past the retention days, the rest goes too (but the scheme's latest run).
  expect(await pruneRuns(db, 5, 7)).toEqual({ expired: kept.length - 1, quiet: 0 });
  expect(await left(s.id)).toEqual([kept.at(-1)!.id]);
});

it("keeps a scheme's latest run and its latest success however old, and a quiet run a failed record still needs", async () => {
  const stopped = await db.scheme.create({ data: { name: "已停用", definition: {} } });
  const older = await finished(stopped.id, 50, "schedule");
  const last = await finished(stopped.id, 40, "schedule");
  const s = await db.scheme.create({ data: { name: "失败记录", definition: {} } });
  const needed = await finished(s.id, 10, "schedule");
  // The record failed earlier, and the quiet run restaged it (its data changed, not its payload).
  await db.sourceRecord.create({ data: { schemeId: s.id, sourceId: "F", data: {}, payloadHash: "h", status: "failed", lastRunId: needed.id, lastError: "失败" } });
  await finished(s.id, 1, "schedule");

  // Failing for ten days since its last success: the "no success for N hours" alert counts from it.
  const failing = await db.scheme.create({ data: { name: "一直失败", definition: {} } });
  const quietBefore = await finished(failing.id, 12, "schedule");
  const lastSuccess = await finished(failing.id, 10, "schedule");
  const failures = [await finished(failing.id, 9, "schedule", "failed"), await finished(failing.id, 1, "schedule", "failed")];

  expect(await pruneRuns(db, 30, 7)).toEqual({ expired: 0, quiet: 2 });
  expect(await left(stopped.id)).toEqual([last.id]);
  expect(await db.run.count({ where: { id: quietBefore.id } })).toBe(0);
  expect(await left(failing.id)).toEqual([lastSuccess.id, ...failures.map((r) => r.id)].sort());
  // Past the retention days too: the latest run and the latest success stay.
  expect(await pruneRuns(db, 5, 5)).toMatchObject({ expired: 1 });
  expect(await left(failing.id)).toEqual([lastSuccess.id, failures[1]!.id].sort());
  expect(await db.run.count({ where: { id: older.id } })).toBe(0);
  expect(await db.run.count({ where: { id: needed.id } })).toBe(1);
});

it("keeps, while a retry is not finished, the run it retries and the runs its taken records failed in", async () => {
  const s = await db.scheme.create({ data: { name: "重试中", definition: {} } });
  const x = await finished(s.id, 40, "manual", "failed", { failed: 2 });
  const w = await finished(s.id, 45, "schedule", "partial", { failed: 1 });
  const gone = await finished(s.id, 50, "manual", "failed", { failed: 1 });
  await finished(s.id, 1, "schedule");
  // A retry of X, handed back (queued) after it took X's two failures and one of W's.
  const retry = await createRun(db, { schemeId: s.id, schemeVersion: 1, trigger: "retry", retryOfId: x.id });
  await db.run.update({ where: { id: retry.id }, data: { attempt: 1 } });
  const prior = (run: string) => ({ status: "failed", last_run_id: run, payload_hash: "h", mapped_with: null, last_error: "失败", retry_step: 0, retry_at: null, dead_at: null });
  for (const [id, from] of [["A", x.id], ["B", x.id], ["C", w.id]] as const) {
    await db.sourceRecord.create({ data: { schemeId: s.id, sourceId: id, data: {}, payloadHash: "h", status: "pending", lastRunId: retry.id, retryPrior: prior(from) } });
  }
  // A record a finished retry took and wrote: its prior run is not needed any more.
  await db.sourceRecord.create({ data: { schemeId: s.id, sourceId: "D", data: {}, payloadHash: "h", status: "written", lastRunId: retry.id, retryPrior: prior(gone.id) } });

  await pruneRuns(db, 30);
  expect(await db.run.count({ where: { id: { in: [x.id, w.id] } } })).toBe(2);
  expect(await db.run.count({ where: { id: gone.id } })).toBe(0);
  expect((await db.run.findUniqueOrThrow({ where: { id: retry.id } })).retryOfId).toBe(x.id);

  // Finished, the retry holds nothing back.
  await db.run.update({ where: { id: retry.id }, data: { status: "cancelled", phase: "done", finishedAt: new Date() } });
  await pruneRuns(db, 30);
  expect(await db.run.count({ where: { id: { in: [x.id, w.id] } } })).toBe(0);
});

it("keeps the run of a record whose outcome is not settled yet (its lookup records the verdict there), until it is", async () => {
  const s = await db.scheme.create({ data: { name: "结果未知", definition: {} } });
  const sent = await finished(s.id, 40, "schedule", "partial", { unknown: 1 });
  const other = await finished(s.id, 40, "schedule", "partial", { unknown: 1 });
  await finished(s.id, 1, "schedule");
  // Unknown since the old run sent it; a later run restaged it (its last run is another one).
  const r = await db.sourceRecord.create({
    data: { schemeId: s.id, sourceId: "U", data: {}, payloadHash: "h", status: "unknown", lastRunId: other.id, sendingRunId: sent.id },
  });

  await pruneRuns(db, 30);
  expect(await db.run.count({ where: { id: sent.id } })).toBe(1);
  expect(await db.run.count({ where: { id: other.id } })).toBe(0);

  // The lookup found it written: its sending run goes at the next pruning.
  await db.sourceRecord.update({ where: { id: r.id }, data: { status: "written", sendingRunId: null } });
  await pruneRuns(db, 30);
  expect(await db.run.count({ where: { id: sent.id } })).toBe(0);
});

it("deletes a run without reading every run for its retries (the retry_of_id foreign key has an index)", async () => {
  // What ON DELETE SET NULL runs for each run deleted: usable through runs_retry_of_id_idx, not by a
  // pass over every run (which made retention slow down with the square of the history).
  const plan = await db.$transaction(async (tx) => {
    await tx.$executeRaw`SET LOCAL enable_seqscan = off`;
    return tx.$queryRaw<{ "QUERY PLAN": string }[]>`EXPLAIN UPDATE ONLY runs SET retry_of_id = NULL WHERE retry_of_id = gen_random_uuid()`;
  });
  expect(plan.map((r) => r["QUERY PLAN"]).join("\n")).toContain("runs_retry_of_id_idx");
});

// Session 19: what months of unattended running keep.

it("keeps the scheme's latest non-test run (the overview's 最近运行) when a test run came after it", async () => {
  const s = await db.scheme.create({ data: { name: "停用后测试", definition: {} } });
  await finished(s.id, 60, "schedule", "succeeded", { written: 10 });
  // The schedule was paused; the last real run, started by hand, failed as a whole (金蝶 refused the login).
  const lastReal = await finished(s.id, 40, "manual", "failed");
  // Weeks later someone tries the mapping with 测试运行.
  await finished(s.id, 2, "test");

  const before = (await readOverview(db)).schemes.find((x) => x.id === s.id)!;
  expect(before.lastRun).toMatchObject({ id: lastReal.id, status: "failed" });

  await pruneRuns(db, 30, 7);

  // The overview and the schemes list must still say the last run failed (pruning made them show
  // the success from 60 days ago instead).
  const after = (await readOverview(db)).schemes.find((x) => x.id === s.id)!;
  expect(after.lastRun).toMatchObject({ id: lastReal.id, status: "failed" });
});

let chains = 0;
/**
 * A (master data, its schedule paused 41 days ago after a last success) and B, which runs after it
 * (no schedule of its own, saved 50 days ago), with the chain run A's success started 41 days ago.
 */
async function chainRunAfterOldSuccess(chain: { status: RunStatus; written?: number; failed?: number }) {
  // Scheme names are unique: each call's pair has its own.
  const tag = ++chains;
  const a = await db.scheme.create({ data: { name: `客户 (前置) ${tag}`, definition: {}, enabled: false, cron: "0 2 * * *" } });
  const aRun = await createRun(db, { schemeId: a.id, schemeVersion: 1, trigger: "schedule" });
  await db.run.update({ where: { id: aRun.id }, data: { status: "succeeded", phase: "done", createdAt: days(41.01), finishedAt: days(41.005), written: 5 } });
  const b = await db.scheme.create({ data: { name: `出库单 (运行顺序) ${tag}`, definition: { runAfter: [a.id] }, enabled: false, cron: null, createdAt: days(50) } });
  await db.schemeVersion.create({ data: { schemeId: b.id, version: 1, definition: { runAfter: [a.id] }, createdAt: days(50) } });
  const run = await createRun(db, { schemeId: b.id, schemeVersion: 1, trigger: "chain", triggeredById: aRun.id });
  await db.run.update({ where: { id: run.id }, data: { phase: "done", createdAt: days(41), finishedAt: days(41), ...chain } });
  return { b, chainRun: run };
}

it("does not make a run-after scheme due again for a predecessor success it already ran after, once its chain run is pruned", async () => {
  // B's chain run failed (金蝶 refused the login); a person tried the mapping with 测试运行 two days ago.
  const { b } = await chainRunAfterOldSuccess({ status: "failed" });
  await finished(b.id, 2, "test");

  expect((await runAfterDue(db)).filter((d) => d.schemeId === b.id)).toEqual([]);
  await pruneRuns(db, 30, 7);
  // Nothing succeeded upstream since B's last chain run: B must not be started again.
  expect((await runAfterDue(db)).filter((d) => d.schemeId === b.id)).toEqual([]);
});

it("does not make a run-after scheme due again when its chain run is pruned because a retry of it came after (session 25's audit)", async () => {
  // B's chain run failed a record; the automatic retry an hour later wrote it. Nothing has succeeded
  // upstream since.
  const { b, chainRun } = await chainRunAfterOldSuccess({ status: "partial", written: 9, failed: 1 });
  const retry = await createRun(db, { schemeId: b.id, schemeVersion: 1, trigger: "retry", retryOfId: chainRun.id });
  await db.run.update({ where: { id: retry.id }, data: { status: "succeeded", phase: "done", createdAt: days(40.9), finishedAt: days(40.9), written: 1 } });

  expect((await runAfterDue(db)).filter((d) => d.schemeId === b.id)).toEqual([]);
  await pruneRuns(db, 30, 7);
  // A has not succeeded since B's chain run: B must not be started again for A's old success
  // (runAfterDue counts from B's latest manual/schedule/chain run; pruning kept only the retry).
  expect((await runAfterDue(db)).filter((d) => d.schemeId === b.id)).toEqual([]);
});

it("keeps the scheme's latest schedule run (a tick Redis lost is given back only when none ran since) when a manual run came after it", async () => {
  // A monthly schedule: its tick's run was quiet, and a person ran the scheme by hand since.
  const s = await db.scheme.create({ data: { name: "每月一次", definition: {}, cron: "0 2 1 * *" } });
  await finished(s.id, 40, "schedule");
  const tick = await finished(s.id, 10, "schedule");
  const byHand = await finished(s.id, 9, "manual", "succeeded", { written: 1 });

  await pruneRuns(db, 30, 7);
  // giveBackOwedTick (@qiao/jobs) counts from the latest schedule run: without it, the tick 10 days
  // ago would look owed after a Redis restart, and run again.
  expect(await left(s.id)).toEqual([tick.id, byHand.id].sort());
});

it("keeps the run of a saved bill (已保存未审核) that the failed records' list still shows, like a failed record's", async () => {
  const s = await db.scheme.create({ data: { name: "出库单 saved", definition: {} } });
  // 40 days ago a run saved the bill but its audit failed on 负库存: the record is `saved`, listed
  // with the failed records, its RunRecord holding the field and the payload that was saved.
  const savedIn = await finished(s.id, 40, "schedule", "partial", { saved: 1 });
  const rec = await db.sourceRecord.create({
    data: {
      schemeId: s.id,
      sourceId: "D001",
      data: {},
      payloadHash: "h",
      status: "saved",
      lastRunId: savedIn.id,
      lastError: "审核失败：负库存",
      targetId: "100001",
      targetNumber: "XSCKD001",
      sendingPayload: { FBillNo: "XSCKD001" },
    },
  });
  await db.runRecord.create({
    data: { runId: savedIn.id, sourceRecordId: rec.id, sourceId: "D001", status: "saved", error: "审核失败：负库存", errorField: "FEntity[1].FRealQty", payload: { FBillNo: "XSCKD001" } },
  });
  // A failed record of the same age, for comparison: its run is kept.
  const failedIn = await finished(s.id, 40, "schedule", "partial", { failed: 1 });
  await db.sourceRecord.create({
    data: { schemeId: s.id, sourceId: "D002", data: {}, payloadHash: "h", status: "failed", lastRunId: failedIn.id, lastError: "失败" },
  });
  await finished(s.id, 1, "schedule");

  const before = await listFailedRecords(db, { schemeId: s.id, afterId: 0n, limit: 10 });
  expect(before.find((r) => r.sourceId === "D001")).toMatchObject({ status: "saved", errorField: "FEntity[1].FRealQty", run: { id: savedIn.id } });

  await pruneRuns(db, 30, 7);

  expect(await db.run.count({ where: { id: failedIn.id } })).toBe(1);
  // The saved bill is still unresolved and listed: its run and RunRecord (the row's field, the
  // payload that was saved, the run page the list links to) are still there.
  const after = await listFailedRecords(db, { schemeId: s.id, afterId: 0n, limit: 10 });
  expect(after.find((r) => r.sourceId === "D001")).toMatchObject({ status: "saved", errorField: "FEntity[1].FRealQty", run: { id: savedIn.id } });
});

it("a reconciliation whose resync run was pruned still answers 补同步 with its run, not an internal error", async () => {
  const s = await db.scheme.create({ data: { name: "对账 resync", definition: {} } });
  // The resync ran 40 days ago and wrote what it took; the report (kept: reports are never pruned)
  // still names it.
  const resync = await finished(s.id, 40, "retry", "succeeded", { written: 3 });
  const report = await db.reconciliation.create({
    data: { schemeId: s.id, trigger: "manual", keyLimit: 1000, status: "succeeded", finishedAt: days(40), resyncRunId: resync.id, resyncCount: 3 },
  });
  await finished(s.id, 1, "schedule");

  await pruneRuns(db, 30, 7);

  // Someone opens the old report and presses 补同步 again (or retries the request): the report
  // resyncs once, so the answer is its run.
  let thrown: unknown;
  try {
    await claimResync(db, { reconciliationId: report.id, schemeVersion: 1 });
  } catch (error) {
    thrown = error;
  }
  expect(thrown === undefined || thrown instanceof ResyncError, `claimResync threw ${String(thrown)}`).toBe(true);
  // And the report's link to its resync run leads somewhere.
  expect(await db.run.count({ where: { id: resync.id } })).toBe(1);
  expect(await claimResync(db, { reconciliationId: report.id, schemeVersion: 1 })).toMatchObject({ run: { id: resync.id }, created: false, count: 3 });
});

it("a report whose resync run is gone anyway (pruned before session 19) answers 补同步 with a conflict, not an internal error", async () => {
  const s = await db.scheme.create({ data: { name: "对账 resync gone", definition: {} } });
  const resync = await finished(s.id, 40, "retry", "succeeded", { written: 2 });
  const report = await db.reconciliation.create({
    data: { schemeId: s.id, trigger: "manual", keyLimit: 1000, status: "succeeded", finishedAt: days(40), resyncRunId: resync.id, resyncCount: 2 },
  });
  await db.run.delete({ where: { id: resync.id } });

  const error = await claimResync(db, { reconciliationId: report.id, schemeVersion: 1 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ResyncError);
  // The API answers 409 with the text: it resynced once, reconcile again for what is still missing.
  expect(error).toMatchObject({ code: "conflict", text: { code: "reconcile.resyncRunGone", params: { runId: resync.id, count: 2 } } });
  // Nothing else happened: no run created, the report unchanged.
  expect(await db.run.count({ where: { schemeId: s.id } })).toBe(0);
  expect(await db.reconciliation.findUniqueOrThrow({ where: { id: report.id } })).toMatchObject({ resyncRunId: resync.id, resyncCount: 2 });
});
