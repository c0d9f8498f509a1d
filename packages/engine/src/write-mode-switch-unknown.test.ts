// An update left in flight by upsert mode is not taken for written after the switch back to create
// (session 32's audit of its own changes; failing before its fix). The switch makes the written rows
// upsert mode would send again written or stale, but rows whose update is in flight (`sending`, or
// `unknown` after a run cancelled while it waited) stay, and the first create-mode run looks them
// up: create mode took a found number for the write that happened, recording the unsent update's
// data as written while 金蝶 kept the old. An update's number exists whether or not the update was
// processed; resolveUnknown now leaves such a row stale in create mode (changed, not updated),
// keeping what was written before.
import { insertSchemeVersion } from "@qiao/db";
import type { WriteRequest } from "@qiao/connectors";
import type { SchemeDefinition } from "@qiao/core";
import { afterEach, expect, test } from "vitest";
import { runToEnd, simulate, targetConfig, testContext, wrapKingdeeTarget, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("mode_switch_unknown_audit");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const SHOP_ID = 710944500000;

test("an update left in flight by upsert mode is not taken for written after the switch back to create", async () => {
  sim = await simulate(t.db, { shops: 20 });
  const s = sim;
  const scheme = await s.createScheme((d) => {
    targetConfig(d).mode = "upsert";
  });
  const plain = testContext(t.db);
  const first = await s.requestRun(scheme.id, "manual");
  expect((await runToEnd(plain, first.id)).kind).toBe("finished");
  expect(await t.db.run.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({ status: "succeeded", written: 20 });
  const [shop] = s.guanyi.modifyShops([{ id: SHOP_ID, set: { name: "改名后的店铺" } }]);
  const code = String(shop!.code);
  const oldName = s.kingdee.store.list().find((c) => String(c.FNumber) === code)?.FName;
  expect(oldName).not.toBe("改名后的店铺");

  // The update's worker dies in the call: it never reaches 金蝶, the row stays `sending`.
  const dying = testContext(t.db, {
    getConnector: wrapKingdeeTarget((real) => ({
      ...real,
      async write(_req: WriteRequest) {
        throw new Error("工作进程在调用中退出（测试）");
      },
    })),
  });
  const second = await s.requestRun(scheme.id, "manual");
  await runToEnd(dying, second.id).catch(() => undefined);
  const where = { schemeId: scheme.id, sourceId: String(SHOP_ID) };
  expect((await t.db.sourceRecord.findFirstOrThrow({ where })).status).toBe("sending");
  // The run failed (the error is no connector error: the batch is left `sending` for the lookup).
  expect((await t.db.run.findUniqueOrThrow({ where: { id: second.id } })).status).toBe("failed");

  // …and switches the scheme back to create (新增), as the editor saves it: accepted (no active run).
  const create: SchemeDefinition = structuredClone(scheme.definition);
  targetConfig(create).mode = "create";
  await insertSchemeVersion(t.db, scheme.id, { definition: create }, "editor");

  // The next create-mode run parks the row, looks its number up, and finds it (it existed before).
  const third = await s.requestRun(scheme.id, "manual");
  expect((await runToEnd(plain, third.id)).kind).toBe("finished");

  const row = await t.db.sourceRecord.findFirstOrThrow({ where });
  const inKingdee = s.kingdee.store.list().find((c) => String(c.FNumber) === code)?.FName;
  // 金蝶 never got the update…
  expect(inKingdee).toBe(oldName);
  // …so staging must not say it holds it: before a fix the row is `written` with the renamed
  // payload as its written hash (every later run skips it as unchanged; the change is lost silently).
  expect({ status: row.status, writtenIsCurrent: row.writtenHash === row.payloadHash }).toEqual({ status: "stale", writtenIsCurrent: false });
}, 90_000);
