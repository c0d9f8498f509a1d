// A connection test's result (连接成功 / 连接失败 on the connections page) is said in the page's
// language: what the connector found (金蝶's data center, 管易云's shops), and why it failed. Before,
// an English page read "登录成功（数据中心 …）". Against the simulators on 127.0.0.1.
import { createGuanyiSimulator, createKingdeeSimulator } from "@qiao/simulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

const KINGDEE = { authType: "password", acctId: "qiao-demo", username: "administrator", password: "888888" };
const GUANYI = { appkey: "112194", sessionkey: "754a424bb6874a1fb8a7371f05e83974", secret: "7d3330562019420da7f3098aa630556b" };
const SHOPS = 7;
const en = { "accept-language": "en" };

const kingdeeSim = createKingdeeSimulator({});
const guanyiSim = createGuanyiSimulator({ shops: SHOPS, seed: 5 });
let kingdeeUrl = "";
let guanyiUrl = "";
let bed: RouteBed;

beforeAll(async () => {
  kingdeeUrl = await kingdeeSim.listen(0);
  guanyiUrl = await guanyiSim.listen(0, "127.0.0.1");
  bed = await openRouteBed("conntest", "admin", { QIAO_ALLOW_PRIVATE_TARGETS: "true" });
}, 120_000);

afterAll(async () => {
  await bed?.close();
  await kingdeeSim.close();
  await guanyiSim.close();
});

type Result = { ok: boolean; message: string; kind?: string };

/** Saves a connection, then tests it with `typed` laid over what is stored, in zh-CN (by default) and in English. */
async function testedInBoth(platform: string, baseUrl: string, credentials: Record<string, unknown>, typed: Record<string, unknown> = {}) {
  const { POST: create } = await import("../../route");
  const { POST } = await import("./route");
  const created = await bed.call(create, "/api/connections", { body: { platform, name: `${platform}-${Date.now()}`, baseUrl, credentials } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = (created.body as { id: string }).id;
  const init = { body: { credentials: typed }, params: { id } };
  const zh = await bed.call(POST, `/api/connections/${id}/test`, init);
  const english = await bed.call(POST, `/api/connections/${id}/test`, { ...init, headers: en });
  expect([zh.status, english.status]).toEqual([200, 200]);
  return { zh: zh.body as unknown as Result, en: english.body as unknown as Result };
}

describe("POST /api/connections/:id/test answers in the caller's language", { timeout: 60_000 }, () => {
  it("金蝶: logged in, naming the data center", async () => {
    const { zh, en: english } = await testedInBoth("kingdee", kingdeeUrl, KINGDEE);
    expect(zh).toMatchObject({ ok: true, message: "已登录数据中心 桥演示数据中心（qiao-demo）" });
    expect(english).toMatchObject({ ok: true, message: 'logged in to data center "桥演示数据中心" (qiao-demo)' });
  });

  it("金蝶: a refused password, in the connector's words or, in English, by platform, kind and code", async () => {
    const { zh, en: english } = await testedInBoth("kingdee", kingdeeUrl, KINGDEE, { password: "wrong" });
    expect(zh).toMatchObject({ ok: false, kind: "auth", message: "金蝶登录失败：用户名或密码错误！（请检查数据中心ID、用户名和密码）" });
    expect(english).toMatchObject({ ok: false, kind: "auth", message: "kingdee call failed (auth), code 0" });
  });

  it("管易云: connected, counting the shops", async () => {
    const { zh, en: english } = await testedInBoth("guanyi", guanyiUrl, GUANYI);
    expect(zh).toMatchObject({ ok: true, message: `共 ${SHOPS} 个店铺` });
    expect(english).toMatchObject({ ok: true, message: `${SHOPS} shops in all` });
  });
});
