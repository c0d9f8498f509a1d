// The path a new user takes: connections → a scheme built on the canvas → test → save → run →
// history, and the Kingdee simulator holding the customers afterwards.
import type { Page } from "@playwright/test";
import pg from "pg";
import { expect, signedIn, test } from "./fixtures";
import { bearer, connectNodes, e2eDatabaseUrl, GUANYI_URL, KINGDEE_ADMIN, KINGDEE_URL, kingdeeCustomers, signIn } from "./helpers";

// Every run saves the editor and run-page screenshots under test-results/; with
// UPDATE_DOCS_SCREENSHOTS=1 they replace the README's in docs/screenshots/ instead.
const SCREENSHOTS = new URL(
  process.env.UPDATE_DOCS_SCREENSHOTS ? "../../../docs/screenshots/" : "../test-results/screenshots/",
  import.meta.url,
).pathname;

async function createConnection(page: Page, platform: string, name: string, baseUrl: string, fields: Record<string, string>, ok: RegExp) {
  await page.getByRole("button", { name: "新建连接" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("平台").selectOption({ label: platform });
  await dialog.getByLabel("名称").fill(name);
  await dialog.getByLabel("接口地址").fill(baseUrl);
  for (const [label, value] of Object.entries(fields)) await dialog.getByLabel(label, { exact: true }).fill(value);
  await dialog.getByRole("button", { name: "测试连接" }).click();
  await expect(dialog.getByTestId("connection-test-result")).toHaveText(ok);
  await dialog.getByRole("button", { name: "保存" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("connection-card").filter({ hasText: name })).toBeVisible();
}

const stamp = Date.now().toString(36).slice(-5);
const GUANYI = `e2e 管易云 ${stamp}`;
const KINGDEE = `e2e 金蝶 ${stamp}`;

test("build, test, save and run a scheme in the browser", async ({ page, request }) => {
  test.setTimeout(150_000);
  // The Kingdee simulator starts empty, so "holds those customers" counts only this run's.
  expect((await request.post(`${KINGDEE_ADMIN}/reset`)).ok()).toBeTruthy();
  await signIn(page, "/connections");

  await test.step("create both connections", async () => {
    await createConnection(
      page,
      "管易云",
      GUANYI,
      GUANYI_URL,
      { appkey: "112194", sessionkey: "754a424bb6874a1fb8a7371f05e83974", secret: "7d3330562019420da7f3098aa630556b" },
      /连接成功：共 \d+ 个店铺/,
    );
    await createConnection(
      page,
      "金蝶云星空",
      KINGDEE,
      KINGDEE_URL,
      // Four BatchSaves in flight at once (the default is 2).
      { 数据中心ID: "qiao-demo", 用户名: "administrator", 密码: "888888", 并发调用数: "4" },
      /连接成功：已登录数据中心 /,
    );
  });

  await test.step("drag a source and a target onto the canvas and connect them", async () => {
    await page.getByRole("link", { name: "集成方案" }).click();
    await page.getByRole("link", { name: "新建方案" }).click();
    await expect(page).toHaveURL(/\/schemes\/new$/);
    const pane = page.locator(".react-flow__pane");
    await page.getByTestId("palette-source-gy.erp.shop.get").dragTo(pane, { targetPosition: { x: 160, y: 160 } });
    await page.getByTestId("palette-target-batchSave-BD_Customer").dragTo(pane, { targetPosition: { x: 560, y: 200 } });
    await expect(page.getByTestId("rf__node-source")).toBeVisible();
    await expect(page.getByTestId("rf__node-target")).toBeVisible();
    // The one source and the one target are connected as soon as both are there; dragging the edge
    // again replaces it.
    await expect(page.locator(".react-flow__edge")).toHaveCount(1);
    await connectNodes(page, "source", "target");
    await expect(page.locator(".react-flow__edge")).toHaveCount(1);
    await page.getByRole("textbox", { name: "方案名称" }).first().fill("e2e 店铺 → 客户");
  });

  await test.step("configure the nodes and map the fields", async () => {
    await page.getByTestId("rf__node-source").click();
    await page.locator("#source-connection").selectOption({ label: GUANYI });
    await expect(page.getByTestId("param-modify_end_date")).toHaveValue("{{CURRENT_TIME datetime}}");

    await page.getByTestId("rf__node-target").click();
    await page.locator("#target-connection").selectOption({ label: KINGDEE });
    // Autocomplete: `{{na` offers the source's `name` field.
    await page.getByTestId("map-FName").pressSequentially("{{na");
    await page.getByRole("option", { name: /^name/ }).click();
    await expect(page.getByTestId("map-FName")).toHaveValue("{{name}}");
    await page.getByTestId("map-FNumber").fill("<<code>>");
    await page.getByTestId("map-FCreateOrgId").fill("100");
    await page.getByTestId("map-FUseOrgId").fill("100");
    // A template error shows on the field and on the node as it is typed, and goes away when fixed.
    await page.getByTestId("map-FDescription").fill("{{note");
    await expect(page.getByTestId("mapping-row-FDescription").getByRole("alert")).toBeVisible();
    await expect(page.getByTestId("rf__node-target").getByTestId("node-errors")).toBeVisible();
    await page.getByTestId("map-FDescription").fill("");
    await expect(page.getByTestId("issues-toggle")).toHaveText(/校验通过/);
  });

  await test.step("undo and redo a node delete", async () => {
    await page.getByTestId("rf__node-source").click();
    await page.getByRole("button", { name: "删除节点" }).click();
    await expect(page.getByTestId("rf__node-source")).toHaveCount(0);
    await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
    await page.keyboard.press("Control+z");
    await expect(page.getByTestId("rf__node-source")).toBeVisible();
    await expect(page.locator(".react-flow__edge")).toHaveCount(1);
    await page.keyboard.press("Control+Shift+z");
    await expect(page.getByTestId("rf__node-source")).toHaveCount(0);
    await page.keyboard.press("Control+z");
    await expect(page.getByTestId("rf__node-source")).toBeVisible();
  });

  await test.step("test shows each sample record and the payload the target would receive", async () => {
    await page.getByRole("button", { name: "测试", exact: true }).click();
    await expect(page).toHaveURL(/\/schemes\/[0-9a-f-]{36}$/);
    const results = page.getByTestId("test-results");
    await expect(results.getByTestId("test-record").first()).toBeVisible({ timeout: 30_000 });
    expect(await results.getByTestId("test-record").count()).toBeGreaterThan(0);
    await expect(results.getByTestId("test-payload")).toContainText('"FName"');
    // The exact wire form: base data wrapped as Kingdee expects it.
    await expect(results.getByTestId("test-payload")).toContainText('"FCreateOrgId": {');
    await results.getByTestId("test-record").nth(1).click();
    await page.getByTestId("rf__node-target").click();
    await expect(page.getByTestId("preview-FCreateOrgId")).toHaveText("100");
    await expect(page.getByTestId("preview-FName")).not.toHaveText("—");
    await page.screenshot({ path: `${SCREENSHOTS}editor.png` });
  });

  await test.step("save a new version", async () => {
    await expect(page.getByTestId("save-state")).toHaveText("已保存");
    await page.getByTestId("map-FDescription").fill("{{note}}");
    await expect(page.getByTestId("save-state")).toHaveText(/有未保存的修改/);
    await page.getByRole("button", { name: "保存", exact: true }).click();
    await expect(page.getByTestId("editor-notice")).toHaveText("已保存为版本 2");
    await expect(page.getByTestId("save-state")).toHaveText("已保存");
  });

  const schemeUrl = page.url();
  await test.step("run: the history shows it succeeded with every shop written", async () => {
    await page.getByRole("button", { name: "运行", exact: true }).click();
    await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    await expect(page.getByTestId("run-view").getByTestId("run-status").first()).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
    await expect(page.getByTestId("stat-written")).toHaveText("200");
    await expect(page.getByTestId("stat-failed")).toHaveText("0");
    await expect(page.getByTestId("run-log")).toContainText("写入");
    await page.screenshot({ path: `${SCREENSHOTS}run.png` });

    await page.goto(`${schemeUrl}/runs`);
    const row = page.getByTestId("run-row").first();
    await expect(row.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded");
    await expect(row.getByTestId("run-written")).toHaveText("200");
    // How long the history is kept (RUN_RETENTION_DAYS, RUN_RETENTION_QUIET_DAYS).
    await expect(page.getByTestId("runs-retention")).toHaveText(/^运行记录保留 \d+ 天；.*没有任何变化的运行保留 \d+ 天/);
  });

  await test.step("the Kingdee simulator holds those customers", async () => {
    const customers = await kingdeeCustomers(request);
    expect(customers).toHaveLength(200);
    expect(new Set(customers.map((c) => c.FNumber)).size).toBe(200);
  });
});

test("同步进度 on the scheme page, and 从头读取 behind a confirmation", async ({ page, request }) => {
  // A copy of the 商品 seed (its source reads from LAST_SYNC_TIME), synced up to 10:00 Beijing time.
  const { schemes } = (await (await request.get("/api/schemes", { headers: bearer })).json()) as { schemes: { id: string; name: string }[] };
  const copy = await request.post(`/api/schemes/${schemes.find((x) => x.name.startsWith("管易云商品查询"))!.id}/duplicate`, { headers: bearer });
  const schemeId = ((await copy.json()) as { scheme: { id: string } }).scheme.id;
  const client = new pg.Client({ connectionString: e2eDatabaseUrl() });
  await client.connect();
  try {
    await client.query("UPDATE schemes SET cursor = '2026-03-01 02:00:00' WHERE id = $1", [schemeId]);
  } finally {
    await client.end();
  }
  await signedIn(page);
  await page.goto(`/schemes/${schemeId}`);
  const section = page.getByTestId("read-cursor");
  await expect(section.getByTestId("read-cursor-line")).toHaveText("上次同步到 2026/03/01 10:00:00（Asia/Shanghai）");
  const button = section.getByRole("button", { name: "从头读取" });
  await button.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "从头读取？" });
  await expect(dialog).toContainText("没有变化的记录");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(button).toBeFocused();
  await button.click();
  await dialog.getByRole("button", { name: "从头读取" }).click();
  await expect(section.getByTestId("read-cursor-line")).toHaveText("尚未同步：下次运行从头读取。");
  await expect(section.getByRole("status")).toBeFocused();
  const after = (await (await request.get(`/api/schemes/${schemeId}`, { headers: bearer })).json()) as { scheme: { readCursor: unknown } };
  expect(after.scheme.readCursor).toEqual({ syncedUpTo: null, incremental: true });
});
