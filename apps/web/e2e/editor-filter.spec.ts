// The filter node in the editor, and the editor's notice, with the keyboard: deleting the filter
// gives its source and target their edge back and keeps the focus; undo / redo keep a filter's rules;
// deleting a rule leaves the other rules their own rows and puts the focus on a rule; closing the
// notice leaves the focus on a control. Session 28's audit and after; each failed before its fix.
import type { APIRequestContext, Page } from "@playwright/test";
import { MESSAGES, translator } from "../src/lib/i18n/messages";
import { expect, saveAdminSession, signedIn, test } from "./fixtures";
import { ADMIN_EMAIL, ADMIN_PASSWORD, bearer, prefixedScheme } from "./helpers";

const t = MESSAGES["zh-CN"];
const tr = translator("zh-CN");
const stamp = Date.now().toString(36).slice(-5);

interface Definition {
  nodes: { id: string; type: string; position: { x: number; y: number }; config: Record<string, unknown> }[];
  edges: { id: string; source: string; target: string }[];
}

type Rule = { field: string; op: string; value: string };

/** A copy of the seed scheme saved as source → filter (one rule unless told) → target. */
async function schemeWithFilter(
  request: APIRequestContext,
  name: string,
  prefix: string,
  rules: Rule[] = [{ field: "{{type_name}}", op: "in", value: "天猫，京东" }],
): Promise<string> {
  const id = await prefixedScheme(request, name, prefix);
  const got = (await (await request.get(`/api/schemes/${id}`, { headers: bearer })).json()) as { scheme: { definition: Definition } };
  const d = got.scheme.definition;
  const source = d.nodes.find((n) => n.type === "source")!;
  const target = d.nodes.find((n) => n.type === "target")!;
  d.nodes.push({ id: "filter", type: "filter", position: { x: 300, y: 300 }, config: { match: "all", rules } });
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

test("deleting a middle rule leaves the rules after it their own inputs, and the focus on the rule that took its place", async ({ page, request }) => {
  const rule = (value: string): Rule => ({ field: "{{type_name}}", op: "eq", value });
  const schemeId = await schemeWithFilter(request, `e2e 审计 删除条件 ${stamp}`, `AUDR${stamp}-`, [rule("一"), rule("二"), rule("三")]);
  await openEditor(page, schemeId);
  await page.getByTestId("rf__node-filter").click();
  const rows = page.getByTestId("filter-rules").locator(":scope > li");
  await expect(rows).toHaveCount(3);

  // Type into rule 3's value and leave its caret inside the text: state the input holds, not the rule.
  const third = page.getByTestId("filter-rule-2-value");
  await third.click();
  await page.keyboard.press("End");
  await page.keyboard.type("丙");
  await page.keyboard.press("ArrowLeft");
  const typed = (await third.elementHandle())!;
  await page.getByRole("button", { name: tr("editor.filterRuleDelete", { n: 2 }) }).click();

  await expect(rows).toHaveCount(2);
  await expect(page.getByTestId("filter-rule-1-value")).toHaveValue("三丙");
  const state = await typed.evaluate((el) => ({
    shownForRule2: el === document.querySelector('[data-testid="filter-rule-1-value"]'),
    caret: (el as HTMLInputElement).selectionStart,
  }));
  expect(state, "rule 3's input (its caret, its undo) was dropped: rule 3 was drawn into rule 2's input, as rows keyed by position are").toEqual({
    shownForRule2: true,
    caret: 1,
  });
  // The focus is on the rule that took the deleted one's place, at its first control (not on <body>, not on a ✕).
  await expect(page.getByTestId("filter-rule-1-pick")).toBeFocused();

  // The last rule deleted: the focus goes to the one before it; the only one: to 添加条件.
  await page.getByRole("button", { name: tr("editor.filterRuleDelete", { n: 2 }) }).press("Enter");
  await expect(rows).toHaveCount(1);
  await expect(page.getByTestId("filter-rule-0-pick")).toBeFocused();
  await expect(page.getByTestId("filter-rule-0-value")).toHaveValue("一");
  await page.getByRole("button", { name: tr("editor.filterRuleDelete", { n: 1 }) }).press("Enter");
  await expect(rows).toHaveCount(0);
  await expect(page.getByRole("button", { name: t["editor.filterAddRule"] })).toBeFocused();

  // The rows' keys stay in the editor: what is saved is the rules alone.
  await page.getByRole("button", { name: t["editor.filterAddRule"] }).press("Enter");
  await page.getByTestId("filter-rule-0-pick").selectOption("type_name");
  await page.getByTestId("filter-rule-0-value").fill("淘宝");
  const saved = page.waitForRequest((r) => r.method() === "PATCH" && r.url().endsWith(`/api/schemes/${schemeId}`));
  await page.getByRole("button", { name: t["editor.save"], exact: true }).click();
  const body = (await saved).postDataJSON() as { definition: Definition };
  expect(body.definition.nodes.find((n) => n.id === "filter")?.config.rules).toEqual([rule("淘宝")]);
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
