// A webhook URL is a secret (sealed, "never shown": docs/alerts.md), but the answer's `displayUrl`
// was scheme + host + PATH, and many webhook receivers carry their token in the path, not the query:
// 飞书 (open.feishu.cn/open-apis/bot/v2/hook/<token>), Slack (hooks.slack.com/services/T…/B…/<secret>),
// Discord (/api/webhooks/<id>/<token>), most n8n / Zapier-style "catch hooks". Any signed-in viewer
// read it from GET /api/alert-channels. The robots (钉钉, 企业微信) carry theirs in the query.
// Nothing is sent here: the channels are created with a loopback IP literal (no DNS), and only read.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CJK } from "@/server/errors";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

// The 飞书 custom-bot format: the whole token is the last path segment.
const HOOK_TOKEN = `${randomBytes(4).toString("hex")}-${randomBytes(2).toString("hex")}-${randomBytes(2).toString("hex")}-${randomBytes(6).toString("hex")}`;
const WEBHOOK_URL = `http://127.0.0.1:9/open-apis/bot/v2/hook/${HOOK_TOKEN}`;

let bed: RouteBed;

beforeAll(async () => {
  bed = await openRouteBed("routewebhook", "admin", { QIAO_ALLOW_PRIVATE_TARGETS: "true" });
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

describe("a webhook URL's token is never returned to the browser", { timeout: 60_000 }, () => {
  it("a viewer listing the alert channels does not get the token in the webhook's path", async () => {
    const { POST, GET } = await import("./route");
    // An admin saves the channel (the URL is sealed as a secret).
    const created = await bed.call(POST, "/api/alert-channels", { body: { kind: "webhook", name: "飞书告警群", url: WEBHOOK_URL } });
    expect(created.status).toBe(201);

    // Any signed-in user may read the channels.
    const viewer = await bed.db.createUser(bed.prisma, { email: `viewer-${Date.now()}@route.test`, name: "viewer", role: "viewer", password: "route-password-1" });
    const { token } = await bed.db.createApiToken(bed.prisma, { userId: viewer.id, name: "viewer", role: "viewer" });
    const listed = await bed.call(GET, "/api/alert-channels", { headers: { authorization: `Bearer ${token}` } });
    expect(listed.status).toBe(200);

    const answer = JSON.stringify(listed.body);
    expect(answer, "the sealed webhook URL's token is in the viewer's answer (displayUrl)").not.toContain(HOOK_TOKEN);
    const channel = (listed.body as unknown as { channels: { id: string; displayUrl: string }[] }).channels.find((c) => c.id === (created.body as { id: string }).id);
    expect(channel?.displayUrl).toBe("http://127.0.0.1:9/…");
  });

  it("the robots' tokens (钉钉 access_token, 企业微信 key, in the query) are not in the answer either; their path is", async () => {
    const { POST } = await import("./route");
    const dingtalkToken = randomBytes(16).toString("hex");
    const wecomKey = randomBytes(16).toString("hex");
    for (const [body, shown] of [
      [{ kind: "dingtalk", name: "钉钉群", url: `http://127.0.0.1:9/robot/send?access_token=${dingtalkToken}` }, "http://127.0.0.1:9/robot/send"],
      [{ kind: "wecom", name: "企业微信群", url: `http://127.0.0.1:9/cgi-bin/webhook/send?key=${wecomKey}` }, "http://127.0.0.1:9/cgi-bin/webhook/send"],
    ] as const) {
      const created = await bed.call(POST, "/api/alert-channels", { body });
      expect(created.status).toBe(201);
      expect((created.body as { displayUrl?: string }).displayUrl).toBe(shown);
      expect(JSON.stringify(created.body)).not.toContain(dingtalkToken);
      expect(JSON.stringify(created.body)).not.toContain(wecomKey);
    }
  });
});

// An email channel's settings are checked with @qiao/alerts' CHANNEL_SCHEMAS (src/server/alert-channels.ts
// `validate`); until session 35 (its audit) without readJson's zh-CN error map, so a field left out was
// refused with zod's English default, as the answer's message and issue on a Chinese page. The check
// refuses before any address is checked or any SMTP server contacted: nothing is sent.
it.each([
  ["without a sender (from)", { host: "127.0.0.1", port: 9, to: ["ops@example.com"] }],
  ["without recipients (to)", { host: "127.0.0.1", port: 9, from: "qiao@example.com" }],
])("an email channel %s: a 400 whose message is Chinese (with English); nothing saved", { timeout: 60_000 }, async (_what, fields) => {
  const { POST } = await import("./route");
  const before = await bed.prisma.alertChannel.count();
  const answer = await bed.call(POST, "/api/alert-channels", { body: { kind: "email", name: "运维邮件", ...fields } });
  expect(answer.status).toBe(400);
  const error = answer.body.error as unknown as { message: string; issues: { message: string; messageEn?: string }[] };
  expect(error.message, `message: ${JSON.stringify(error.message)}`).toMatch(CJK);
  expect(error.issues[0]!.message, `issue: ${JSON.stringify(error.issues[0]!.message)}`).toMatch(CJK);
  expect(error.issues[0]!.messageEn).not.toMatch(CJK);
  expect(await bed.prisma.alertChannel.count()).toBe(before);
});
