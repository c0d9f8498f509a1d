// Rules into messages against a real database and the simulators' receiver: which runs raise which
// rules, the message's content, the window and digest, lasting conditions, failing channels.
import { message, render, seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { changeScheme, createAlertChannel, createAlertRule, getAlertChannel, insertScheme, insertSchemeVersion, type AlertRuleKind, type RunModel } from "@qiao/db";
import { createConnectionRows } from "@qiao/db/testing";
import { DEFAULT_ALERT_RECEIVER_CONFIG as SIM } from "@qiao/simulators";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { alertRecordsDeadLettered, alertRunFinished, checkStaleSchemes, checkWorkersAlive, flushAlertDigests, sendTestAlert } from "./alerts";
import { openAlertTestBed, type AlertTestBed } from "./testing/fixtures";

let bed: AlertTestBed;
let channelId: string;
let schemeId: string;

beforeAll(async () => {
  bed = await openAlertTestBed("alerts");
  const channel = await createAlertChannel(bed.db, {
    kind: "dingtalk",
    name: "运维群",
    settings: { msgtype: "markdown" },
    secrets: { url: `${bed.receiverUrl}/robot/send?access_token=${SIM.dingtalkToken}`, secret: SIM.dingtalkSecret },
  });
  channelId = channel.id;
  schemeId = (await bed.db.scheme.create({ data: { name: "店铺 → 客户", definition: {} } })).id;
});
afterAll(() => bed?.close());
beforeEach(async () => {
  bed.receiver.inbox.reset();
  await bed.db.alertRule.deleteMany();
});

const dingtalkAlerts = () => bed.receiver.inbox.summary("dingtalk").alerts.map((a) => (a.body as { markdown: { title: string; text: string } }).markdown);

async function rule(kind: AlertRuleKind, threshold = 1, scheme: string | null = null) {
  return createAlertRule(bed.db, { name: `规则 ${kind}`, kind, schemeId: scheme, threshold, channelIds: [channelId] });
}

async function finishedRun(status: "failed" | "partial" | "succeeded", failed: number, trigger: "manual" | "test" = "manual"): Promise<RunModel> {
  const run = await bed.db.run.create({
    data: {
      schemeId,
      schemeVersion: 1,
      trigger,
      status,
      fetched: 10,
      written: 10 - failed,
      failed,
      finishedAt: new Date(),
      ...(status === "failed" && { errorMessage: { code: "run.failed", params: { error: "金蝶登录失败" } } }),
    },
  });
  for (let i = 0; i < failed; i++) {
    await bed.db.runRecord.create({ data: { runId: run.id, sourceRecordId: BigInt(i + 1), sourceId: `S00${i}`, status: "failed", error: `编码 S00${i} 已经被使用`, payload: {} } });
  }
  return run;
}

describe("run rules", () => {
  test("a failed run sends one signed message with counts, the first errors and a link to the run", async () => {
    await rule("run_failed");
    const run = await finishedRun("failed", 4);
    expect(await alertRunFinished(bed.deps, run)).toEqual([{ channelId, ok: true }]);
    const [md] = dingtalkAlerts();
    expect(bed.receiver.inbox.summary().alerts[0]!.signed).toBe(true);
    expect(md!.title).toContain("集成方案「店铺 → 客户」运行失败");
    expect(md!.text).toContain("读取 10 条，写入 6 条，失败 4 条");
    expect(md!.text).toContain(`http://qiao.example/runs/${run.id}`);
    expect(md!.text).toContain("2. 记录 S000：编码 S000 已经被使用");
    expect(md!.text).toContain("1. 运行失败：金蝶登录失败");
    expect(md!.text).not.toContain("run.failed");
    expect(md!.text.match(/- \d\. /g)).toHaveLength(3);

    // A second failure inside the window waits for the digest, which the tick sends once it ended.
    const second = await finishedRun("failed", 1);
    expect(await alertRunFinished(bed.deps, second)).toEqual([]);
    expect(dingtalkAlerts()).toHaveLength(1);
    expect(await flushAlertDigests(bed.deps)).toEqual([]);
    expect(await flushAlertDigests(bed.deps, new Date(Date.now() + 15 * 60_000 + 1000))).toHaveLength(1);
    expect(dingtalkAlerts()[1]!.title).toContain("告警窗口内 1 次");
    expect(dingtalkAlerts()[1]!.text).toContain(second.id);
  });

  test("partial runs raise only rules whose threshold they reach; test runs and successes raise nothing", async () => {
    await rule("run_partial", 3);
    expect(await alertRunFinished(bed.deps, await finishedRun("partial", 2))).toEqual([]);
    expect(await alertRunFinished(bed.deps, await finishedRun("partial", 3, "test"))).toEqual([]);
    expect(await alertRunFinished(bed.deps, await finishedRun("succeeded", 0))).toEqual([]);
    expect(await alertRunFinished(bed.deps, await finishedRun("partial", 3))).toHaveLength(1);
    expect(dingtalkAlerts()[0]!.title).toContain("运行部分失败：3 条记录失败");
  });

  test("a run that stopped waiting for unknown outcomes (partial, none failed) raises run_partial rules whatever their threshold", async () => {
    // Session 33's audit: its records are unknown, not failed, so no threshold on failures was met.
    await rule("run_partial", 3);
    const gaveUp = message("run.outcomesGaveUp", { count: 50, since: "10:00:00", minutes: 60 });
    const run = await bed.db.run.create({
      data: { schemeId, schemeVersion: 1, trigger: "schedule", status: "partial", fetched: 100, written: 50, unknown: 50, failed: 0, error: render(gaveUp), errorMessage: gaveUp as object, finishedAt: new Date() },
    });
    expect(await alertRunFinished(bed.deps, run)).toEqual([{ channelId, ok: true }]);
    const [md] = dingtalkAlerts();
    expect(md!.title).toContain("运行部分失败：0 条记录失败，50 条结果待确认");
    expect(md!.text).toContain("待确认 50 条");
    expect(md!.text).toContain("50 条记录的写入结果自 10:00:00 起已等待核对超过 60 分钟仍未确认");
  });

  test("a rule of another scheme does not fire", async () => {
    const other = await bed.db.scheme.create({ data: { name: "别的方案", definition: {} } });
    await rule("run_failed", 1, other.id);
    expect(await alertRunFinished(bed.deps, await finishedRun("failed", 0))).toEqual([]);
  });
});

test("records dead-lettered (the retry policy's seam) reach rules by count", async () => {
  await rule("records_dead_lettered", 5);
  expect(await alertRecordsDeadLettered(bed.deps, { schemeId, count: 4 })).toEqual([]);
  expect(await alertRecordsDeadLettered(bed.deps, { schemeId, count: 7, errors: ["金蝶：物料不存在"] })).toHaveLength(1);
  expect(dingtalkAlerts()[0]!.title).toContain("7 条记录进入死信");
  expect(dingtalkAlerts()[0]!.text).toContain("金蝶：物料不存在");
});

test("a stale scheme is alerted once per stale stretch", async () => {
  const quiet = await bed.db.scheme.create({ data: { name: "安静的方案", definition: {} } });
  await rule("scheme_stale", 2, quiet.id);
  const created = quiet.createdAt;
  const at = (h: number) => new Date(created.getTime() + h * 3600_000);
  expect(await checkStaleSchemes(bed.deps, at(1))).toEqual([]);
  expect(await checkStaleSchemes(bed.deps, at(3))).toHaveLength(1);
  expect(await checkStaleSchemes(bed.deps, at(5))).toEqual([]);
  expect(dingtalkAlerts()[0]!.title).toContain("已 3 小时没有成功运行");
});

test("the stale check follows the schemes expected to run: run after another without a schedule of its own, by hand only when a rule names it, not a paused schedule", async () => {
  // As the editor saves them: `enabled` is the run schedule's switch, false without a schedule.
  const unscheduled = { enabled: false, cron: null };
  const downstream = await bed.db.scheme.create({ data: { name: "下游：运行顺序", definition: { runAfter: [schemeId] }, ...unscheduled } });
  const byHand = await bed.db.scheme.create({ data: { name: "只手动运行", definition: {}, ...unscheduled } });
  const paused = await bed.db.scheme.create({ data: { name: "已暂停", definition: {}, enabled: false, cron: "0 2 * * *" } });
  const at = new Date(Math.max(downstream.createdAt.getTime(), byHand.createdAt.getTime(), paused.createdAt.getTime()) + 3 * 3600_000);
  const staleIds = async () =>
    (await checkStaleSchemes(bed.deps, at)).length > 0 ? dingtalkAlerts().map((a) => a.title) : [];

  // A rule for every scheme: the run-after scheme is checked, the one run by hand and the paused one are not.
  await rule("scheme_stale", 2);
  const titles = await staleIds();
  expect(titles.some((t) => t.includes("下游：运行顺序"))).toBe(true);
  expect(titles.some((t) => t.includes("只手动运行") || t.includes("已暂停"))).toBe(false);

  // A rule naming the scheme run by hand checks it; one naming the paused scheme does not.
  await bed.db.alertRule.deleteMany();
  bed.receiver.inbox.reset();
  await rule("scheme_stale", 2, byHand.id);
  await rule("scheme_stale", 2, paused.id);
  const named = await staleIds();
  expect(named.filter((t) => t.includes("只手动运行"))).toHaveLength(1);
  expect(named.some((t) => t.includes("已暂停"))).toBe(false);
  await bed.db.scheme.deleteMany({ where: { id: { in: [downstream.id, byHand.id, paused.id] } } });
});

test("a schedule paused for days and switched on again is not alerted stale before it had a chance to run (session 19)", async () => {
  const ids = { sourceConnectionId: "00000000-0000-4000-8000-000000000001", targetConnectionId: "00000000-0000-4000-8000-000000000002" };
  await createConnectionRows(bed.db, ids);
  const hourly = (enabled: boolean): SchemeDefinition => ({ ...seedSchemeDefinition(ids), schedule: { cron: "0 * * * *", enabled } });
  const now = Date.now();
  const hoursAgo = (h: number) => new Date(now - h * 3600_000);
  const staleTitles = async (at: Date) => {
    bed.receiver.inbox.reset();
    await checkStaleSchemes(bed.deps, at);
    return dingtalkAlerts().map((a) => a.title);
  };
  // Two hourly syncs that ran fine until they were paused for the 金蝶 upgrade four days ago: one
  // with the list's switch (no new version), one by saving its definition with the schedule off.
  const schemes = [];
  for (const name of ["暂停后恢复（开关）", "暂停后恢复（保存）"]) {
    const scheme = await insertScheme(bed.db, { name, description: "", definition: hourly(true) }, "u1");
    await bed.db.scheme.update({ where: { id: scheme.id }, data: { createdAt: hoursAgo(400) } });
    await bed.db.run.create({
      data: { schemeId: scheme.id, schemeVersion: 1, trigger: "schedule", status: "succeeded", createdAt: hoursAgo(100), startedAt: hoursAgo(100), finishedAt: hoursAgo(100) },
    });
    await rule("scheme_stale", 24, scheme.id);
    schemes.push(scheme);
  }
  const [switched, saved] = schemes as [(typeof schemes)[number], (typeof schemes)[number]];
  await changeScheme(bed.db, switched.id, { enabled: false });
  await insertSchemeVersion(bed.db, saved.id, { definition: hourly(false) }, "u1");
  // Paused: no check meanwhile.
  expect(await staleTitles(new Date(now))).toEqual([]);

  // … and switched on again just now. A minute later their hourly cron has not fired yet: the pause
  // must not count as 100 hours without a success the moment the schedule is back.
  await changeScheme(bed.db, switched.id, { enabled: true });
  await insertSchemeVersion(bed.db, saved.id, { definition: hourly(true) }, "u1");
  expect(await staleTitles(new Date(Date.now() + 60_000))).toEqual([]);
  // Switching on what is already on, or saving another version, does not move the count again.
  const on = (await bed.db.scheme.findUniqueOrThrow({ where: { id: switched.id } })).automationOnSince;
  await changeScheme(bed.db, switched.id, { enabled: true });
  await insertSchemeVersion(bed.db, saved.id, { definition: { ...hourly(true), timezone: "UTC" } }, "u1");
  expect((await bed.db.scheme.findUniqueOrThrow({ where: { id: switched.id } })).automationOnSince).toEqual(on);

  // Still no success a day after it was switched on: stale, counted from then (24 h, not 124).
  const titles = await staleTitles(new Date(Date.now() + 25 * 3600_000));
  expect(titles).toHaveLength(2);
  expect(titles.every((t) => t.includes("已 25 小时没有成功运行"))).toBe(true);
  await bed.db.scheme.deleteMany({ where: { id: { in: [switched.id, saved.id] } } });
});

test("too few workers alive is alerted once when a second tick still sees it, again after they were back", async () => {
  await rule("no_worker", 2);
  const t0 = Date.now();
  // The first tick may fall in a restart (a clean stop drops its heartbeat before the new one beats).
  expect(await checkWorkersAlive(bed.deps, 1, new Date(t0))).toEqual([]);
  expect(await checkWorkersAlive(bed.deps, 1, new Date(t0 + 60_000))).toHaveLength(1);
  expect(await checkWorkersAlive(bed.deps, 1, new Date(t0 + 120_000))).toEqual([]);
  expect(await checkWorkersAlive(bed.deps, 2, new Date(t0 + 180_000))).toEqual([]);
  expect(await checkWorkersAlive(bed.deps, 0, new Date(t0 + 20 * 60_000))).toEqual([]);
  expect(await checkWorkersAlive(bed.deps, 0, new Date(t0 + 21 * 60_000))).toHaveLength(1);
  expect(dingtalkAlerts()[0]!.title).toContain("存活的 worker 只有 1 个");
});

test("a failing channel records its failure on the channel and throws nothing; a success clears the count", async () => {
  const broken = await createAlertChannel(bed.db, { kind: "wecom", name: "坏的", settings: {}, secrets: { url: `${bed.receiverUrl}/cgi-bin/webhook/send?key=wrong` } });
  await createAlertRule(bed.db, { name: "失败", kind: "run_failed", schemeId: null, threshold: 0, channelIds: [broken.id, channelId] });
  const results = await alertRunFinished(bed.deps, await finishedRun("failed", 0));
  expect(results.map((r) => r.ok).sort()).toEqual([false, true]);
  const row = await getAlertChannel(bed.db, broken.id);
  expect(row).toMatchObject({ failureCount: 1 });
  expect(row!.lastError).toContain("93000");
  expect(row!.lastErrorAt).toBeInstanceOf(Date);

  bed.receiver.inbox.config = { ...SIM, wecomKey: "wrong" };
  expect(await sendTestAlert(bed.deps, row!)).toEqual({ channelId: broken.id, ok: true });
  expect(await getAlertChannel(bed.db, broken.id)).toMatchObject({ failureCount: 0 });
  bed.receiver.inbox.config = { ...SIM };
});
