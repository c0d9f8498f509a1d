// Session 18: 从头读取 (resetSchemeCursor) clears the scheme's cursor for its current version: a run of
// an older version does not set it again when its read completes, a run of the current one does;
// refused while a run that reads is queued or running; a second reset changes nothing.
import { seedItemsSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../client";
import { openEditorDatabase, type EditorDatabase } from "../testing";
import { claimRun, createRun } from "./runs";
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
    const oldClaim = await claimRun(db, old.id, new Date());
    if (!oldClaim.claimed) throw new Error("not claimed");
    expect(await completeRead(db, old.id, oldClaim.run.attempt, scheme.id, T1)).toBe(true);
    expect(await cursorOf(scheme.id)).toEqual({ cursor: T1, cursorFromVersion: null, currentVersion: 2 });
    // Not active any more as far as the reset's check can see (it stands for a run of version 1
    // that the check could not see); its read completes after the reset.
    await db.run.update({ where: { id: old.id }, data: { status: "failed" } });

    const reset = await resetSchemeCursor(db, scheme.id);
    expect(reset).toMatchObject({ id: scheme.id, cursor: null, cursorFromVersion: 2 });
    await db.run.update({ where: { id: old.id }, data: { status: "running" } });
    expect(await completeRead(db, old.id, oldClaim.run.attempt, scheme.id, T2)).toBe(true);
    expect(await cursorOf(scheme.id)).toEqual({ cursor: null, cursorFromVersion: 2, currentVersion: 2 });
    await db.run.update({ where: { id: old.id }, data: { status: "failed" } });

    const current = await createRun(db, { schemeId: scheme.id, schemeVersion: 2, trigger: "manual" });
    const claim = await claimRun(db, current.id, new Date());
    if (!claim.claimed) throw new Error("not claimed");
    // An attempt that no longer owns the run moves nothing (session 26).
    expect(await completeRead(db, current.id, claim.run.attempt + 1, scheme.id, T2)).toBe(false);
    expect((await cursorOf(scheme.id)).cursor).toBeNull();
    expect(await completeRead(db, current.id, claim.run.attempt, scheme.id, T2)).toBe(true);
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

  // Session 22: the run that could slip between the check and the commit. Creating a run inserts a
  // row that references the scheme, which takes the scheme row's KEY SHARE lock until it commits; the
  // reset's FOR UPDATE conflicts with it both ways.
  it("waits for a run being created, then refuses it; a run created while the reset holds the row waits and reads from the cleared cursor", async () => {
    const scheme = await insertScheme(db, { name: "并发", description: "", definition: definition() }, userId);
    await db.scheme.update({ where: { id: scheme.id }, data: { cursor: T1 } });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const insertedYet = new Promise<void>((r) => (inserted = r));
    // A run inserted and not yet committed (a claim cannot see it: it is not committed).
    const creating = db.$transaction(async (tx) => {
      const run = await tx.run.create({ data: { schemeId: scheme.id, schemeVersion: 1, trigger: "schedule" } });
      inserted();
      await gate;
      return run;
    });
    await insertedYet;
    let done = false;
    const reset = resetSchemeCursor(db, scheme.id).then(
      (v) => v,
      (e: unknown) => e,
    );
    void reset.finally(() => (done = true));
    await sleep(400);
    expect(done).toBe(false);
    release();
    const run = await creating;
    expect(await reset).toMatchObject({ name: "SchemeCursorBusyError", runId: run.id });
    expect((await cursorOf(scheme.id)).cursor).toEqual(T1);

    // The other order: the scheme row locked as the reset locks it, the cursor cleared, not yet
    // committed. A run created meanwhile waits for the commit.
    await db.run.update({ where: { id: run.id }, data: { status: "succeeded" } });
    let unlock!: () => void;
    const held = new Promise<void>((r) => (unlock = r));
    let locked!: () => void;
    const lockedYet = new Promise<void>((r) => (locked = r));
    const resetting = db.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM schemes WHERE id = ${scheme.id}::uuid FOR UPDATE`;
      await tx.$executeRaw`UPDATE schemes SET cursor = NULL, cursor_from_version = current_version WHERE id = ${scheme.id}::uuid`;
      locked();
      await held;
    });
    await lockedYet;
    let created = false;
    const next = createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "schedule" });
    void next.finally(() => (created = true));
    await sleep(400);
    expect(created).toBe(false);
    unlock();
    await resetting;
    const claimed = await claimRun(db, (await next).id, new Date());
    if (!claimed.claimed) throw new Error("not claimed");
    // No cursor: the run reads from the beginning.
    expect(claimed.run.windowStart).toBeNull();
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
