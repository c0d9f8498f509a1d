// Times read by raw SQL when the process runs in the users' time zone (a server or a laptop set to
// Asia/Shanghai, as Chinese cloud images are by default). runs.created_at and runs.finished_at are
// `timestamp without time zone` holding UTC (Prisma's DateTime); readOverview reads them with a raw
// pg query, whose default parser took such a value as LOCAL time: 8 hours early (session 27's audit;
// fixed by the pools' UTC_TIMESTAMP_TYPES, src/pg-types.ts).
process.env.TZ = "Asia/Shanghai";

import { afterAll, beforeAll, expect, it } from "vitest";
import { createPrisma, poolOf, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { readOverview } from "./overview";
import { claimRun, createRun, finishRun } from "./runs";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("overviewtz");
  db = createPrisma(tdb.url, 4);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

it("reports the last run's creation and end at the instants they happened, whatever the process's time zone", { timeout: 30_000 }, async () => {
  // The process really is in Shanghai (UTC+8) for this test.
  expect(new Date("2026-01-01T00:00:00Z").getTimezoneOffset()).toBe(-480);
  const s = await db.scheme.create({ data: { name: "tz", definition: {}, timezone: "Asia/Shanghai" } });
  const run = await createRun(db, { schemeId: s.id, schemeVersion: 1, trigger: "manual" });
  const claim = await claimRun(db, run.id, new Date());
  if (!claim.claimed) throw new Error("not claimed");
  const finished = (await finishRun(db, run.id, claim.run.attempt, { status: "succeeded" }))!;
  expect(finished.finishedAt).not.toBeNull();
  // Prisma reads the same row correctly (its adapter parses the column as UTC).
  const truth = await db.run.findUniqueOrThrow({ where: { id: run.id } });
  expect(Math.abs(truth.finishedAt!.getTime() - Date.now())).toBeLessThan(60_000);

  const overview = await readOverview(db);
  const row = overview.schemes.find((x) => x.id === s.id)!;
  // Observed: both are 8 hours early (the UTC wall-clock read as Shanghai time).
  expect(row.lastRun?.finishedAt?.toISOString()).toBe(truth.finishedAt!.toISOString());
  expect(row.lastRun?.createdAt.toISOString()).toBe(truth.createdAt.toISOString());
});

it("reads timestamps, their arrays and infinity through the raw pools as pg would, but as UTC", async () => {
  const { rows } = await poolOf(db).query<{ t: Date; a: Date[]; i: unknown; z: Date }>(
    "SELECT '2026-01-01 00:00:00.123456'::timestamp AS t, ARRAY['2026-01-02 03:04:05'::timestamp, NULL] AS a, 'infinity'::timestamp AS i, '2026-01-01 00:00:00+00'::timestamptz AS z",
  );
  expect(rows[0]!.t.toISOString()).toBe("2026-01-01T00:00:00.123Z");
  expect(rows[0]!.a.map((d) => d?.toISOString() ?? null)).toEqual(["2026-01-02T03:04:05.000Z", null]);
  expect(rows[0]!.i).toBe("infinity");
  // timestamptz carries its offset: pg's own parser, unchanged.
  expect(rows[0]!.z.toISOString()).toBe("2026-01-01T00:00:00.000Z");
});
