// Session 18: a version that writes to another target (connection or form) makes the scheme's staged
// records count as never written there; one that keeps the target changes no staging row.
import { seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../client";
import { openEditorDatabase, type EditorDatabase } from "../testing";
import { readMetricTotals } from "./metric-totals";
import { readOverview, refreshRecordCounts } from "./overview";
import { createRun } from "./runs";
import { insertScheme, insertSchemeVersion, schemeTarget, SchemeTargetBusyError, targetSwitched } from "./schemes";

let bed: EditorDatabase;
let db: Db;
let userId: string;
beforeAll(async () => {
  bed = await openEditorDatabase("schemetarget");
  ({ db, userId } = bed);
});
afterAll(() => bed?.close());

const ids = { sourceConnectionId: "00000000-0000-4000-8000-000000000001", targetConnectionId: "00000000-0000-4000-8000-000000000002" };
const OTHER = "00000000-0000-4000-8000-000000000003";
const definition = (change: (config: Record<string, unknown>) => void = () => undefined): SchemeDefinition => {
  const d = seedSchemeDefinition(ids);
  change(d.nodes.find((n) => n.type === "target")!.config as unknown as Record<string, unknown>);
  return d;
};

// The first statements on a fresh database (and a loaded 2-core machine) can take seconds.
const SLOW = { timeout: 30_000 };

describe("a scheme's target", SLOW, () => {
  it("is its target connection and form; a form left out is its API's first, as compileScheme picks it", () => {
    expect(schemeTarget(definition())).toEqual({ connectionId: ids.targetConnectionId, formId: "BD_Customer" });
    expect(schemeTarget(definition((c) => delete c.formId))).toEqual({ connectionId: ids.targetConnectionId, formId: "BD_Customer" });
    expect(targetSwitched(definition(), definition((c) => delete c.formId))).toBe(false);
    expect(targetSwitched(definition(), definition((c) => (c.mapping = { FName: "{{code}}" })))).toBe(false);
    expect(targetSwitched(definition(), definition((c) => (c.mode = "upsert")))).toBe(false);
    expect(targetSwitched(definition(), definition((c) => (c.connectionId = OTHER)))).toBe(true);
    expect(targetSwitched(definition(), definition((c) => (c.formId = "BD_MATERIAL")))).toBe(true);
    expect(schemeTarget({ nodes: [] })).toBeUndefined();
    expect(targetSwitched(null, definition())).toBe(false);
  });

  it("switched by a version: every staged record counts as never written (pending); the write protocol's rows stay", async () => {
    const scheme = await insertScheme(db, { name: "切换目标", description: "", definition: definition() }, userId);
    const statuses = ["written", "stale", "failed", "saved", "sending", "unknown", "pending", "waiting"] as const;
    for (const status of statuses) {
      await db.sourceRecord.create({
        data: {
          schemeId: scheme.id,
          sourceId: status,
          data: { code: status },
          payloadHash: "p",
          mappedWith: "k",
          writtenHash: status === "pending" || status === "waiting" ? null : "p",
          status,
          targetId: "100",
          targetNumber: status,
          lastError: status === "failed" ? "没有权限" : null,
          ...(status === "failed" && { errorClass: "transient", retryStep: 2, retryAt: new Date(), deadAt: null }),
        },
      });
    }
    const rows = async () =>
      Object.fromEntries(
        (await db.sourceRecord.findMany({ where: { schemeId: scheme.id } })).map((r) => [
          r.sourceId,
          { status: r.status, writtenHash: r.writtenHash, mappedWith: r.mappedWith, targetId: r.targetId, lastError: r.lastError, retryStep: r.retryStep, retryAt: r.retryAt },
        ]),
      );
    const before = await rows();

    // Another version with the same target (the mapping changed): staging is as it was.
    await insertSchemeVersion(db, scheme.id, { definition: definition((c) => (c.mapping = { ...(c.mapping as object), FDescription: "改" })) }, userId);
    expect(await rows()).toEqual(before);

    // Another form: nothing was written there.
    await insertSchemeVersion(db, scheme.id, { definition: definition((c) => (c.formId = "BD_MATERIAL")) }, userId);
    const after = await rows();
    for (const status of ["written", "stale", "failed", "saved"]) {
      expect(after[status]).toEqual({ status: "pending", writtenHash: null, mappedWith: null, targetId: null, lastError: null, retryStep: 0, retryAt: null });
    }
    expect(after.pending).toMatchObject({ status: "pending", writtenHash: null, mappedWith: null });
    expect(after.waiting).toMatchObject({ status: "waiting", mappedWith: null });
    // Being sent, or sent with an unknown outcome: the write protocol's (looked up in the target the run writes to).
    expect(after.sending).toEqual(before.sending);
    expect(after.unknown).toEqual(before.unknown);
  });

  it("switched by a version: the overview's and the metrics' staging counts follow at once (session 19)", async () => {
    const scheme = await insertScheme(db, { name: "切换目标计数", description: "", definition: definition() }, userId);
    const statuses = ["written", "written", "stale", "failed", "saved", "unknown"] as const;
    for (const [i, status] of statuses.entries()) {
      await db.sourceRecord.create({
        data: { schemeId: scheme.id, sourceId: `${status}-${i}`, data: {}, payloadHash: "p", writtenHash: "p", status, lastError: status === "failed" || status === "saved" ? "失败" : null },
      });
    }
    // As the last run's follow-up counted them.
    await refreshRecordCounts(db, scheme.id);
    const counts = async () => ({
      overview: (await readOverview(db)).schemes.find((x) => x.id === scheme.id)!.records,
      metrics: (await readMetricTotals(db)).schemes.find((x) => x.schemeId === scheme.id)!.records,
    });
    expect(await counts()).toEqual({ overview: { written: 2, stale: 1, failed: 1, saved: 1, unknown: 1 }, metrics: { written: 2, stale: 1, failed: 1, saved: 1, unknown: 1 } });

    // No run may come for days (a scheme run by hand): the save itself recounts.
    await insertSchemeVersion(db, scheme.id, { definition: definition((c) => (c.connectionId = OTHER)) }, userId);
    expect(await counts()).toEqual({ overview: { pending: 5, unknown: 1 }, metrics: { pending: 5, unknown: 1 } });
  });

  it("cannot be switched while a run of the scheme is queued or running (nothing saved); the same target can", async () => {
    const scheme = await insertScheme(db, { name: "运行中", description: "", definition: definition() }, userId);
    const run = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
    const refused = insertSchemeVersion(db, scheme.id, { definition: definition((c) => (c.connectionId = OTHER)) }, userId);
    await expect(refused).rejects.toBeInstanceOf(SchemeTargetBusyError);
    await expect(refused).rejects.toMatchObject({ runId: run.id });
    expect((await db.scheme.findUniqueOrThrow({ where: { id: scheme.id } })).currentVersion).toBe(1);
    expect((await insertSchemeVersion(db, scheme.id, { definition: definition((c) => (c.batchSize = 50)) }, userId)).currentVersion).toBe(2);
    await db.run.update({ where: { id: run.id }, data: { status: "succeeded" } });
    expect((await insertSchemeVersion(db, scheme.id, { definition: definition((c) => (c.connectionId = OTHER)) }, userId)).currentVersion).toBe(3);
  });
});
