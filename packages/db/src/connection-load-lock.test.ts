// A run loads its connections after any edit in flight has committed (session 31 left this open).
// A connection edit checks, under the connection's row lock, that no queued or running run uses it
// before pointing it elsewhere. A run created after that check and claimed before the edit commits
// used to load the old address (the edit not yet visible), write there, and have a later attempt
// look its unknown outcomes up at the new one. The load now takes the rows FOR SHARE first: it waits
// for the edit, and reads what it committed; an edit that starts after the load sees the run.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPrisma, type Db } from "./client";
import { findConnectionsById } from "./connections";
import { createConnectionRows, createTestDatabase, type TestDatabase } from "./testing";

let tdb: TestDatabase;
let db: Db;
const id = "00000000-0000-4000-8000-0000000000c1";
beforeAll(async () => {
  tdb = await createTestDatabase("connload");
  db = createPrisma(tdb.url, 4);
  await createConnectionRows(db, [id]);
}, 120_000);
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

it("waits for an edit holding the connection's row lock, then reads the address it committed", async () => {
  let commit!: () => void;
  const committing = new Promise<void>((resolve) => (commit = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  // What updateConnection does: the row FOR UPDATE, its check, the new address; then it commits.
  const edit = db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM connections WHERE id = ${id}::uuid FOR UPDATE`;
    await tx.$executeRaw`UPDATE connections SET base_url = 'http://127.0.0.1:10/k3cloud/' WHERE id = ${id}::uuid`;
    locked();
    await committing;
  });
  await isLocked;
  let loadedAt = 0;
  const load = findConnectionsById(db, [id]).then((rows) => ((loadedAt = Date.now()), rows));
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(loadedAt).toBe(0);
  const committedAt = Date.now();
  commit();
  await edit;
  const rows = await load;
  expect(loadedAt).toBeGreaterThanOrEqual(committedAt);
  expect(rows.map((r) => r.baseUrl)).toEqual(["http://127.0.0.1:10/k3cloud/"]);
});
