// Session 31's audit of the session's changes (failing before): deleteUnusedValueMap refused a map
// the schemes' current definitions name, but not one a queued or running run's version named. A run executes the version it was
// created with (a save that stops using the map while the run is queued, as for connections:
// activeRunsUsingConnection); deleted, the map is missing when that run is loaded, and the run fails
// at its start (engine load-run.ts: run.schemeInvalid, "值映射 … 不存在"). Now both are
// checked (schemesWithActiveRunsNaming), as connections are.
import { seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createConnectionRows, createTestDatabase, type TestDatabase } from "../testing";
import { insertScheme, insertSchemeVersion } from "./schemes";
import { createValueMap, deleteUnusedValueMap, ValueMapInUse } from "./value-maps";

let tdb: TestDatabase;
let db: Db;
let userId: string;
const ids = { sourceConnectionId: "00000000-0000-4000-8000-0000000000d1", targetConnectionId: "00000000-0000-4000-8000-0000000000d2" };

beforeAll(async () => {
  tdb = await createTestDatabase("auditvmdelete");
  db = createPrisma(tdb.url, 4);
  userId = (await db.user.create({ data: { id: "u-audit-vm", email: "audit-vm@example.com", name: "编辑", role: "editor" } })).id;
  await createConnectionRows(db, ids);
}, 120_000);
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

function withDescription(template: string): SchemeDefinition {
  const d = structuredClone(seedSchemeDefinition(ids));
  const target = d.nodes.find((n) => n.type === "target")!;
  if (target.type === "target") target.config.mapping.FDescription = template;
  return d;
}

it("refuses to delete a value map a queued run's version maps with", async () => {
  const map = await createValueMap(db, { name: "客户分组对照", entries: [{ source: "A", target: "VIP" }] });
  const scheme = await insertScheme(db, { name: "店铺→客户（分组）", description: "", definition: withDescription("{{note | map('客户分组对照')}}") }, userId);
  // A run of version 1 is queued (a schedule tick)…
  const run = await db.run.create({ data: { schemeId: scheme.id, schemeVersion: 1, trigger: "schedule" } });
  // …and version 2, saved while it waits, no longer uses the map.
  await insertSchemeVersion(db, scheme.id, { definition: withDescription("{{note}}") }, userId);

  const outcome = await deleteUnusedValueMap(db, map.id).catch((error: unknown) => error);
  expect(await db.run.findUniqueOrThrow({ where: { id: run.id }, select: { status: true } })).toEqual({ status: "queued" });
  // Deleted, the queued run fails when it starts: its version names a map that does not exist.
  expect(outcome).toBeInstanceOf(ValueMapInUse);
  expect(await db.valueMap.count({ where: { id: map.id } })).toBe(1);
});
