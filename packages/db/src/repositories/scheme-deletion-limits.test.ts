// deleteSchemeWhenFree's transaction (session 31's audit of the session's changes, failing before):
// it runs the scheme's whole cascade (staging rows by trigger, runs, their logs and records) and may
// wait for NAMES_LOCK, so it gets LONG_TRANSACTION, not Prisma's 5 s (a scheme with a million staged
// records took 5.08 s to delete and could not be deleted at all; the lock wait below shows the same
// bound without the minute of setup). And a scheme that a queued run of a reader's older version looks
// up is not deleted: that run would fail.
import { seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createConnectionRows, createTestDatabase, type TestDatabase } from "../testing";
import { deleteSchemeWhenFree, SchemeDeleteRefused } from "./scheme-deletion";
import { insertScheme, insertSchemeVersion } from "./schemes";

let tdb: TestDatabase;
let db: Db;
let userId: string;
const ids = { sourceConnectionId: "00000000-0000-4000-8000-0000000000c1", targetConnectionId: "00000000-0000-4000-8000-0000000000c2" };

beforeAll(async () => {
  tdb = await createTestDatabase("auditdelete");
  db = createPrisma(tdb.url, 4);
  userId = (await db.user.create({ data: { id: "u-audit-delete", email: "audit-delete@example.com", name: "编辑", role: "editor" } })).id;
  await createConnectionRows(db, ids);
}, 120_000);
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

it("deletes a scheme while a value map's save holds NAMES_LOCK for a few seconds", { timeout: 60_000 }, async () => {
  const s = await insertScheme(db, { name: "小方案", description: "", definition: seedSchemeDefinition(ids) }, userId);
  // A value map's page save (writeValueMapLocked: NAMES_LOCK, timeout 60 s for a 16 MB table) in progress.
  const holder = new pg.Client({ connectionString: tdb.url });
  await holder.connect();
  try {
    await holder.query("BEGIN");
    await holder.query(`SELECT pg_advisory_xact_lock(${0x6e616d65}::bigint)`);
    const release = setTimeout(() => void holder.query("COMMIT"), 6_000);
    const outcome = await deleteSchemeWhenFree(db, s.id).catch((error: unknown) => error);
    clearTimeout(release);
    expect(outcome).toBe(true);
  } finally {
    await holder.query("ROLLBACK").catch(() => undefined);
    await holder.end();
  }
});

function withDescription(template: string): SchemeDefinition {
  const d = structuredClone(seedSchemeDefinition(ids));
  const target = d.nodes.find((n) => n.type === "target")!;
  if (target.type === "target") target.config.mapping.FDescription = template;
  return d;
}

// The "lookedUp" check reads the readers' current definitions only; a queued run executes the version
// it was created with. Deleted, the looked-up scheme is missing when that run is loaded (its lookup
// names a scheme that does not exist: run.schemeInvalid), and its staging rows, which the lookup
// answers from, are gone. Connections got the active-run check today; a looked-up scheme did not.
it("refuses to delete a scheme a queued run of a reader's older version looks up", { timeout: 60_000 }, async () => {
  const looked = await insertScheme(db, { name: "被查找（审计）", description: "", definition: seedSchemeDefinition(ids) }, userId);
  const reader = await insertScheme(db, { name: "查找者（审计）", description: "", definition: withDescription("{{id | lookup('被查找（审计）')}}") }, userId);
  const run = await db.run.create({ data: { schemeId: reader.id, schemeVersion: 1, trigger: "schedule" } });
  // Version 2, saved while the run of version 1 is queued, no longer looks it up.
  await insertSchemeVersion(db, reader.id, { definition: withDescription("{{note}}") }, userId);

  const outcome = await deleteSchemeWhenFree(db, looked.id).catch((error: unknown) => error);
  expect(await db.run.findUniqueOrThrow({ where: { id: run.id }, select: { status: true } })).toEqual({ status: "queued" });
  expect(outcome).toBeInstanceOf(SchemeDeleteRefused);
  expect(await db.scheme.count({ where: { id: looked.id } })).toBe(1);
});
