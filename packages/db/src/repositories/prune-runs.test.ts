// Run retention: runs past RUN_RETENTION_DAYS, and quiet runs (no person started them, they
// succeeded and changed nothing) past RUN_RETENTION_QUIET_DAYS; a scheme's latest run stays.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunStatus, RunTrigger } from "../../generated/prisma/enums";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { pruneRuns } from "./prune-runs";
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

it("deletes a run without reading every run for its retries (the retry_of_id foreign key has an index)", async () => {
  // What ON DELETE SET NULL runs for each run deleted: usable through runs_retry_of_id_idx, not by a
  // pass over every run (which made retention slow down with the square of the history).
  const plan = await db.$transaction(async (tx) => {
    await tx.$executeRaw`SET LOCAL enable_seqscan = off`;
    return tx.$queryRaw<{ "QUERY PLAN": string }[]>`EXPLAIN UPDATE ONLY runs SET retry_of_id = NULL WHERE retry_of_id = gen_random_uuid()`;
  });
  expect(plan.map((r) => r["QUERY PLAN"]).join("\n")).toContain("runs_retry_of_id_idx");
});
