// A stale record the switch to upsert makes pending no longer carries create mode's "no update" reason
// (session 32's audit of what people read; failing before its fix). resolveUnknown gives a row it
// leaves stale in create mode a reason saying create mode sends no update; pendStaleRecords made it
// pending (to be sent as an update) and kept the reason, so 记录查询 showed a 待写入 record saying it
// would not be updated. The switch now clears the reason, as the other staging switches do.
import { seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../client";
import { openEditorDatabase, type EditorDatabase } from "../testing";
import { insertScheme, insertSchemeVersion } from "./schemes";
import { findStagedRecord } from "./staged-records";

let bed: EditorDatabase;
let db: Db;
let userId: string;
beforeAll(async () => {
  bed = await openEditorDatabase("writemodeaudit");
  ({ db, userId } = bed);
});
afterAll(() => bed?.close());

const ids = { sourceConnectionId: "00000000-0000-4000-8000-000000000001", targetConnectionId: "00000000-0000-4000-8000-000000000002" };
const definition = (mode: "create" | "upsert"): SchemeDefinition => {
  const d = seedSchemeDefinition(ids);
  (d.nodes.find((n) => n.type === "target")!.config as unknown as Record<string, unknown>).mode = mode;
  return d;
};

describe("switch to upsert, what 记录查询 says", { timeout: 30_000 }, () => {
  it("a stale record made pending by the switch no longer carries create mode's 'no update' reason", async () => {
    const scheme = await insertScheme(db, { name: "过期原因", description: "", definition: definition("create") }, userId);
    const reason =
      "写入结果未知：这次发送是更新（方案改为“新增”写入模式之前发出），经核对记录存在，但更新是否已生效无法确认；“新增”模式不再发送更新，记为已变更 / " +
      "The outcome was unknown: this send was an update (made before the scheme switched to the create write mode); the record exists, but whether the update took effect cannot be told, and create mode sends no update: marked changed";
    const row = await db.sourceRecord.create({
      data: {
        schemeId: scheme.id, sourceId: "S1", data: { code: "S1" }, payloadHash: "p", mappedWith: "k", writtenHash: "w",
        status: "stale", targetId: "100", targetNumber: "S1", lastError: reason,
      },
    });
    await insertSchemeVersion(db, scheme.id, { definition: definition("upsert") }, userId);
    const seen = await findStagedRecord(db, { schemeId: scheme.id, id: row.id });
    expect(seen?.status).toBe("pending");
    // Pending, to be sent as an update by the next run: the reason "create mode sends no update"
    // is no longer true and must not be shown with it.
    expect(seen?.lastError).toBeNull();
  });
});
