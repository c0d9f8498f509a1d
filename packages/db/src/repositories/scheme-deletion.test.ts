// deleteSchemeWhenFree decides in the delete's own transaction (session 31): a run created while the
// delete runs (a schedule tick's) is not deleted with the scheme by cascade, and the refusals the API
// answers with a 409 change nothing.
import { seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createConnectionRows, createTestDatabase, type TestDatabase } from "../testing";
import { deleteSchemeWhenFree, SchemeDeleteRefused } from "./scheme-deletion";
import { insertScheme } from "./schemes";

let tdb: TestDatabase;
let db: Db;
let userId: string;
const ids = { sourceConnectionId: "00000000-0000-4000-8000-0000000000b1", targetConnectionId: "00000000-0000-4000-8000-0000000000b2" };

beforeAll(async () => {
  tdb = await createTestDatabase("schemedelete");
  db = createPrisma(tdb.url, 4);
  userId = (await db.user.create({ data: { id: "u-delete", email: "delete@example.com", name: "编辑", role: "editor" } })).id;
  // A scheme save refuses connections that do not exist (lockSchemeConnections, session 31).
  await createConnectionRows(db, ids);
}, 120_000);
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});
beforeEach(async () => {
  await db.scheme.deleteMany();
});

const scheme = (name: string, definition: SchemeDefinition = seedSchemeDefinition(ids)) => insertScheme(db, { name, description: "", definition }, userId);

it("deletes a scheme nothing needs, and answers false for one that is gone", async () => {
  const s = await scheme("单独的方案");
  expect(await deleteSchemeWhenFree(db, s.id)).toBe(true);
  expect(await db.scheme.count({ where: { id: s.id } })).toBe(0);
  expect(await deleteSchemeWhenFree(db, s.id)).toBe(false);
});

it("refuses, changing nothing, while a run is active or other schemes run after it or look it up", async () => {
  const s = await scheme("被依赖的方案");
  const run = await db.run.create({ data: { schemeId: s.id, schemeVersion: 1, trigger: "manual" } });
  await expect(deleteSchemeWhenFree(db, s.id)).rejects.toEqual(new SchemeDeleteRefused("running"));
  await db.run.update({ where: { id: run.id }, data: { status: "succeeded", phase: "done", finishedAt: new Date() } });

  const follower = await scheme("之后运行", { ...seedSchemeDefinition(ids), runAfter: [s.id] });
  await expect(deleteSchemeWhenFree(db, s.id)).rejects.toEqual(new SchemeDeleteRefused("followed", ["之后运行"]));
  await db.scheme.delete({ where: { id: follower.id } });

  const seed = seedSchemeDefinition(ids);
  const reader: SchemeDefinition = {
    ...seed,
    nodes: seed.nodes.map((n) => (n.type === "target" ? { ...n, config: { ...n.config, mapping: { ...n.config.mapping, FDescription: "{{id | lookup('被依赖的方案')}}" } } } : n)),
  };
  await scheme("查找它", reader);
  await expect(deleteSchemeWhenFree(db, s.id)).rejects.toEqual(new SchemeDeleteRefused("lookedUp", ["查找它"]));
  expect(await db.run.count({ where: { schemeId: s.id } })).toBe(1);
});

it("a run inserted while the delete begins is waited for and refuses the delete, rather than going with the scheme", async () => {
  const s = await scheme("定时方案");
  let release!: () => void;
  let inserted!: () => void;
  const didInsert = new Promise<void>((r) => (inserted = r));
  // A schedule tick's run, inserted and not committed yet when the delete starts.
  const tick = db.$transaction(async (tx) => {
    await tx.run.create({ data: { schemeId: s.id, schemeVersion: 1, trigger: "schedule" } });
    inserted();
    await new Promise<void>((r) => (release = r));
  });
  await didInsert;
  // Its refusal is taken as it comes (it may come before `tick` is awaited: an unhandled rejection).
  const deleting = deleteSchemeWhenFree(db, s.id).then(
    () => "deleted",
    (error: unknown) => error,
  );
  await new Promise((r) => setTimeout(r, 300));
  release();
  await tick;
  expect(await deleting).toEqual(new SchemeDeleteRefused("running"));
  expect(await db.run.count({ where: { schemeId: s.id, trigger: "schedule" } })).toBe(1);
});
