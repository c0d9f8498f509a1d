// Session 32 (audit of incremental reads): a version that switches the write mode from create to
// upsert makes the records create mode left stale pending, in the save's transaction, so that the
// next run updates them whether its read sees them again or not (write-mode-switch.ts). And back:
// one that switches from upsert to create leaves no written record to be sent again as a new one.
import { seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../client";
import { openEditorDatabase, type EditorDatabase } from "../testing";
import { readOverview, refreshRecordCounts } from "./overview";
import { createRun } from "./runs";
import { currentSchemeTarget, insertScheme, insertSchemeVersion, SchemeModeBusyError } from "./schemes";
import { schemeWriteMode, switchedToCreate, switchedToUpsert } from "./write-mode-switch";

let bed: EditorDatabase;
let db: Db;
let userId: string;
beforeAll(async () => {
  bed = await openEditorDatabase("writemode");
  ({ db, userId } = bed);
});
afterAll(() => bed?.close());

const ids = { sourceConnectionId: "00000000-0000-4000-8000-000000000001", targetConnectionId: "00000000-0000-4000-8000-000000000002" };
const definition = (mode?: "create" | "upsert", change: (config: Record<string, unknown>) => void = () => undefined): SchemeDefinition => {
  const d = seedSchemeDefinition(ids);
  const config = d.nodes.find((n) => n.type === "target")!.config as unknown as Record<string, unknown>;
  if (mode) config.mode = mode;
  change(config);
  return d;
};

/** A scheme in create mode with a staged row of each status (stale ones changed, not updated). */
async function staged(name: string) {
  const scheme = await insertScheme(db, { name, description: "", definition: definition("create") }, userId);
  const statuses = ["written", "stale", "stale", "failed", "pending", "sending", "unknown", "waiting"] as const;
  for (const [i, status] of statuses.entries()) {
    await db.sourceRecord.create({
      data: {
        schemeId: scheme.id,
        sourceId: `${status}-${i}`,
        data: { code: `${status}-${i}` },
        payloadHash: status === "written" ? "w" : "p",
        mappedWith: "k",
        writtenHash: status === "pending" || status === "waiting" ? null : "w",
        status,
        targetId: "100",
        targetNumber: `${status}-${i}`,
      },
    });
  }
  const rows = async () =>
    Object.fromEntries(
      (await db.sourceRecord.findMany({ where: { schemeId: scheme.id } })).map((r) => [
        r.sourceId,
        { status: r.status, writtenHash: r.writtenHash, mappedWith: r.mappedWith, targetId: r.targetId, targetNumber: r.targetNumber },
      ]),
    );
  return { scheme, rows };
}

const SLOW = { timeout: 30_000 };

describe("a scheme's write mode", SLOW, () => {
  it("is its target node's mode, create when it names none; only create → upsert is a switch to upsert", () => {
    expect(schemeWriteMode(definition())).toBe("create");
    expect(schemeWriteMode(definition("upsert"))).toBe("upsert");
    expect(schemeWriteMode(definition(undefined, (c) => delete c.mode))).toBe("create");
    expect(schemeWriteMode({ nodes: [] })).toBeUndefined();
    expect(schemeWriteMode(null)).toBeUndefined();
    expect(switchedToUpsert(definition("create"), definition("upsert"))).toBe(true);
    expect(switchedToUpsert(definition("upsert"), definition("upsert"))).toBe(false);
    expect(switchedToUpsert(definition("upsert"), definition("create"))).toBe(false);
    expect(switchedToUpsert(null, definition("upsert"))).toBe(false);
  });

  it("switched from create to upsert: stale rows become pending (written hash, id and number kept; mapping key dropped); no other row changes", async () => {
    const { scheme, rows } = await staged("新增改更新");
    const before = await rows();
    // Another version that stays in create mode: staging is as it was.
    await insertSchemeVersion(db, scheme.id, { definition: definition("create", (c) => (c.batchSize = 50)) }, userId);
    expect(await rows()).toEqual(before);

    await insertSchemeVersion(db, scheme.id, { definition: definition("upsert") }, userId);
    const after = await rows();
    for (const id of ["stale-1", "stale-2"]) {
      expect(after[id]).toEqual({ ...before[id], status: "pending", mappedWith: null });
    }
    for (const id of Object.keys(before).filter((k) => !k.startsWith("stale"))) expect(after[id]).toEqual(before[id]);
    expect(await currentSchemeTarget(db, scheme.id)).toMatchObject({ mode: "upsert" });

    // Back to create and to upsert again: the records upsert mode was to update (the two pending
    // ones) and the failed update were made stale by the switch to create (create mode sends no
    // written record again), and so were the pending and waiting rows with a document in the target
    // but no written hash (their target id: a bill saved, or found by a lookup; session 33), so the
    // switch to upsert makes them all pending again; nothing else changes.
    await insertSchemeVersion(db, scheme.id, { definition: definition("create") }, userId);
    await insertSchemeVersion(db, scheme.id, { definition: definition("upsert") }, userId);
    expect(await rows()).toEqual({
      ...after,
      "failed-3": { ...after["failed-3"], status: "pending", mappedWith: null },
      "pending-4": { ...after["pending-4"], status: "pending", mappedWith: null },
      "waiting-7": { ...after["waiting-7"], status: "pending", mappedWith: null },
    });
  });

  it("switched to upsert: the overview's staging counts follow at once", async () => {
    const { scheme } = await staged("新增改更新计数");
    await refreshRecordCounts(db, scheme.id);
    const records = async () => (await readOverview(db)).schemes.find((x) => x.id === scheme.id)!.records;
    expect(await records()).toMatchObject({ stale: 2, pending: 1 });
    await insertSchemeVersion(db, scheme.id, { definition: definition("upsert") }, userId);
    expect((await records()).stale).toBeUndefined();
    expect(await records()).toMatchObject({ pending: 3 });
  });

  it("cannot be switched to upsert while a run of the scheme is queued or running (nothing saved); other saves can", async () => {
    const { scheme, rows } = await staged("新增改更新运行中");
    const before = await rows();
    const run = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
    const refused = insertSchemeVersion(db, scheme.id, { definition: definition("upsert") }, userId);
    await expect(refused).rejects.toBeInstanceOf(SchemeModeBusyError);
    await expect(refused).rejects.toMatchObject({ runId: run.id });
    expect((await db.scheme.findUniqueOrThrow({ where: { id: scheme.id } })).currentVersion).toBe(1);
    expect(await rows()).toEqual(before);
    expect((await insertSchemeVersion(db, scheme.id, { definition: definition("create", (c) => (c.batchSize = 50)) }, userId)).currentVersion).toBe(2);
    await db.run.update({ where: { id: run.id }, data: { status: "succeeded" } });
    expect((await insertSchemeVersion(db, scheme.id, { definition: definition("upsert") }, userId)).currentVersion).toBe(3);
    expect((await rows())["stale-1"]?.status).toBe("pending");
  });

  it("switched from upsert to create: written records upsert mode would send again become written or stale, their retries and waits dropped; no other row changes", async () => {
    expect(switchedToCreate(definition("upsert"), definition("create"))).toBe(true);
    expect(switchedToCreate(definition("create"), definition("upsert"))).toBe(false);
    const scheme = await insertScheme(db, { name: "更新改新增", description: "", definition: definition("upsert") }, userId);
    const row = (sourceId: string, status: "pending" | "failed" | "waiting" | "written" | "sending" | "unknown", written: { hash: string | null; number: string | null }, payloadHash = "p") =>
      db.sourceRecord.create({
        data: {
          schemeId: scheme.id, sourceId, data: { code: sourceId }, payloadHash, mappedWith: "k", status,
          writtenHash: written.hash, targetId: written.hash ? "100" : null, targetNumber: written.number,
          ...(status === "failed" && { lastError: "更新失败", errorClass: "transient", retryStep: 2, retryAt: new Date(Date.now() + 60_000) }),
        },
      });
    const changed = await row("changed", "pending", { hash: "w", number: "C-1" });
    const resent = await row("resent", "pending", { hash: "p", number: "C-2" });
    const failedUpdate = await row("failed-update", "failed", { hash: "w", number: "C-3" });
    const waiting = await row("waiting", "waiting", { hash: "w", number: "C-4" });
    await db.waitingRecord.create({ data: { schemeId: scheme.id, sourceRecordId: waiting.id, waitsForSchemeId: scheme.id, waitsFor: "店铺→客户", key: "S-1", field: "code" } });
    const untouched = [
      await row("never-written", "pending", { hash: null, number: null }),
      await row("switched-from", "pending", { hash: "w", number: null }),
      await row("written", "written", { hash: "p", number: "C-5" }),
      await row("sending", "sending", { hash: "w", number: "C-6" }),
      await row("unknown", "unknown", { hash: "w", number: "C-7" }),
    ];
    const before = await db.sourceRecord.findMany({ where: { id: { in: untouched.map((r) => r.id) } }, orderBy: { id: "asc" } });

    await insertSchemeVersion(db, scheme.id, { definition: definition("create") }, userId);

    const now = async (id: bigint) => db.sourceRecord.findUniqueOrThrow({ where: { id } });
    expect(await now(changed.id)).toMatchObject({ status: "stale", writtenHash: "w", targetNumber: "C-1", mappedWith: null });
    expect(await now(resent.id)).toMatchObject({ status: "written", writtenHash: "p" });
    expect(await now(failedUpdate.id)).toMatchObject({ status: "stale", lastError: null, errorClass: null, retryStep: 0, retryAt: null });
    expect(await now(waiting.id)).toMatchObject({ status: "stale" });
    expect(await db.waitingRecord.count({ where: { sourceRecordId: waiting.id } })).toBe(0);
    const after = await db.sourceRecord.findMany({ where: { id: { in: untouched.map((r) => r.id) } }, orderBy: { id: "asc" } });
    expect(after).toEqual(before);
  });

  it("cannot be switched back to create while a run of the scheme is queued or running", async () => {
    const scheme = await insertScheme(db, { name: "更新改新增运行中", description: "", definition: definition("upsert") }, userId);
    const run = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
    const refused = insertSchemeVersion(db, scheme.id, { definition: definition("create") }, userId);
    await expect(refused).rejects.toBeInstanceOf(SchemeModeBusyError);
    await expect(refused).rejects.toMatchObject({ runId: run.id });
    expect((await db.scheme.findUniqueOrThrow({ where: { id: scheme.id } })).currentVersion).toBe(1);
  });
});
