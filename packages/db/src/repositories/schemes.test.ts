import { seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../client";
import { openEditorDatabase, type EditorDatabase } from "../testing";
import { RunAfterLoopError } from "./run-after";
import { createRun } from "./runs";
import { deleteScheme } from "./scheme-deletion";
import {
  changeScheme,
  findSchemeDefinition,
  findSchemeWithLastRun,
  insertScheme,
  insertSchemeVersion,
  listSchemeDefinitions,
  listSchemesWithLastRun,
  SchemeHasNoScheduleError,
  SchemeVersionChangedError,
} from "./schemes";

let bed: EditorDatabase;
let db: Db;
let userId: string;
beforeAll(async () => {
  bed = await openEditorDatabase("schemes");
  ({ db, userId } = bed);
});
afterAll(() => bed?.close());

const ids = { sourceConnectionId: "00000000-0000-4000-8000-000000000001", targetConnectionId: "00000000-0000-4000-8000-000000000002" };
const definition = (schedule: SchemeDefinition["schedule"] = null): SchemeDefinition => ({ ...seedSchemeDefinition(ids), schedule });

/** A finished run of `trigger`, created `minutesAgo` ago. */
async function finishedRun(schemeId: string, trigger: "manual" | "test" | "schedule", minutesAgo: number) {
  const run = await createRun(db, { schemeId, schemeVersion: 1, trigger });
  return db.run.update({ where: { id: run.id }, data: { status: "succeeded", createdAt: new Date(Date.now() - minutesAgo * 60_000) } });
}

// The first statements on a fresh database (and a loaded 2-core machine) can take seconds.
const SLOW = { timeout: 30_000 };

describe("schemes", SLOW, () => {
  it("are created with their version 1 and the schedule columns of their definition", async () => {
    const row = await insertScheme(db, { name: "店铺→客户", description: "说明", definition: definition({ cron: "*/5 * * * *", enabled: true }) }, userId);
    expect(row).toMatchObject({ name: "店铺→客户", description: "说明", currentVersion: 1, cron: "*/5 * * * *", enabled: true, timezone: "Asia/Shanghai", createdById: userId, runs: [] });
    const versions = await db.schemeVersion.findMany({ where: { schemeId: row.id } });
    expect(versions).toEqual([expect.objectContaining({ version: 1, definition: row.definition, createdById: userId })]);
  });

  it("save each new definition as the next version, the schedule columns following it", async () => {
    const first = await insertScheme(db, { name: "v", description: "", definition: definition({ cron: "0 2 * * *", enabled: true }) }, userId);
    const second = await insertSchemeVersion(db, first.id, { name: "v2", definition: definition() }, userId);
    expect(second).toMatchObject({ name: "v2", description: "", currentVersion: 2, cron: null, enabled: false });
    const third = await insertSchemeVersion(db, first.id, { definition: definition({ cron: "0 3 * * *", enabled: false }) }, userId);
    expect(third).toMatchObject({ name: "v2", currentVersion: 3, cron: "0 3 * * *", enabled: false });
    const versions = await db.schemeVersion.findMany({ where: { schemeId: first.id }, orderBy: { version: "asc" } });
    expect(versions.map((v) => [v.version, (v.definition as SchemeDefinition).schedule])).toEqual([
      [1, { cron: "0 2 * * *", enabled: true }],
      [2, null],
      [3, { cron: "0 3 * * *", enabled: false }],
    ]);
  });

  it("refuse a save made on a version another save replaced since, and save nothing (session 31)", async () => {
    const first = await insertScheme(db, { name: "两人同时编辑", description: "", definition: definition() }, userId);
    // Two editors open version 1; one saves version 2.
    await insertSchemeVersion(db, first.id, { definition: definition({ cron: "0 2 * * *", enabled: true }), baseVersion: 1 }, userId);
    // The other's save, made on version 1, would replace it unseen.
    const stale = insertSchemeVersion(db, first.id, { definition: definition(), baseVersion: 1 }, userId);
    await expect(stale).rejects.toEqual(new SchemeVersionChangedError(first.id, 2, 1));
    const row = await db.scheme.findUniqueOrThrow({ where: { id: first.id } });
    expect(row).toMatchObject({ currentVersion: 2, cron: "0 2 * * *" });
    // Made knowingly on version 2, it goes through.
    expect((await insertSchemeVersion(db, first.id, { definition: definition(), baseVersion: 2 }, userId)).currentVersion).toBe(3);
  });

  it("show their latest run that was not a test, newest scheme first", async () => {
    const older = await insertScheme(db, { name: "older", description: "", definition: definition() }, userId);
    const newer = await insertScheme(db, { name: "newer", description: "", definition: definition() }, userId);
    await db.scheme.update({ where: { id: older.id }, data: { createdAt: new Date(Date.now() - 3_600_000) } });
    await finishedRun(newer.id, "manual", 30);
    const scheduled = await finishedRun(newer.id, "schedule", 20);
    await finishedRun(newer.id, "test", 10);

    const found = await findSchemeWithLastRun(db, newer.id);
    expect(found?.runs.map((r) => [r.id, r.scheme.name])).toEqual([[scheduled.id, "newer"]]);
    expect((await findSchemeWithLastRun(db, older.id))?.runs).toEqual([]);
    expect(await findSchemeWithLastRun(db, "00000000-0000-4000-8000-00000000dead")).toBeNull();
    const listed = (await listSchemesWithLastRun(db)).map((s) => s.id);
    expect(listed.indexOf(newer.id)).toBeLessThan(listed.indexOf(older.id));
  });

  it("switch their schedule and rename without a new version", async () => {
    const row = await insertScheme(db, { name: "s", description: "d", definition: definition({ cron: "0 2 * * *", enabled: true }) }, userId);
    const off = await changeScheme(db, row.id, { enabled: false });
    expect(off).toMatchObject({ enabled: false, cron: "0 2 * * *", currentVersion: 1 });
    expect((off.definition as SchemeDefinition).schedule).toEqual({ cron: "0 2 * * *", enabled: false });
    const unscheduled = await insertScheme(db, { name: "no schedule", description: "", definition: definition() }, userId);
    await expect(changeScheme(db, unscheduled.id, { enabled: true })).rejects.toThrow(SchemeHasNoScheduleError);

    const renamed = await changeScheme(db, row.id, { name: "新名字" });
    expect(renamed).toMatchObject({ name: "新名字", description: "d", currentVersion: 1, enabled: false });
    expect(await db.schemeVersion.count({ where: { schemeId: row.id } })).toBe(1);
  });

  it("rename and switch in one transaction: a switch refused leaves the name as it was (session 36)", async () => {
    const unscheduled = await insertScheme(db, { name: "all or nothing", description: "d", definition: definition() }, userId);
    await expect(changeScheme(db, unscheduled.id, { name: "renamed half", description: "changed", enabled: true })).rejects.toThrow(SchemeHasNoScheduleError);
    expect(await findSchemeWithLastRun(db, unscheduled.id)).toMatchObject({ name: "all or nothing", description: "d", enabled: false });
  });

  it("switch the schedule of the definition as it is now, not as the switch's caller read it (a save in between stays)", async () => {
    const row = await insertScheme(db, { name: "switch after save", description: "", definition: definition({ cron: "0 2 * * *", enabled: true }) }, userId);
    // The list read the scheme; a save commits before its switch does.
    const saved: SchemeDefinition = { ...definition({ cron: "0 3 * * *", enabled: true }), timezone: "UTC" };
    await insertSchemeVersion(db, row.id, { definition: saved }, userId);
    const off = await changeScheme(db, row.id, { enabled: false });
    expect(off).toMatchObject({ enabled: false, currentVersion: 2 });
    expect(off.definition).toEqual({ ...saved, schedule: { cron: "0 3 * * *", enabled: false } });
  });

  it("give a run the definition of its version, or the current one for a current version without a row", async () => {
    const row = await insertScheme(db, { name: "versions", description: "", definition: definition() }, userId);
    await insertSchemeVersion(db, row.id, { definition: definition({ cron: "0 4 * * *", enabled: false }) }, userId);
    expect(((await findSchemeDefinition(db, row.id, 1))?.definition as SchemeDefinition).schedule).toBeNull();
    expect(((await findSchemeDefinition(db, row.id, 2))?.definition as SchemeDefinition).schedule).toEqual({ cron: "0 4 * * *", enabled: false });

    // Schemes saved before versions were kept have no row for their current version.
    await db.schemeVersion.deleteMany({ where: { schemeId: row.id } });
    expect(((await findSchemeDefinition(db, row.id, 2))?.definition as SchemeDefinition).schedule).toEqual({ cron: "0 4 * * *", enabled: false });
    expect(await findSchemeDefinition(db, row.id, 1)).toBeNull();
    await expect(findSchemeDefinition(db, "00000000-0000-4000-8000-00000000dead", 1)).rejects.toThrow();
  });

  it("refuse a run-after order that loops, also when two saves at once make the loop together", async () => {
    const a = await insertScheme(db, { name: "甲", description: "", definition: definition() }, userId);
    const b = await insertScheme(db, { name: "乙", description: "", definition: definition() }, userId);
    const after = (id: string) => ({ ...definition(), runAfter: [id] });
    await expect(insertSchemeVersion(db, a.id, { definition: after(a.id) }, userId)).rejects.toMatchObject({ loop: [a.id, a.id] });

    const saves = await Promise.allSettled([insertSchemeVersion(db, a.id, { definition: after(b.id) }, userId), insertSchemeVersion(db, b.id, { definition: after(a.id) }, userId)]);
    expect(saves.map((s) => s.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = saves.find((s): s is PromiseRejectedResult => s.status === "rejected")!.reason;
    expect(refused).toBeInstanceOf(RunAfterLoopError);
    expect([[a.id, b.id, a.id], [b.id, a.id, b.id]]).toContainEqual(refused.loop);
    // Taking an edge away closes no loop.
    const loser = refused.schemeId as string;
    expect((await insertSchemeVersion(db, loser === a.id ? b.id : a.id, { definition: definition() }, userId)).currentVersion).toBe(3);
    expect((await insertSchemeVersion(db, loser, { definition: after(loser === a.id ? b.id : a.id) }, userId)).currentVersion).toBe(2);
  });

  it("are listed by name with their definitions, and deleted with their versions and runs", async () => {
    const b = await insertScheme(db, { name: "zz-b", description: "", definition: definition() }, userId);
    const a = await insertScheme(db, { name: "zz-a", description: "", definition: definition() }, userId);
    const run = await finishedRun(b.id, "manual", 1);
    const names = (await listSchemeDefinitions(db)).map((s) => s.name);
    expect(names.filter((n) => n.startsWith("zz-"))).toEqual(["zz-a", "zz-b"]);
    expect((await listSchemeDefinitions(db)).find((s) => s.id === a.id)?.definition).toEqual(a.definition);

    await deleteScheme(db, b.id);
    expect(await findSchemeWithLastRun(db, b.id)).toBeNull();
    expect(await db.schemeVersion.count({ where: { schemeId: b.id } })).toBe(0);
    expect(await db.run.findUnique({ where: { id: run.id } })).toBeNull();
  });
});
