// Session 18: 从头读取 (resetSchemeCursor) clears the scheme's cursor for its current version: a run of
// an older version does not set it again when its read completes, a run of the current one does;
// refused while a run that reads is queued or running; a second reset changes nothing.
import { seedItemsSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../client";
import { openEditorDatabase, type EditorDatabase } from "../testing";
import { createRun } from "./runs";
import { completeRead } from "./run-progress";
import { insertScheme, insertSchemeVersion, resetSchemeCursor, SchemeCursorBusyError } from "./schemes";

let bed: EditorDatabase;
let db: Db;
let userId: string;
beforeAll(async () => {
  bed = await openEditorDatabase("schemecursor");
  ({ db, userId } = bed);
});
afterAll(() => bed?.close());

const ids = { sourceConnectionId: "00000000-0000-4000-8000-000000000001", targetConnectionId: "00000000-0000-4000-8000-000000000002" };
/** The items seed: its source reads from `{{LAST_SYNC_TIME datetime}}`. */
const definition = (): SchemeDefinition => seedItemsSchemeDefinition(ids);
const T1 = new Date("2026-03-01T02:00:00Z");
const T2 = new Date("2026-03-02T02:00:00Z");
const cursorOf = async (id: string) => db.scheme.findUniqueOrThrow({ where: { id }, select: { cursor: true, cursorFromVersion: true, currentVersion: true } });

const SLOW = { timeout: 30_000 };

describe("从头读取 (resetSchemeCursor)", SLOW, () => {
  it("a run of an older version does not set the cursor again; a run of the current version does", async () => {
    const scheme = await insertScheme(db, { name: "商品→物料", description: "", definition: definition() }, userId);
    // Version 2 keeps the source (the cursor stays), so runs of version 1 may still move it.
    await insertSchemeVersion(db, scheme.id, { definition: { ...definition(), timezone: "Asia/Tokyo" } }, userId);
    const old = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
    await completeRead(db, old.id, scheme.id, T1);
    expect(await cursorOf(scheme.id)).toEqual({ cursor: T1, cursorFromVersion: null, currentVersion: 2 });
    // Not active any more as far as the reset's check can see (it stands for a run of version 1
    // that the check could not see); its read completes after the reset.
    await db.run.update({ where: { id: old.id }, data: { status: "failed" } });

    const reset = await resetSchemeCursor(db, scheme.id);
    expect(reset).toMatchObject({ id: scheme.id, cursor: null, cursorFromVersion: 2 });
    await completeRead(db, old.id, scheme.id, T2);
    expect(await cursorOf(scheme.id)).toEqual({ cursor: null, cursorFromVersion: 2, currentVersion: 2 });

    const current = await createRun(db, { schemeId: scheme.id, schemeVersion: 2, trigger: "manual" });
    await completeRead(db, current.id, scheme.id, T2);
    expect((await cursorOf(scheme.id)).cursor).toEqual(T2);
  });

  it("is refused while a run that reads is queued or running, and a test run does not count", async () => {
    const scheme = await insertScheme(db, { name: "忙碌", description: "", definition: definition() }, userId);
    await db.scheme.update({ where: { id: scheme.id }, data: { cursor: T1 } });
    const test = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "test" });
    const queued = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "schedule" });
    const refused = await resetSchemeCursor(db, scheme.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SchemeCursorBusyError);
    expect(refused).toMatchObject({ runId: queued.id, text: { code: "scheme.cursorResetBusy", params: { runId: queued.id } } });
    expect(await cursorOf(scheme.id)).toEqual({ cursor: T1, cursorFromVersion: null, currentVersion: 1 });

    await db.run.update({ where: { id: queued.id }, data: { status: "succeeded" } });
    expect((await db.run.findUniqueOrThrow({ where: { id: test.id } })).status).toBe("queued");
    expect(await resetSchemeCursor(db, scheme.id)).toMatchObject({ cursor: null, cursorFromVersion: 1 });
  });

  it("a second reset changes nothing; a scheme that does not exist is null", async () => {
    const scheme = await insertScheme(db, { name: "两次", description: "", definition: definition() }, userId);
    await db.scheme.update({ where: { id: scheme.id }, data: { cursor: T1 } });
    const first = await resetSchemeCursor(db, scheme.id);
    const second = await resetSchemeCursor(db, scheme.id);
    expect(second).toMatchObject({ cursor: null, cursorFromVersion: 1, updatedAt: first!.updatedAt });
    expect(await resetSchemeCursor(db, "00000000-0000-4000-8000-0000000000ff")).toBeNull();
  });
});
