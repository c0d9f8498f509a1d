// An update left in flight by upsert mode is not taken for written after the switch back to create
// (session 32's audit of its own changes; failing before its fix). The switch makes the written rows
// upsert mode would send again written or stale, but rows whose update is in flight (`sending`, or
// `unknown` after a run cancelled while it waited) stay, and the first create-mode run looks them
// up: create mode took a found number for the write that happened, recording the unsent update's
// data as written while 金蝶 kept the old. An update's number exists whether or not the update was
// processed; resolveUnknown now leaves such a row stale in create mode (changed, not updated),
// keeping what was written before.
//
// The same in-flight update, its customer deleted in 金蝶 by a person before the lookup (session 34;
// both failing before the fix): the absent verdict kept the row's target id and written hash, which
// the mark's renumber check and the switch to create mode take for a document under the number. A
// renumbered mapping was refused ("已写入为…") and a switch to create left the record stale, though
// 金蝶 held nothing of it. Now an absent verdict under the row's number drops both (resolveUnknown's
// `gone`).
import { insertSchemeVersion } from "@qiao/db";
import type { WriteRequest } from "@qiao/connectors";
import { render, storedMessage, type SchemeDefinition } from "@qiao/core";
import { ConnectorError } from "@qiao/connectors";
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

/**
 * An upsert customers scheme written once, then one shop renamed and its update's worker dying in the
 * call: the update never reaches 金蝶, the row stays `sending` (its target id and written hash from
 * the first write).
 */
async function updateInFlight() {
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
  expect(await t.db.sourceRecord.findFirstOrThrow({ where })).toMatchObject({ status: "sending", targetNumber: code, targetId: expect.any(String) });
  // The run failed (the error is no connector error: the batch is left `sending` for the lookup).
  expect((await t.db.run.findUniqueOrThrow({ where: { id: second.id } })).status).toBe("failed");
  return { s, scheme, plain, code, oldName, where, sender: second.id };
}

/**
 * updateInFlight, then the scheme switched back to create (新增), as the editor saves it (accepted: no
 * active run), and the next create-mode run, which parks the row, looks its number up and finds it
 * (it existed before).
 */
async function lookedUpInCreateMode() {
  const inFlight = await updateInFlight();
  const { s, scheme, plain } = inFlight;
  const create: SchemeDefinition = structuredClone(scheme.definition);
  targetConfig(create).mode = "create";
  await insertSchemeVersion(t.db, scheme.id, { definition: create }, "editor");
  const third = await s.requestRun(scheme.id, "manual");
  expect((await runToEnd(plain, third.id)).kind).toBe("finished");
  return { ...inFlight, lookup: third.id };
}

test("an update left in flight by upsert mode is not taken for written after the switch back to create", async () => {
  const { s, code, oldName, where } = await lookedUpInCreateMode();

  const row = await t.db.sourceRecord.findFirstOrThrow({ where });
  const inKingdee = s.kingdee.store.list().find((c) => String(c.FNumber) === code)?.FName;
  // 金蝶 never got the update…
  expect(inKingdee).toBe(oldName);
  // …so staging must not say it holds it: before a fix the row is `written` with the renamed
  // payload as its written hash (every later run skips it as unchanged; the change is lost silently).
  expect({ status: row.status, writtenIsCurrent: row.writtenHash === row.payloadHash }).toEqual({ status: "stale", writtenIsCurrent: false });
}, 90_000);

// Session 35: the lookup's log line counted only what it found written, made pending or failed, so a
// lookup that left its only record stale logged nothing: the run said the record would be looked up
// before it ended ("核对完成前运行不会结束"), then ended without a word on it. The record counts in the
// run that sent it (runs.stale), as every verdict does; the lookup's line names it.
test("the lookup that leaves the update stale names it in its log; the run that sent it counts it, the lookup's run succeeds", async () => {
  const { sender, lookup } = await lookedUpInCreateMode();
  const runOf = (id: string) => t.db.run.findUniqueOrThrow({ where: { id } });
  // The sending run ended failed before the lookup; its update moved from unknown to stale.
  expect(await runOf(sender)).toMatchObject({ status: "failed", unknown: 0, stale: 1, written: 0, failed: 0 });
  // The lookup's run read 20: 19 unchanged; the 20th was the sending run's, settled by the lookup.
  expect(await runOf(lookup)).toMatchObject({ status: "succeeded", fetched: 20, written: 0, skipped: 19, failed: 0, stale: 0 });
  const lines = await t.db.runLog.findMany({ where: { runId: lookup }, orderBy: { id: "asc" } });
  const coded = (code: string) => lines.find((l) => (l.data as { message?: { code?: string } } | null)?.message?.code === code);
  const checked = coded("outcomes.checked");
  // Before the fix: no such line (checked = written + requeued + failed = 0).
  expect(checked?.message ?? "(no such line)").toContain("核对了 1 条待确认记录（按 FNumber）：0 条已存在（记为已写入），0 条不存在（重新发送），1 条已存在，但那次发送是更新");
  expect(checked?.message).toContain("记为已变更未更新（计入发送它的运行）");
  const stored = storedMessage((checked?.data as { message?: unknown } | null)?.message);
  expect(stored && render(stored, "en")).toContain("1 exist but were sent as updates");
  expect(checked?.data).toMatchObject({ stale: 1 });
  // The finish line says what the run page's counters say (no 已变更未更新: not this run's).
  expect(coded("run.finished")?.message).toMatch(/^运行结束（[\d.]+ 秒）：读取 20，写入 0，跳过 19，失败 0$/);
}, 90_000);

