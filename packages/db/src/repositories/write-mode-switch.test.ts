// Session 32 (audit of incremental reads): a version that switches the write mode from create to
// upsert makes the records create mode left stale pending, in the save's transaction, so that the
// next run updates them whether its read sees them again or not (write-mode-switch.ts).
import { seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../client";
import { openEditorDatabase, type EditorDatabase } from "../testing";
import { readOverview, refreshRecordCounts } from "./overview";
import { createRun } from "./runs";
import { currentSchemeTarget, insertScheme, insertSchemeVersion, SchemeModeBusyError } from "./schemes";
import { schemeWriteMode, switchedToUpsert } from "./write-mode-switch";

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

    // Back to create and to upsert again: nothing is stale, nothing changes.
    await insertSchemeVersion(db, scheme.id, { definition: definition("create") }, userId);
    await insertSchemeVersion(db, scheme.id, { definition: definition("upsert") }, userId);
    expect(await rows()).toEqual(after);
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
});
