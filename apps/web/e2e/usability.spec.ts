// "Every page usable with the keyboard", errors a person can act on in their language (session
// 27's UI audit; each test failed on the defect it names before the fix).
import type { Page } from "@playwright/test";
import { MESSAGES } from "../src/lib/i18n/messages";
import { expect, saveAdminSession, signedIn, test } from "./fixtures";
import { ADMIN_EMAIL, ADMIN_PASSWORD, bearer, prefixedScheme } from "./helpers";

const stamp = Date.now().toString(36).slice(-5);
let seedScheme = "";
let runId = "";

test.beforeAll(async ({ request, baseURL }) => {
  test.setTimeout(120_000);
  const signIn = await request.post("/api/auth/sign-in/email", { headers: { origin: new URL(baseURL!).origin }, data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  expect(signIn.status()).toBe(200);
  await saveAdminSession(request);
  const list = (await (await request.get("/api/schemes", { headers: bearer })).json()) as { schemes: { id: string; name: string }[] };
  seedScheme = list.schemes.find((s) => s.name.startsWith("管易云店铺查询"))!.id;
  // A finished run with written records: the run page's records table.
  const schemeId = await prefixedScheme(request, `e2e 可用性 ${stamp}`, `USE${stamp}-`);
  const started = await request.post(`/api/schemes/${schemeId}/runs`, { headers: bearer });
  expect(started.ok()).toBeTruthy();
  runId = ((await started.json()) as { run: { id: string } }).run.id;
  await expect
    .poll(async () => ((await (await request.get(`/api/runs/${runId}`, { headers: bearer })).json()) as { run: { status: string } }).run.status, { timeout: 60_000 })
    .toMatch(/^(partial|failed|succeeded)$/);
});

async function settled(page: Page, loading = MESSAGES["zh-CN"]["common.loading"]): Promise<void> {
  await expect(page.locator("h1").first()).toBeAttached({ timeout: 30_000 });
  await expect(page.getByText(loading, { exact: true })).toHaveCount(0, { timeout: 30_000 });
  await page.waitForLoadState("networkidle");
}

/** Presses Tab until `done` holds for the focused element; false if it never does. */
async function tabUntil(page: Page, done: string, max = 120): Promise<boolean> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(`(() => { const el = document.activeElement; return !!el && el !== document.body && (${done}); })()`)) return true;
  }
  return false;
}

test("run page: a record's source, payload and answer open with the keyboard", async ({ page }) => {
  await signedIn(page);
  await page.goto(`/runs/${runId}`);
  await settled(page);
  const row = page.getByTestId("record-row").first();
  await expect(row).toBeVisible();
  // The row's ▸ is a button (a click anywhere on the row opens it too).
  const reached = await tabUntil(page, `el.closest('[data-testid="record-row"]') === document.querySelector('[data-testid="record-row"]')`);
  expect(reached, "Tab never reaches the first record's row (or a control in it)").toBe(true);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("record-source").first()).toBeVisible();
});

test("run page: the records' status tabs (role=tablist) move with the arrow keys", async ({ page }) => {
  await signedIn(page);
  await page.goto(`/runs/${runId}`);
  await settled(page);
  await page.getByTestId("records-tab-all").focus();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByTestId("records-tab-all")).not.toBeFocused();
  await expect(page.locator('[role="tablist"] [role="tab"]:focus')).toHaveCount(1);
});

test("editor: a source and a target added with the keyboard can be connected with the keyboard", async ({ page }) => {
  await signedIn(page);
  await page.goto("/schemes/new");
  await settled(page);
  for (const id of ["palette-source-gy.erp.shop.get", "palette-target-batchSave-BD_Customer"]) {
    await page.getByTestId(id).focus();
    await page.keyboard.press("Enter");
  }
  await expect(page.locator(".react-flow__node")).toHaveCount(2);
  if ((await page.locator(".react-flow__edge").count()) > 0) return; // connected on its own
  // Else some control a keyboard reaches must make the edge: a focusable handle, or the node
  // panel's "连线" button.
  await page.locator("body").focus();
  const found = await tabUntil(
    page,
    `el.classList.contains('react-flow__handle') || /连线|连到|连接到/.test((el.getAttribute('aria-label') ?? '') + (el.textContent ?? ''))`,
    200,
  );
  expect(found, "no keyboard-reachable way to connect the source to the target").toBe(true);
});

