// Cancelling a run against what a worker does to it at the same moment (session 18). Real
// Postgres, a database of its own; the worker's statement is held open on a connection of its own.
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { cancelRun, claimRun, createRun, requeueRun } from "./runs";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("runs");
  db = createPrisma(tdb.url, 4);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

test("a cancel that comes as a stopping worker hands the run back is not lost", async () => {
  const scheme = await db.scheme.create({ data: { name: "店铺 → 客户", definition: {} } });
  const run = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
  const claim = await claimRun(db, run.id, new Date());
  if (!claim.claimed) throw new Error("not claimed");

  // The worker hands the run back (requeueRun's statement), its transaction not yet committed …
  const worker = new pg.Client({ connectionString: tdb.url });
  await worker.connect();
  try {
    await worker.query("BEGIN");
    await worker.query(`UPDATE runs SET status = 'queued', lease_until = NULL WHERE id = $1 AND status = 'running' AND attempt = $2`, [run.id, claim.run.attempt]);
    // … while someone presses 取消. It waits for the hand-back rather than miss the run between
    // `queued` and `running`: as two bare statements, "cancel if queued" saw it still running and
    // "flag if running" then found it queued; the run went on, its cancel lost.
    const cancelling = cancelRun(db, run.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await worker.query("COMMIT");
    expect(await cancelling).toMatchObject({ status: "cancelled", cancelRequested: true });
  } finally {
    await worker.end();
  }
  // The next worker finds nothing to run.
  expect(await claimRun(db, run.id, new Date())).toMatchObject({ claimed: false, run: { status: "cancelled" } });
});

test("a cancel of a running run stays asked for when the worker hands the run back right after it", async () => {
  const scheme = await db.scheme.create({ data: { name: "订单 → 销售出库单", definition: {} } });
  const run = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
  const claim = await claimRun(db, run.id, new Date());
  if (!claim.claimed) throw new Error("not claimed");
  expect(await cancelRun(db, run.id)).toMatchObject({ status: "running", cancelRequested: true });
  await requeueRun(db, run.id, claim.run.attempt);
  // The next worker's claim finishes it cancelled.
  expect(await claimRun(db, run.id, new Date())).toMatchObject({ claimed: false, run: { status: "cancelled" } });
});
