// The API answers an English page in English (session 27's UI audit). The client sends `accept-language: en` (the
// page's <html lang>) and shows error.message and each issue's text (messageEn when there is one) as
// they come: the English UI must not show Chinese for a scheme that is gone, an email that is taken,
// a malformed email, a scheme file refused by the import dialog, or any other refusal a route words
// itself (retries, cancels, tokens, connections, value maps, alerts …); the names people
// gave stay as they were typed, in quotes. Session 33's audit found refinements worded with a plain
// Chinese string (a token's expiry in the past, a user edit that changes nothing) shown in Chinese:
// fromZodError has no English for a custom issue but the one its params carry.
import { randomUUID } from "node:crypto";
import { seedSchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";
import { CJK, type ApiError } from "./errors";

let bed: RouteBed;
const en = { "accept-language": "en" };

beforeAll(async () => {
  bed = await openRouteBed("enerrors", "admin");
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

type Body = { error?: { message?: string; issues?: { message: string; messageEn?: string }[] } };
const texts = (body: Body) => [body.error?.message ?? "", ...(body.error?.issues ?? []).map((i) => i.messageEn ?? i.message)];
/** The Chinese an English page would show, but for the names people gave ("quoted" in English texts). */
const chineseIn = (body: unknown) => texts(body as Body).map((t) => t.replace(/"[^"]*"/g, '""')).filter((t) => CJK.test(t));
const messageOf = (body: unknown) => (body as Body).error?.message;

/** Calls `route` twice, by default (zh-CN) and in English: both with `status`; the Chinese text as before, no Chinese in English. */
async function refusedInBoth(route: unknown, path: string, init: Parameters<RouteBed["call"]>[2], status: number, zh: string | RegExp) {
  const chinese = await bed.call(route, path, init);
  const english = await bed.call(route, path, { ...init, headers: { ...init?.headers, ...en } });
  expect([chinese.status, english.status], `${path} ${JSON.stringify(english.body)}`).toEqual([status, status]);
  if (typeof zh === "string") expect(messageOf(chinese.body), path).toBe(zh);
  else expect(messageOf(chinese.body), path).toMatch(zh);
  expect(chineseIn(english.body), path).toEqual([]);
  return messageOf(english.body);
}

describe("errors shown to an English page", { timeout: 60_000 }, () => {
  it("a scheme, a connection or a run that does not exist", async () => {
    const id = randomUUID();
    const { GET: scheme } = await import("@/app/api/schemes/[id]/route");
    const { GET: connection } = await import("@/app/api/connections/[id]/route");
    const { GET: run } = await import("@/app/api/runs/[id]/route");
    for (const [route, path] of [[scheme, "schemes"], [connection, "connections"], [run, "runs"]] as const) {
      const res = await bed.call(route, `/api/${path}/${id}`, { headers: en, params: { id } });
      expect(res.status).toBe(404);
      expect(texts(res.body as Body).filter((t) => CJK.test(t)), `/api/${path}/:id`).toEqual([]);
    }
  });

  it("adding a user whose email is taken, or malformed", async () => {
    const { POST } = await import("@/app/api/users/route");
    const user = { email: `taken-${Date.now()}@route.test`, name: "taken", password: "a-long-password-1", role: "viewer" };
    expect((await bed.call(POST, "/api/users", { body: user, headers: en })).status).toBe(201);
    const taken = await bed.call(POST, "/api/users", { body: user, headers: en });
    expect(taken.status).toBe(409);
    expect(texts(taken.body as Body).filter((t) => CJK.test(t))).toEqual([]);
    const malformed = await bed.call(POST, "/api/users", { body: { ...user, email: "not-an-email" }, headers: en });
    expect(malformed.status).toBe(400);
    expect(texts(malformed.body as Body).filter((t) => CJK.test(t))).toEqual([]);
  });

  it("importing a scheme file whose scheme has an error", async () => {
    const { POST } = await import("@/app/api/schemes/import/route");
    const conn = (platform: string, name: string) =>
      bed.prisma.connection.create({ data: { platform, name, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" } });
    const source = await conn("guanyi", "guanyi");
    const target = await conn("kingdee", "kingdee");
    const seed = seedSchemeDefinition({ sourceConnectionId: source.id, targetConnectionId: target.id });
    const file = (definition: object, runAfter: string[] = []) => ({
      format: "qiao.scheme/v1",
      exportedAt: new Date().toISOString(),
      name: `refused-${Date.now()}`,
      description: "",
      definition,
      connections: [
        { id: source.id, platform: "guanyi", name: "guanyi" },
        { id: target.id, platform: "kingdee", name: "kingdee" },
      ],
      valueMaps: [],
      runAfter,
    });
    const mapping = (n: (typeof seed.nodes)[number]) => (n as { config: { mapping: Record<string, string> } }).config.mapping;
    // A value map neither here nor in the file (importWithValueMaps); a run-after scheme not here (bindConnections).
    const unknownMap = { ...seed, nodes: seed.nodes.map((n) => (n.type === "target" ? { ...n, config: { ...n.config, mapping: { ...mapping(n), FDescription: "{{note | map('no-such-map')}}" } } } : n)) };
    for (const body of [file(unknownMap), file(seed, ["no-such-scheme"])]) {
      const zh = await bed.call(POST, "/api/schemes/import", { body });
      const english = await bed.call(POST, "/api/schemes/import", { body, headers: en });
      expect([zh.status, english.status], JSON.stringify(english.body)).toEqual([400, 400]);
      expect((zh.body as Body).error?.message).toMatch(/^方案有 1 处错误，未导入：.*no-such-/);
      expect((english.body as Body).error?.message).toMatch(/^The scheme has 1 error and was not imported: .*no-such-/);
      expect(texts(english.body as Body).filter((t) => CJK.test(t))).toEqual([]);
    }
    expect(await bed.prisma.scheme.count({ where: { name: { startsWith: "refused-" } } })).toBe(0);

    // Saving the same scheme (POST /api/schemes) is refused in the page's language too.
    const { POST: create } = await import("@/app/api/schemes/route");
    const body = { name: `refused-save-${Date.now()}`, definition: unknownMap };
    const zh = await bed.call(create, "/api/schemes", { body });
    const english = await bed.call(create, "/api/schemes", { body, headers: en });
    expect([zh.status, english.status], JSON.stringify(english.body)).toEqual([400, 400]);
    expect((zh.body as Body).error?.message).toMatch(/^方案有 1 处错误，未保存：.*no-such-map/);
    expect((english.body as Body).error?.message).toMatch(/^The scheme has 1 error and was not saved: .*no-such-map/);
    expect(texts(english.body as Body).filter((t) => CJK.test(t))).toEqual([]);
  });

  it("a value map whose name is taken, whose source values repeat, with too many rows or bytes, or that kept changing", async () => {
    const { POST } = await import("@/app/api/value-maps/route");
    const name = `客户映射 ${Date.now()}`;
    expect((await bed.call(POST, "/api/value-maps", { body: { name } })).status).toBe(201);
    const english = await refusedInBoth(POST, "/api/value-maps", { body: { name } }, 400, `值映射名称 “${name}” 已被使用：请换一个名称`);
    expect(english).toBe(`The value map name "${name}" is taken: choose another name`);

    // What the repository refuses once the request passed the body's checks (two saves racing).
    const { ValueMapDuplicateSource, ValueMapTooManyEntries } = bed.db;
    const { refusingConflicts } = await import("./value-maps");
    const refusal = (error: Error) => refusingConflicts(() => Promise.reject(error)).catch((e: unknown) => e as ApiError);
    const repeated = await refusal(new ValueMapDuplicateSource([{ source: "仓库", rows: [2, 5] }]));
    expect(repeated.textIn("zh-CN")).toBe("源值 “仓库” 重复（第 2、5 行）：每个源值只能出现一次");
    expect(repeated.textIn("en")).toBe('The source value "仓库" is repeated (rows 2, 5): each source value may appear only once');
    expect(repeated.issues[0]).toMatchObject({ path: ["entries", 4, "source"], message: "源值 “仓库” 重复：第 2、5 行", messageEn: 'The source value "仓库" is repeated: rows 2, 5' });
    const tooMany = await refusal(new ValueMapTooManyEntries(10_001));
    expect(tooMany.textIn("zh-CN")).toMatch(/^值映射将有 10001 行，超过上限 \d+ 行，未保存：请删除不用的行$/);
    expect(tooMany.textIn("en")).toMatch(/^The value map would have 10001 rows, more than the limit of \d+, and was not saved/);
    const tooLarge = await refusal(new bed.db.ValueMapTooLarge(16_000_001));
    expect(tooLarge.textIn("zh-CN")).toBe("值映射的行共 16000001 字节（按页面保存时的 JSON 计），超过上限 16000000 字节，未保存：请删除不用的行或缩短过长的值");
    expect(tooLarge.textIn("en")).toMatch(/^The value map's rows would take 16000001 bytes .*more than the limit of 16000000, and were not saved/);
    expect(tooLarge.issues[0]).toMatchObject({ path: ["entries"], messageEn: "A value map's rows take at most 16000000 bytes (these would take 16000001)" });
    const busy = await refusal(new bed.db.ValueMapBusy("m"));
    expect(busy.code).toBe("conflict");
    expect(busy.textIn("en")).toMatch(/^The value map kept being changed by other requests/);
  });

  it("retrying records that are no longer failed, cancelling a run that ended", async () => {
    const scheme = await bed.prisma.scheme.create({ data: { name: `重试 ${Date.now()}`, definition: { nodes: [], edges: [] } } });
    const { POST: retryScheme } = await import("@/app/api/schemes/[id]/retry/route");
    const schemePath = `/api/schemes/${scheme.id}/retry`;
    const params = { id: scheme.id };
    await refusedInBoth(retryScheme, schemePath, { body: {}, params }, 409, "本方案没有失败的记录");
    await refusedInBoth(retryScheme, schemePath, { body: { deadLetters: true }, params }, 409, "本方案没有死信记录");
    await refusedInBoth(retryScheme, schemePath, { body: { ids: ["1"] }, params }, 409, "所选记录已不是失败记录（可能已被重试或写入），请刷新列表");
    await refusedInBoth(retryScheme, schemePath, { body: { ids: ["1"], deadLetters: true }, params }, 409, "所选记录已不在死信中（可能已被重试或写入），请刷新列表");

    const run = await bed.db.createRun(bed.prisma, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
    await bed.prisma.run.update({ where: { id: run.id }, data: { status: "partial", phase: "done", finishedAt: new Date(), failed: 1 } });
    const { POST: retryRun } = await import("@/app/api/runs/[id]/retry/route");
    const { POST: cancel } = await import("@/app/api/runs/[id]/cancel/route");
    const runParams = { id: run.id };
    await refusedInBoth(retryRun, `/api/runs/${run.id}/retry`, { body: {}, params: runParams }, 409, "这次运行没有失败的记录");
    await refusedInBoth(retryRun, `/api/runs/${run.id}/retry`, { body: { recordIds: ["1"] }, params: runParams }, 409, "所选记录不是这次运行的失败记录");
    // The run failed a record that has been written since.
    const record = await bed.prisma.sourceRecord.create({ data: { schemeId: scheme.id, sourceId: "R1", data: {}, payloadHash: "h", status: "written" } });
    await bed.prisma.runRecord.create({ data: { runId: run.id, sourceRecordId: record.id, sourceId: "R1", status: "failed", error: "超时", payload: {} } });
    await refusedInBoth(retryRun, `/api/runs/${run.id}/retry`, { body: {}, params: runParams }, 409, "这次运行的失败记录都已不是失败记录（可能已被重试、写入，或正在核对结果），请刷新列表");
    await refusedInBoth(cancel, `/api/runs/${run.id}/cancel`, { method: "POST", params: runParams }, 409, "运行已经结束，无法取消");
  });

  it("a token above one's own role, and everyone's tokens asked for by a viewer", async () => {
    const viewer = await bed.db.createUser(bed.prisma, { email: `viewer-${Date.now()}@route.test`, name: "viewer", role: "viewer", password: "route-bed-password-1" });
    const { token } = await bed.db.createApiToken(bed.prisma, { userId: viewer.id, name: "viewer", role: "viewer" });
    const asViewer = { authorization: `Bearer ${token}` };
    const { GET, POST } = await import("@/app/api/tokens/route");
    const everyone = await refusedInBoth(GET, "/api/tokens?scope=all", { headers: asViewer }, 403, "只有管理员能查看所有人的令牌");
    expect(everyone).toBe("Only admins can see everyone's tokens");
    const higher = await refusedInBoth(POST, "/api/tokens", { body: { name: "higher", role: "admin" }, headers: asViewer }, 403, "令牌的角色不能高于你自己的角色（查看者）：请选择查看者或更低的角色");
    expect(higher).toBe("A token's role cannot be higher than your own (viewer): choose viewer or a lower role");
  });

  it("deleting a connection a scheme uses, or a scheme that is running or that others run after", async () => {
    const connection = await bed.prisma.connection.create({
      data: { platform: "guanyi", name: `in-use-${Date.now()}`, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" },
    });
    const name = `订单同步 ${Date.now()}`;
    const user = await bed.prisma.scheme.create({ data: { name, definition: { nodes: [{ id: "s", type: "source", config: { connectionId: connection.id } }], edges: [] } } });
    const { DELETE: deleteConnection } = await import("@/app/api/connections/[id]/route");
    const inUse = await refusedInBoth(deleteConnection, `/api/connections/${connection.id}`, { method: "DELETE", params: { id: connection.id } }, 409, `连接正被集成方案使用：${name}。请先修改或删除这些方案。`);
    expect(inUse).toBe(`The connection is used by the scheme "${name}": change or delete it first.`);

    const { DELETE: deleteScheme } = await import("@/app/api/schemes/[id]/route");
    const follower = await bed.prisma.scheme.create({ data: { name: `之后 ${Date.now()}`, definition: { nodes: [], edges: [], runAfter: [user.id] } } });
    const followed = await refusedInBoth(deleteScheme, `/api/schemes/${user.id}`, { method: "DELETE", params: { id: user.id } }, 409, `不能删除：方案 “${follower.name}” 在它之后运行。请先在这些方案的“运行顺序”中去掉它，再删除`);
    expect(followed).toBe(`Cannot delete: the scheme "${follower.name}" runs after this one. Remove it from its run-after order first, then delete it`);
    await bed.db.createRun(bed.prisma, { schemeId: user.id, schemeVersion: 1, trigger: "manual" });
    await refusedInBoth(deleteScheme, `/api/schemes/${user.id}`, { method: "DELETE", params: { id: user.id } }, 409, "方案正在运行：请等运行结束或取消后再删除");
  });

  it("a connection's unknown platform or incomplete credentials", async () => {
    const { POST } = await import("@/app/api/connections/route");
    const body = (platform: string, credentials: object) => ({ body: { platform, name: `c-${Date.now()}`, baseUrl: "http://127.0.0.1:9", credentials } });
    await refusedInBoth(POST, "/api/connections", body("nope", {}), 400, "不支持的平台：nope");
    // A built-in check (appkey: min 1) and a connector's own (金蝶's app login needs an app ID and secret).
    await refusedInBoth(POST, "/api/connections", body("guanyi", { sessionkey: "s", secret: "x" }), 400, "连接信息不完整或不正确");
    const kingdee = await bed.call(POST, "/api/connections", { ...body("kingdee", { authType: "appSecret", acctId: "a", username: "u" }), headers: en });
    expect(kingdee.status).toBe(400);
    expect(chineseIn(kingdee.body)).toEqual([]);
    expect((kingdee.body as Body).error?.issues?.map((i) => i.messageEn)).toEqual(["Enter a valid App ID (LoginByAppSecret)", "Enter a valid App secret (LoginByAppSecret)"]);
  });

  it("a connection's address the outbound policy refuses", async () => {
    const { POST } = await import("@/app/api/connections/route");
    // The metadata service's address literal is refused by the policy itself: nothing is resolved or sent (and a save sends nothing).
    const body = { platform: "guanyi", name: `c-${Date.now()}`, baseUrl: "http://169.254.169.254", credentials: { appkey: "a", sessionkey: "s", secret: "x" } };
    const english = await refusedInBoth(POST, "/api/connections", { body }, 400, "地址 169.254.169.254 属于云服务器元数据服务，始终禁止");
    expect(english).toBe("The address 169.254.169.254 is a cloud metadata service and is always refused");
  });

  it("an alert channel moved to another server or URL without its secret typed again", async () => {
    const { PATCH } = await import("@/app/api/alert-channels/[id]/route");
    const email = await bed.db.createAlertChannel(bed.prisma, {
      kind: "email",
      name: "运维邮件",
      settings: { host: "127.0.0.1", port: 465, secure: true, user: "alerts@corp.local", from: "qiao@corp.local", to: ["ops@corp.local"] },
      secrets: { password: "stored" },
    });
    const moved = { method: "PATCH", body: { port: 587, secure: false }, params: { id: email.id } };
    await refusedInBoth(PATCH, `/api/alert-channels/${email.id}`, moved, 400, "SMTP 服务器、端口、加密方式或用户名已修改：请重新输入密码（保存的密码只会发往保存时的服务器）");
    const webhook = await bed.db.createAlertChannel(bed.prisma, {
      kind: "webhook",
      name: "运维 webhook",
      settings: {},
      secrets: { url: "http://127.0.0.1:9/hooks/old", secret: "stored" },
      displayUrl: "http://127.0.0.1:9/hooks/…",
    });
    const newUrl = { method: "PATCH", body: { url: "http://127.0.0.1:9/hooks/new" }, params: { id: webhook.id } };
    await refusedInBoth(PATCH, `/api/alert-channels/${webhook.id}`, newUrl, 400, "地址已修改：请重新输入签名密钥，或清除它（保存的密钥只用于保存时的地址）");
  });

  it("switching on a scheme without a schedule, a bad reconciliation cron, a run list's unknown cursor", async () => {
    const scheme = await bed.prisma.scheme.create({ data: { name: `无调度 ${Date.now()}`, definition: { nodes: [], edges: [] } } });
    const params = { id: scheme.id };
    const { PATCH } = await import("@/app/api/schemes/[id]/route");
    await refusedInBoth(PATCH, `/api/schemes/${scheme.id}`, { method: "PATCH", body: { enabled: true }, params }, 409, "该方案没有设置定时调度，无需启用：请在编辑器的方案设置里填写定时表达式");
    const { PUT } = await import("@/app/api/schemes/[id]/reconcile-settings/route");
    await refusedInBoth(PUT, `/api/schemes/${scheme.id}/reconcile-settings`, { method: "PUT", body: { cron: "@sometimes", filter: "" }, params }, 400, /^未知的定时宏 “@sometimes”/);
    const { GET } = await import("@/app/api/schemes/[id]/runs/route");
    const cursor = await refusedInBoth(GET, `/api/schemes/${scheme.id}/runs?cursor=${randomUUID()}`, { params }, 400, "分页起点不是本方案的运行（可能已被清理）：请从第一页重新加载");
    expect(cursor).toBe("The cursor is not a run of this scheme (it may have been pruned): load the list again from its first page");
  });

  it("an alert rule naming a scheme or a channel that does not exist", async () => {
    const { POST } = await import("@/app/api/alert-rules/route");
    const rule = (schemeId: string | null) => ({ body: { name: "规则", kind: "run_failed", schemeId, channelIds: [randomUUID()] } });
    await refusedInBoth(POST, "/api/alert-rules", rule(randomUUID()), 400, "所选的集成方案不存在：请重新选择");
    await refusedInBoth(POST, "/api/alert-rules", rule(null), 400, "所选的告警渠道不存在（可能已被删除）：请重新选择");
  });

  it("a token's expiry in the past, a user edit that changes nothing, a run record id out of range, a time in year 0", async () => {
    const { POST: token } = await import("@/app/api/tokens/route");
    await refusedInBoth(token, "/api/tokens", { body: { name: "CI 令牌", expiresAt: "2020-01-01T00:00:00.000Z" } }, 400, "请求内容不正确");
    const user = await bed.db.createUser(bed.prisma, { email: `unchanged-${Date.now()}@route.test`, name: "viewer", role: "viewer", password: "route-bed-password-2" });
    const { PATCH: editUser } = await import("@/app/api/users/[id]/route");
    await refusedInBoth(editUser, `/api/users/${user.id}`, { method: "PATCH", body: {}, params: { id: user.id } }, 400, "请求内容不正确");
    const scheme = await bed.prisma.scheme.create({ data: { name: `记录分页 ${Date.now()}`, definition: { nodes: [], edges: [] } } });
    const run = await bed.prisma.run.create({ data: { schemeId: scheme.id, schemeVersion: 1, trigger: "manual", status: "succeeded" } });
    const { GET: records } = await import("@/app/api/runs/[id]/records/route");
    await refusedInBoth(records, `/api/runs/${run.id}/records?cursor=9999999999999999999`, { params: { id: run.id } }, 400, "查询参数不正确");
    const { GET: reports } = await import("@/app/api/schemes/[id]/reconciliations/route");
    await refusedInBoth(reports, `/api/schemes/${scheme.id}/reconciliations?before=0000-01-01T00:00:00Z`, { params: { id: scheme.id } }, 400, "查询参数不正确");
  });

  it("a request body over the limit", async () => {
    const { POST } = await import("@/app/api/users/route");
    await refusedInBoth(POST, "/api/users", { body: { name: "x".repeat(1_000_001) } }, 413, "请求体超过 1000000 字节，未处理");
  });
});