test("editor: the issue list opens and closes with the keyboard, and an issue picked takes focus to its node's settings; a notice closes with its button", async ({ page }) => {
  await signedIn(page);
  await page.goto("/schemes/new");
  await settled(page);
  // A source and a filter with a rule not filled in: issues of no node (no target) and of a node
  // (the rule's missing field).
  for (const id of ["palette-source-gy.erp.shop.get", "palette-filter"]) {
    await page.getByTestId(id).focus();
    await page.keyboard.press("Enter");
  }
  await page.getByTestId("node-panel").getByRole("button", { name: /添加条件/ }).press("Enter");
  const toggle = page.getByTestId("issues-toggle");
  await expect(toggle).toHaveText(/[2-9] 个问题/);
  await toggle.focus();
  await page.keyboard.press("Enter");
  await expect(toggle).toHaveAttribute("aria-expanded", "true");
  await expect(page.getByTestId("issues-list")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("issues-list")).toHaveCount(0);
  await expect(toggle).toHaveAttribute("aria-expanded", "false");
  await expect(toggle).toBeFocused();

  // An issue of no node: the list closes, focus back on its button.
  await page.keyboard.press("Enter");
  await page.getByTestId("issues-list").getByRole("button").filter({ hasNotText: "[" }).first().press("Enter");
  await expect(page.getByTestId("issues-list")).toHaveCount(0);
  await expect(toggle).toBeFocused();
  // An issue of a node: focus goes to that node's settings.
  await page.keyboard.press("Enter");
  await page.getByTestId("issues-list").getByRole("button").filter({ hasText: "[filter" }).first().press("Enter");
  await expect(page.getByTestId("issues-list")).toHaveCount(0);
  await expect(page.getByTestId("node-panel")).toBeFocused();
  await expect(page.getByTestId("node-panel")).toHaveAttribute("aria-label", /节点 filter.* 的配置/);

  // Saving a scheme with errors says so in a notice; its close button is reached and pressed by keyboard.
  await page.getByRole("button", { name: "保存", exact: true }).press("Enter");
  const notice = page.getByTestId("editor-notice");
  await expect(notice).toBeVisible();
  await page.getByTestId("editor-notice-close").press("Enter");
  await expect(notice).toHaveCount(0);
});

test("schemes: importing a file that is not JSON says so in Chinese, not in JavaScript's English", async ({ page }) => {
  await signedIn(page);
  await page.goto("/schemes");
  await settled(page);
  await page.locator('input[type="file"]').setInputFiles({ name: "方案.json", mimeType: "application/json", buffer: Buffer.from("这不是 JSON") });
  const alert = page.getByRole("alert").filter({ hasText: MESSAGES["zh-CN"]["schemes.importFailed"].split("{")[0]! });
  await expect(alert).toBeVisible();
  await expect(alert).not.toContainText(/Unexpected token|is not valid JSON|SyntaxError/);
});

test("English: a wrong reconciliation cron is explained in English", async ({ page, context, baseURL }) => {
  await context.addCookies([{ name: "qiao-locale", value: "en", url: baseURL! }]);
  const t = MESSAGES.en;
  await signedIn(page);
  await page.goto(`/schemes/${seedScheme}/runs`);
  await settled(page, t["common.loading"]);
  await page.getByText(t["reconcile.settings"], { exact: true }).click();
  await page.getByLabel(t["reconcile.cron"]).fill("every day");
  await page.getByRole("button", { name: t["reconcile.save"] }).click();
  const error = page.locator("#reconcile-cron").locator("xpath=following-sibling::p[@role='alert']");
  await expect(error).toBeVisible();
  await expect(error).not.toHaveText(/[\u3400-\u9fff]/);
});

test("sign-in: a server that cannot be reached, or fails, is not reported as a wrong password", async ({ page }) => {
  const t = MESSAGES["zh-CN"];
  await page.goto("/sign-in");
  await expect(page.getByLabel(t["signIn.email"])).toBeVisible();
  await page.getByLabel(t["signIn.email"]).fill(ADMIN_EMAIL);
  await page.getByLabel(t["signIn.password"]).fill(ADMIN_PASSWORD);
  const alert = page.locator("form").getByRole("alert");
  // Intercepted in the browser: nothing leaves it.
  await page.route("**/api/auth/sign-in/email", (route) => route.abort("connectionrefused"));
  await page.getByRole("button", { name: t["signIn.submit"] }).click();
  await expect(alert).toBeVisible();
  await expect(alert, "the network failed: the password may well be right").not.toHaveText(t["signIn.failed"]);
  await page.unroute("**/api/auth/sign-in/email");
  await page.route("**/api/auth/sign-in/email", (route) => route.fulfill({ status: 500, contentType: "application/json", body: "{}" }));
  await page.getByRole("button", { name: t["signIn.submit"] }).click();
  await expect(alert).toBeVisible();
  await expect(alert, "the server failed: the password may well be right").not.toHaveText(t["signIn.failed"]);
});
