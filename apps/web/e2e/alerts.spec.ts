// Alerts (告警, issue #14 item 2): a 钉钉 channel pointing at the simulators' receiver, 发送测试,
// a rule on a scheme whose run fails records; the receiver then holds exactly one signed alert for
// that run, and a second failing run inside the rate window sends nothing more. Bad input (an
// address the policy refuses, an SMTP server refusing the login, a negative threshold) is refused
// with a clear error and saves nothing. Secrets never come back.
import { randomBytes } from "node:crypto";
import type { APIRequestContext } from "@playwright/test";
import { expect, signedIn, test } from "./fixtures";
import { ALERTS_SMTP_PORT, ALERTS_URL, bearer, schemeWithTakenNumbers } from "./helpers";
import { registerSecrets } from "./leaks";

const SCREENSHOTS = new URL("../test-results/screenshots/", import.meta.url).pathname;
const PREFIX = `A${Date.now().toString(36).slice(-4).toUpperCase()}-`;
const TOKEN = `e2e-robot-${randomBytes(8).toString("hex")}`;
const SECRET = `SECe2e${randomBytes(12).toString("hex")}`;

interface Received {
  channel: string;
  signed: boolean;
  body: { msgtype: string; markdown?: { title: string; text: string } };
}

async function received(request: APIRequestContext): Promise<Received[]> {
  const res = await request.get(`${ALERTS_URL}/__admin/alerts?channel=dingtalk`);
  expect(res.ok()).toBeTruthy();
  return ((await res.json()) as { alerts: Received[] }).alerts;
}

test.beforeAll(async ({ request }) => {
  registerSecrets([TOKEN, SECRET]);
  expect((await request.post(`${ALERTS_URL}/__admin/alerts/config`, { data: { dingtalkToken: TOKEN, dingtalkSecret: SECRET } })).ok()).toBeTruthy();
  expect((await request.post(`${ALERTS_URL}/__admin/alerts/reset`)).ok()).toBeTruthy();
});

test("a 钉钉 channel: 发送测试, then one signed alert per failing run and none more within the window", async ({ page, request }) => {
  test.setTimeout(150_000);
  const name = `e2e 告警 ${PREFIX}`;
  const { schemeId } = await schemeWithTakenNumbers(request, name, PREFIX, 2);

  await signedIn(page);
  await page.goto("/settings");
  await page.getByRole("button", { name: "添加渠道" }).click();
  const form = page.getByTestId("alert-channel-form");
  await form.getByLabel("名称").fill(`钉钉 ${PREFIX}`);
  await form.getByLabel("Webhook 网址").fill(`${ALERTS_URL}/robot/send?access_token=${TOKEN}`);
  await form.getByLabel("加签密钥（SEC 开头，可选）").fill(SECRET);
  await form.getByRole("button", { name: "保存" }).click();
  const row = page.getByTestId("alert-channel-row").filter({ hasText: `钉钉 ${PREFIX}` });
  await expect(row).toBeVisible();
  // Where it sends, without the token; the token and secret are never shown again.
  await expect(row).toContainText(`${ALERTS_URL}/robot/send`);
  await expect(page.locator("body")).not.toContainText(TOKEN);

  await row.getByRole("button", { name: "发送测试" }).click();
  await expect(page.getByTestId("alert-test-result")).toHaveAttribute("data-ok", "true");
  await expect(page.getByTestId("alert-test-result")).toContainText("测试消息已发送");
  await expect.poll(async () => (await received(request)).length).toBe(1);
  expect((await received(request))[0]).toMatchObject({ signed: true, body: { msgtype: "markdown", markdown: { title: "【桥 Qiao】告警渠道测试" } } });

  // A rule for this scheme: a run with at least one failed record.
  const ruleForm = page.getByTestId("alert-rule-form");
  await ruleForm.getByLabel("条件").selectOption({ label: "运行部分失败" });
  await ruleForm.getByLabel("集成方案").selectOption({ label: name });
  await ruleForm.getByLabel("失败记录至少（条）").fill("1");
  await ruleForm.getByLabel(`钉钉 ${PREFIX}`).check();
  await ruleForm.getByRole("button", { name: "添加" }).click();
  await expect(page.getByTestId("alert-rule-row").filter({ hasText: name })).toBeVisible();

  // Run the scheme: two records fail (their numbers are taken in 金蝶).
  const started = await request.post(`/api/schemes/${schemeId}/runs`, { headers: bearer });
  expect(started.status()).toBe(202);
  const runId = ((await started.json()) as { run: { id: string } }).run.id;
  await page.goto(`/runs/${runId}`);
  await expect(page.getByTestId("run-view").getByTestId("run-status").first()).toHaveAttribute("data-status", "partial", { timeout: 60_000 });

  await expect.poll(async () => (await received(request)).length, { timeout: 20_000 }).toBe(2);
  const alert = (await received(request))[1]!;
  expect(alert.signed).toBe(true);
  expect(alert.body.markdown!.title).toContain(`集成方案「${name}」运行部分失败：2 条记录失败`);
  expect(alert.body.markdown!.text).toContain(`/runs/${runId}`);
  expect(alert.body.markdown!.text).toContain("已经被使用");

  // A second failing run inside the 15-minute window: its event waits for the digest.
  const again = await request.post(`/api/schemes/${schemeId}/runs`, { headers: bearer });
  expect(again.status()).toBe(202);
  const secondId = ((await again.json()) as { run: { id: string } }).run.id;
  await expect
    .poll(async () => ((await (await request.get(`/api/runs/${secondId}`, { headers: bearer })).json()) as { run: { status: string } }).run.status, { timeout: 60_000 })
    .toMatch(/^(succeeded|partial|failed)$/);
  await page.waitForTimeout(3_000);
  const all = await received(request);
  expect(all).toHaveLength(2);
  expect(all.filter((a) => a.body.markdown?.text.includes(runId))).toHaveLength(1);

  await page.goto("/settings");
  await expect(page.getByTestId("alert-channel-row").filter({ hasText: `钉钉 ${PREFIX}` }).getByTestId("alert-channel-status")).toContainText("上次发送成功");
  await page.screenshot({ path: `${SCREENSHOTS}alerts-settings.png`, fullPage: true });
});

