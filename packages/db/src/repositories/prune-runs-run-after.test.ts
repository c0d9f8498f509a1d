// Run retention keeps what run-after counts from (docs/scale.md "Run history"): a scheme's latest run
// that read its source. Before session 25 (its audit) a retry after the chain run let it be pruned.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { pruneRuns } from "./prune-runs";
import { runAfterDue } from "./run-after";
import { createRun } from "./runs";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("prune_runafter");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

const days = (n: number) => new Date(Date.now() - n * 86_400_000);

it("does not make a run-after scheme due again when its chain run is pruned because a retry of it came after", async () => {
  // A: its schedule paused 41 days ago, after a last success (kept however old: its latest success).
  const a = await db.scheme.create({ data: { name: "客户 (前置)", definition: {}, enabled: false, cron: "0 2 * * *" } });
  const aRun = await createRun(db, { schemeId: a.id, schemeVersion: 1, trigger: "schedule" });
  await db.run.update({ where: { id: aRun.id }, data: { status: "succeeded", phase: "done", createdAt: days(41.01), finishedAt: days(41.005), written: 5 } });
  // B runs after A, saved 50 days ago. A's success started B's chain run, which failed a record;
  // the automatic retry an hour later wrote it. Nothing has succeeded upstream since.
  const b = await db.scheme.create({ data: { name: "出库单 (运行顺序)", definition: { runAfter: [a.id] }, enabled: false, cron: null, createdAt: days(50) } });
  await db.schemeVersion.create({ data: { schemeId: b.id, version: 1, definition: { runAfter: [a.id] }, createdAt: days(50) } });
  const chain = await createRun(db, { schemeId: b.id, schemeVersion: 1, trigger: "chain", triggeredById: aRun.id });
  await db.run.update({ where: { id: chain.id }, data: { status: "partial", phase: "done", createdAt: days(41), finishedAt: days(41), written: 9, failed: 1 } });
  const retry = await createRun(db, { schemeId: b.id, schemeVersion: 1, trigger: "retry", retryOfId: chain.id });
  await db.run.update({ where: { id: retry.id }, data: { status: "succeeded", phase: "done", createdAt: days(40.9), finishedAt: days(40.9), written: 1 } });

  expect((await runAfterDue(db)).filter((d) => d.schemeId === b.id)).toEqual([]);
  await pruneRuns(db, 30, 7);
  // A has not succeeded since B's chain run: B must not be started again for A's old success
  // (runAfterDue counts from B's latest manual/schedule/chain run; pruning kept only the retry).
  expect((await runAfterDue(db)).filter((d) => d.schemeId === b.id)).toEqual([]);
});
