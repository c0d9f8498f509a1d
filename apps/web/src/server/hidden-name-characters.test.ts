// Session 36 (audit of trust and bad input; failing before its fix): the names people give accepted
// bidirectional controls and zero-width characters, which a list shows without a trace while they
// change how the name reads ("发票\u202Efdp.exe" shows as "发票exe.pdf"). Every name field refuses
// them (one rule, @qiao/core refuseHiddenCharacters): a 400 at the name, in both languages, and
// nothing created or changed. Record data and templates keep them.
import { seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
let ids: { sourceConnectionId: string; targetConnectionId: string };

beforeAll(async () => {
  bed = await openRouteBed("hiddennames", "admin");
  const conn = (platform: string, name: string) =>
    bed.prisma.connection.create({ data: { platform, name, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" } });
  ids = { sourceConnectionId: (await conn("guanyi", "管易云")).id, targetConnectionId: (await conn("kingdee", "金蝶")).id };
}, 120_000);
afterAll(() => bed?.close());

/** Every character the rule refuses, each in the middle of a name. */
const HIDDEN = ["\u061c", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2060", "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff"];
const spoofed = (k: number) => {
  const c = HIDDEN[k % HIDDEN.length]!;
  return { name: `发票${c}fdp.exe ${k}`, code: `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}` };
};

type Answer = Awaited<ReturnType<RouteBed["call"]>>;
/** A 400 whose one issue is at `name`, saying which character, in Chinese and English. */
function expectRefusedName(answer: Answer, code: string) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(400);
  const issues = (answer.body.error?.issues ?? []) as { path: unknown[]; message: string; messageEn?: string }[];
  expect(issues).toHaveLength(1);
  expect(issues[0]).toMatchObject({ path: ["name"] });
  const { message, messageEn = "" } = issues[0]!;
  expect(message.startsWith(`名称不能包含看不见的字符或文字方向控制字符（此处有 ${code}，`), message).toBe(true);
  expect(messageEn.startsWith(`A name cannot contain invisible or text-direction control characters (it has ${code},`), messageEn).toBe(true);
}

function withDescription(template: string): SchemeDefinition {
  const seed = seedSchemeDefinition(ids);
  return { ...seed, nodes: seed.nodes.map((n) => (n.type === "target" ? { ...n, config: { ...n.config, mapping: { ...n.config.mapping, FDescription: template } } } : n)) };
}

describe("hidden characters in names", { timeout: 60_000 }, () => {
  it("refuses each of them in a scheme's name, created or renamed; a template keeps them", async () => {
    const { POST } = await import("@/app/api/schemes/route");
    const { PATCH } = await import("@/app/api/schemes/[id]/route");
    for (let k = 0; k < HIDDEN.length; k++) {
      const { name, code } = spoofed(k);
      expectRefusedName(await bed.call(POST, "/api/schemes", { body: { name, definition: seedSchemeDefinition(ids) } }), code);
    }
    expect(await bed.prisma.scheme.count()).toBe(0);
    // Record data is the data's own: a template may write them.
    const created = await bed.call(POST, "/api/schemes", { body: { name: "店铺同步", definition: withDescription("{{name}}\u202e\u200b") } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = (created.body.scheme as { id: string }).id;
    const { name, code } = spoofed(0);
    expectRefusedName(await bed.call(PATCH, `/api/schemes/${id}`, { method: "PATCH", body: { name, description: "改了" }, params: { id } }), code);
    expect(await bed.prisma.scheme.findUniqueOrThrow({ where: { id } })).toMatchObject({ name: "店铺同步", description: "" });
  });

  it("refuses them in a connection's name, created or renamed", async () => {
    const { POST } = await import("@/app/api/connections/route");
    const { PATCH } = await import("@/app/api/connections/[id]/route");
    const { name, code } = spoofed(1);
    const body = { platform: "guanyi", name, baseUrl: "http://127.0.0.1:9", credentials: { appkey: "a", sessionkey: "s", secret: "x" } };
    expectRefusedName(await bed.call(POST, "/api/connections", { body }), code);
    expect(await bed.prisma.connection.count()).toBe(2);
    const id = ids.sourceConnectionId;
    expectRefusedName(await bed.call(PATCH, `/api/connections/${id}`, { method: "PATCH", body: { name }, params: { id } }), code);
    expect((await bed.prisma.connection.findUniqueOrThrow({ where: { id } })).name).toBe("管易云");
  });

  it("refuses them in a value map's name, created or renamed; its entries keep them", async () => {
    const { POST } = await import("@/app/api/value-maps/route");
    const { PATCH } = await import("@/app/api/value-maps/[id]/route");
    const { name, code } = spoofed(2);
    expectRefusedName(await bed.call(POST, "/api/value-maps", { body: { name } }), code);
    expect(await bed.prisma.valueMap.count()).toBe(0);
    const created = await bed.call(POST, "/api/value-maps", { body: { name: "仓库", entries: [{ source: "WH\u200b01", target: "\u202e01" }] } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = (created.body as { id: string }).id;
    expectRefusedName(await bed.call(PATCH, `/api/value-maps/${id}`, { method: "PATCH", body: { name }, params: { id } }), code);
    expect((await bed.prisma.valueMap.findUniqueOrThrow({ where: { id } })).name).toBe("仓库");
  });

  it("refuses them in an alert channel's and an alert rule's name", async () => {
    const { POST: createChannel } = await import("@/app/api/alert-channels/route");
    const { PATCH: editChannel } = await import("@/app/api/alert-channels/[id]/route");
    const { POST: createRule } = await import("@/app/api/alert-rules/route");
    const { PATCH: editRule } = await import("@/app/api/alert-rules/[id]/route");
    const { name, code } = spoofed(3);
    expectRefusedName(await bed.call(createChannel, "/api/alert-channels", { body: { kind: "webhook", name, url: "http://127.0.0.1:9/hook" } }), code);
    expect(await bed.prisma.alertChannel.count()).toBe(0);
    const channel = await bed.db.createAlertChannel(bed.prisma, { kind: "webhook", name: "运维", settings: {}, secrets: { url: "http://127.0.0.1:9/hook" }, displayUrl: "http://127.0.0.1:9/hook" });
    expectRefusedName(await bed.call(editChannel, `/api/alert-channels/${channel.id}`, { method: "PATCH", body: { name }, params: { id: channel.id } }), code);
    expect((await bed.prisma.alertChannel.findUniqueOrThrow({ where: { id: channel.id } })).name).toBe("运维");

    expectRefusedName(await bed.call(createRule, "/api/alert-rules", { body: { name, kind: "run_failed", channelIds: [channel.id] } }), code);
    expect(await bed.prisma.alertRule.count()).toBe(0);
    const rule = await bed.call(createRule, "/api/alert-rules", { body: { name: "失败告警", kind: "run_failed", channelIds: [channel.id] } });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    const ruleId = (rule.body as { id: string }).id;
    expectRefusedName(await bed.call(editRule, `/api/alert-rules/${ruleId}`, { method: "PATCH", body: { name }, params: { id: ruleId } }), code);
    expect((await bed.prisma.alertRule.findUniqueOrThrow({ where: { id: ruleId } })).name).toBe("失败告警");
  });

  it("refuses them in a user's name and an API token's name", async () => {
    const { POST: createUser } = await import("@/app/api/users/route");
    const { PATCH: editUser } = await import("@/app/api/users/[id]/route");
    const { POST: createToken } = await import("@/app/api/tokens/route");
    const { name, code } = spoofed(4);
    const users = await bed.prisma.user.count();
    expectRefusedName(await bed.call(createUser, "/api/users", { body: { email: "spoof@route.test", name, password: "a-long-password-1", role: "viewer" } }), code);
    expect(await bed.prisma.user.count()).toBe(users);
    const user = await bed.db.createUser(bed.prisma, { email: "vera@route.test", name: "Vera", role: "viewer", password: "a-long-password-1" });
    expectRefusedName(await bed.call(editUser, `/api/users/${user.id}`, { method: "PATCH", body: { name, role: "editor" }, params: { id: user.id } }), code);
    expect(await bed.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({ name: "Vera", role: "viewer" });
    const tokens = await bed.prisma.apiToken.count();
    expectRefusedName(await bed.call(createToken, "/api/tokens", { body: { name } }), code);
    expect(await bed.prisma.apiToken.count()).toBe(tokens);
  });
});