test("bad input is refused with a clear error and saves nothing", async ({ request }) => {
  const count = async () => ((await (await request.get("/api/alert-channels", { headers: bearer })).json()) as { channels: unknown[] }).channels.length;
  const before = await count();

  // The cloud metadata address is refused whatever the policy allows (nothing is sent there).
  const refused = await request.post("/api/alert-channels", { headers: bearer, data: { kind: "webhook", name: "元数据", url: "http://169.254.169.254/latest" } });
  expect(refused.status()).toBe(400);
  const refusedBody = (await refused.json()) as { error: { message: string; issues: { path: string[] }[] } };
  expect(refusedBody.error.message).toContain("元数据");
  expect(refusedBody.error.issues[0]!.path).toEqual(["url"]);

  // An SMTP server that refuses the login, checked on save.
  const password = `wrong-${randomBytes(6).toString("hex")}`;
  registerSecrets([password]);
  const smtp = await request.post("/api/alert-channels", {
    headers: bearer,
    data: { kind: "email", name: "邮件", host: "127.0.0.1", port: ALERTS_SMTP_PORT, secure: false, user: "alerts@qiao.local", password, from: "qiao@qiao.local", to: ["ops@qiao.local"] },
  });
  expect(smtp.status()).toBe(400);
  expect(((await smtp.json()) as { error: { message: string } }).error.message).toContain("拒绝了登录");

  const notUrl = await request.post("/api/alert-channels", { headers: bearer, data: { kind: "dingtalk", name: "钉钉", url: "oapi.dingtalk.com" } });
  expect(notUrl.status()).toBe(400);
  expect(await count()).toBe(before);

  const channel = await request.post("/api/alert-channels", { headers: bearer, data: { kind: "wecom", name: `企业微信 ${PREFIX}`, url: `${ALERTS_URL}/cgi-bin/webhook/send?key=qiao-sim-wecom-key` } });
  expect(channel.status()).toBe(201);
  const channelBody = (await channel.json()) as { id: string; secretsSet: { url: boolean }; displayUrl: string };
  expect(channelBody.secretsSet.url).toBe(true);
  expect(JSON.stringify(channelBody)).not.toContain("qiao-sim-wecom-key");

  const rules = async () => ((await (await request.get("/api/alert-rules", { headers: bearer })).json()) as { rules: unknown[] }).rules.length;
  const rulesBefore = await rules();
  const negative = await request.post("/api/alert-rules", { headers: bearer, data: { name: "负数", kind: "run_partial", threshold: -1, channelIds: [channelBody.id] } });
  expect(negative.status()).toBe(400);
  const negativeBody = (await negative.json()) as { error: { issues: { path: string[]; message: string }[] } };
  expect(negativeBody.error.issues[0]).toMatchObject({ path: ["threshold"], message: "阈值不能为负数" });
  expect(await rules()).toBe(rulesBefore);
  await request.delete(`/api/alert-channels/${channelBody.id}`, { headers: bearer });
});
