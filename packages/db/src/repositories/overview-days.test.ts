// The overview's 每日写入记录 chart has the last 14 days in Asia/Shanghai, while each scheme's daily
// rows are days in the scheme's own timezone (session 27's audit; now a scheme's day after the
// chart's today counts on the chart's last bar). For a scheme in a timezone ahead of Shanghai
// (Asia/Tokyo, Australia/Sydney, Pacific/Auckland …), a run that ends after the scheme's midnight but
// before Shanghai's lands on a day the chart does not have yet: its records appear nowhere on the
// chart while 写入 24 小时 on the same page counted them (an hour a day for Tokyo, up to five for
// Auckland): readOverview dropped the row silently.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { readOverview } from "./overview";
import { claimRun, createRun, finishRun } from "./runs";
import { reportProgress } from "./run-progress";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("overviewdays");
  db = createPrisma(tdb.url, 4);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

it("shows the records of a run that ended a few minutes ago on the chart, whatever the scheme's timezone", { timeout: 30_000 }, async () => {
  const s = await db.scheme.create({ data: { name: "东京仓", definition: {}, timezone: "Asia/Tokyo" } });
  const run = await createRun(db, { schemeId: s.id, schemeVersion: 1, trigger: "manual" });
  const claim = await claimRun(db, run.id, new Date());
  if (!claim.claimed) throw new Error("not claimed");
  await reportProgress(db, run.id, { written: 5, failed: 1 }, claim.run.attempt);
  await finishRun(db, run.id, claim.run.attempt, { status: "succeeded" });
  // The run ended at 15:30 UTC on the day before yesterday: 00:30 in Tokyo (the next day), 23:30 in
  // Shanghai. (Moving a finished run's end moves it between buckets: runs_finished_stats_change.)
  const ended = new Date(Date.now() - 2 * 86_400_000);
  ended.setUTCHours(15, 30, 0, 0);
  await db.run.update({ where: { id: run.id }, data: { finishedAt: ended } });

  // The overview five minutes later (23:35 in Shanghai).
  const overview = await readOverview(db, { now: new Date(ended.getTime() + 5 * 60_000) });
  const row = overview.schemes.find((x) => x.id === s.id)!;
  expect(row.last24h).toMatchObject({ written: 5, failed: 1 });
  // Before: 0 and 0 — the Tokyo day (tomorrow in Shanghai) was not among the chart's days. Now on
  // the last bar, Shanghai's today.
  expect(row.written.at(-1)).toBe(5);
  expect(row.failed.at(-1)).toBe(1);
  expect(row.written.reduce((a, b) => a + b, 0)).toBe(5);
});

it("places a scheme behind the chart's timezone by date: its yesterday-in-Shanghai records on that day's bar", { timeout: 30_000 }, async () => {
  const s = await db.scheme.create({ data: { name: "洛杉矶仓", definition: {}, timezone: "America/Los_Angeles" } });
  const run = await createRun(db, { schemeId: s.id, schemeVersion: 1, trigger: "manual" });
  const claim = await claimRun(db, run.id, new Date());
  if (!claim.claimed) throw new Error("not claimed");
  await reportProgress(db, run.id, { written: 7, failed: 0 }, claim.run.attempt);
  await finishRun(db, run.id, claim.run.attempt, { status: "succeeded" });
  // 02:00 UTC: 10:00 in Shanghai, 18:00 (or 19:00) the day before in Los Angeles.
  const ended = new Date(Date.now() - 3 * 86_400_000);
  ended.setUTCHours(2, 0, 0, 0);
  await db.run.update({ where: { id: run.id }, data: { finishedAt: ended } });
  const overview = await readOverview(db, { now: new Date(ended.getTime() + 60_000) });
  const row = overview.schemes.find((x) => x.id === s.id)!;
  expect(row.written.at(-2)).toBe(7);
  expect(row.written.reduce((a, b) => a + b, 0)).toBe(7);
});