/** The customers of 金蝶 under these numbers. */
const customersNumbered = (s: Simulated, ...numbers: string[]) => s.kingdee.store.list().filter((c) => numbers.includes(String(c.FNumber)));

test("upsert: an in-flight update whose customer a person deleted is created under a new FNumber mapping", async () => {
  const { s, scheme, plain, code, where } = await updateInFlight();
  // A person deletes the customer in 金蝶; then the scheme's FNumber gets a prefix.
  expect(s.kingdee.store.delete([code])).toBe(1);
  await s.saveVersion(scheme.id, (d) => (targetConfig(d).mapping.FNumber = "C-{{code}}"));

  // The next run looks the update up (absent under its number) and sends the record again, mapped
  // with the new version. The other records were written under their old numbers: refused (session 32).
  const third = await s.requestRun(scheme.id, "manual");
  expect((await runToEnd(plain, third.id)).kind).toBe("finished");

  const row = await t.db.sourceRecord.findFirstOrThrow({ where });
  // Before the fix: failed, "这条记录已写入为 FNumber “…”，映射的编码变为 “C-…”", with no customer at all in 金蝶.
  expect.soft(row.lastError ?? "").not.toContain("已写入为");
  expect(row).toMatchObject({ status: "written", targetNumber: `C-${code}` });
  expect(customersNumbered(s, code, `C-${code}`).map((c) => [c.FNumber, c.FName])).toEqual([[`C-${code}`, "改名后的店铺"]]);
  expect(s.kingdee.stats().duplicateAttempts).toBe(0);
}, 90_000);

test("upsert → create: an in-flight update whose customer a person deleted is created by create mode", async () => {
  const { s, scheme, plain, code, where } = await updateInFlight();
  expect(s.kingdee.store.delete([code])).toBe(1);

  // The next run looks the update up and finds nothing under the number; sending it again goes
  // nowhere (金蝶 unreachable): the record is put back, pending.
  const unreachable = testContext(t.db, {
    getConnector: wrapKingdeeTarget((real) => ({
      ...real,
      async write(_req: WriteRequest) {
        throw new ConnectorError("network", "kingdee", "金蝶不可达（测试）");
      },
    })),
  });
  const third = await s.requestRun(scheme.id, "manual");
  await runToEnd(unreachable, third.id).catch(() => undefined);
  const absent = await t.db.sourceRecord.findFirstOrThrow({ where });
  expect(absent).toMatchObject({ status: "pending", targetNumber: code });
  // 金蝶 holds no document of it: the row no longer says it does.
  expect.soft({ targetId: absent.targetId, writtenHash: absent.writtenHash }).toEqual({ targetId: null, writtenHash: null });

  // Back to create (新增), as the editor saves it: the switch leaves no record with a document to be
  // sent again, and this one has none.
  const create: SchemeDefinition = structuredClone(scheme.definition);
  targetConfig(create).mode = "create";
  await insertSchemeVersion(t.db, scheme.id, { definition: create }, "editor");
  // Before the fix: stale (changed, not updated in create mode), never sent again.
  expect((await t.db.sourceRecord.findFirstOrThrow({ where })).status).toBe("pending");

  const fourth = await s.requestRun(scheme.id, "manual");
  expect((await runToEnd(plain, fourth.id)).kind).toBe("finished");
  expect(await t.db.sourceRecord.findFirstOrThrow({ where })).toMatchObject({ status: "written", targetNumber: code });
  expect(customersNumbered(s, code).map((c) => c.FName)).toEqual(["改名后的店铺"]);
  expect(s.kingdee.stats().duplicateAttempts).toBe(0);
}, 90_000);
