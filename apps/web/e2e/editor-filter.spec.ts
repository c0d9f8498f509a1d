// The filter node in the editor, and the editor's notice, with the keyboard: deleting the filter
// gives its source and target their edge back and keeps the focus; undo / redo keep a filter's rules;
// closing the notice leaves the focus on a control. Session 28's audit; each failed before its fix.
import type { APIRequestContext, Page } from "@playwright/test";
import { MESSAGES } from "../src/lib/i18n/messages";
import { expect, saveAdminSession, signedIn, test } from "./fixtures";
import { ADMIN_EMAIL, ADMIN_PASSWORD, bearer, prefixedScheme } from "./helpers";

const t = MESSAGES["zh-CN"];
const stamp = Date.now().toString(36).slice(-5);

interface Definition {
  nodes: { id: string; type: string; position: { x: number; y: number }; config: Record<string, unknown> }[];
  edges: { id: string; source: string; target: string }[];
}

/** A copy of the seed scheme saved as source → filter (one rule) → target. */
async function schemeWithFilter(request: APIRequestContext, name: string, prefix: string): Promise<string> {
  const id = await prefixedScheme(request, name, prefix);
  const got = (await (await request.get(`/api/schemes/${id}`, { headers: bearer })).json()) as { scheme: { definition: Definition } };
  const d = got.scheme.definition;
  const source = d.nodes.find((n) => n.type === "source")!;
  const target = d.nodes.find((n) => n.type === "target")!;
  d.nodes.push({ id: "filter", type: "filter", position: { x: 300, y: 300 }, config: { match: "all", rules: [{ field: "{{type_name}}", op: "in", value: "天猫，京东" }] } });
  d.edges = [
    { id: "e1", source: source.id, target: "filter" },
    { id: "e2", source: "filter", target: target.id },
  ];
  const saved = await request.patch(`/api/schemes/${id}`, { headers: bearer, data: { definition: d } });
  expect(saved.ok(), await saved.text()).toBeTruthy();
  return id;
}

async function openEditor(page: Page, schemeId: string): Promise<void> {
  await signedIn(page);
  await page.goto(`/schemes/${schemeId}`);
  await expect(page.getByTestId("rf__node-target")).toBeVisible({ timeout: 30_000 });
}

const focusIsOnBody = (page: Page) => page.evaluate(() => document.activeElement === null || document.activeElement === document.body);

test.beforeAll(async ({ request, baseURL }) => {
  const signIn = await request.post("/api/auth/sign-in/email", { headers: { origin: new URL(baseURL!).origin }, data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  expect(signIn.status()).toBe(200);
  await saveAdminSession(request);
});

test("deleting the filter node reconnects its source to its target (adding it had rewired them)", async ({ page, request }) => {
  const schemeId = await schemeWithFilter(request, `e2e 审计 删除过滤 ${stamp}`, `AUDF${stamp}-`);
  await openEditor(page, schemeId);
  const filter = page.getByTestId("rf__node-filter");
  await expect(filter).toBeVisible();
  await expect(page.getByTestId("issues-toggle")).toHaveText(/校验通过/);
  await filter.click();
  await page.getByTestId("node-panel").getByRole("button", { name: t["editor.deleteNode"] }).click();
  await expect(filter).toHaveCount(0);
  // source → filter → target without the filter is source → target; the scheme was valid and still is.
  await expect(page.locator(".react-flow__edge"), "source and target are left unconnected").toHaveCount(1, { timeout: 5_000 });
  await expect(page.getByTestId("issues-toggle")).toHaveText(/校验通过/, { timeout: 5_000 });
});

test("deleting the filter node with the keyboard keeps the focus (it is not dropped on <body>)", async ({ page, request }) => {
  const schemeId = await schemeWithFilter(request, `e2e 审计 删除焦点 ${stamp}`, `AUDK${stamp}-`);
  await openEditor(page, schemeId);
  await page.getByTestId("rf__node-filter").click();
  const remove = page.getByTestId("node-panel").getByRole("button", { name: t["editor.deleteNode"] });
  await remove.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("rf__node-filter")).toHaveCount(0);
  expect(await focusIsOnBody(page), "after 删除节点 the focus is on <body>: a keyboard user starts over from the top of the page").toBe(false);
});

test("Ctrl+Z / Ctrl+Shift+Z after writing a filter's rule gives the rule back, not an empty filter", async ({ page, request }) => {
  const schemeId = await prefixedScheme(request, `e2e 审计 撤销过滤 ${stamp}`, `AUDU${stamp}-`);
  await openEditor(page, schemeId);
  await page.getByTestId("palette-filter").focus();
  await page.keyboard.press("Enter");
  const filter = page.getByTestId("rf__node-filter");
  await expect(filter).toBeVisible();
  await page.getByRole("button", { name: t["editor.filterAddRule"] }).click();
  await page.getByTestId("filter-rule-0-pick").selectOption("type_name");
  await page.getByTestId("filter-rule-0-value").fill("淘宝");
  await expect(filter).toContainText("{{type_name}} 等于 淘宝");
  // Out of the field (the page-wide keys do not act while typing), then undo and redo.
  await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
  await page.keyboard.press("Control+z");
  await page.keyboard.press("Control+Shift+z");
  await expect(filter).toBeVisible();
  await expect(filter.getByTestId("filter-summary"), "the rule written before Ctrl+Z is gone after Ctrl+Shift+Z").toHaveText(t["editor.filterSummary.one"], { timeout: 5_000 });
  await expect(filter).toContainText("{{type_name}} 等于 淘宝");
});

test("the editor notice's close button, pressed with the keyboard, leaves the focus on a control", async ({ page, request }) => {
  const schemeId = await schemeWithFilter(request, `e2e 审计 提示关闭 ${stamp}`, `AUDN${stamp}-`);
  await openEditor(page, schemeId);
  // Any change, then save: the notice "已保存为版本 …".
  await page.getByRole("textbox", { name: t["editor.name"], exact: true }).first().fill(`e2e 审计 提示关闭 ${stamp} 改`);
  await page.getByRole("button", { name: t["editor.save"], exact: true }).press("Enter");
  const notice = page.getByTestId("editor-notice");
  await expect(notice).toBeVisible({ timeout: 30_000 });
  await page.getByTestId("editor-notice-close").focus();
  await page.keyboard.press("Enter");
  await expect(notice).toHaveCount(0);
  expect(await focusIsOnBody(page), "after closing the notice the focus is on <body>").toBe(false);
});
