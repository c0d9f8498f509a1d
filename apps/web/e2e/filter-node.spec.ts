// The filter node (过滤条件) in the editor: added from the palette with the keyboard where the
// source is connected straight to the target, it goes between them as one undoable step; its
// rules are edited with the keyboard, show their issues beside them, and are saved.
import AxeBuilder from "@axe-core/playwright";
import type { APIRequestContext, Page } from "@playwright/test";
import { MESSAGES } from "../src/lib/i18n/messages";
import { expect, saveAdminSession, signedIn, test } from "./fixtures";
import { ADMIN_EMAIL, ADMIN_PASSWORD, bearer, prefixedScheme } from "./helpers";

const t = MESSAGES["zh-CN"];
const stamp = Date.now().toString(36).slice(-5);
let schemeId = "";
let englishSchemeId = "";

interface Definition {
  nodes: { id: string; type: string; config: unknown }[];
  edges: { source: string; target: string }[];
}

/** axe's WCAG 2.0/2.1 A and AA violations on the page as it is (as accessibility.spec.ts checks every page). */
async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")}`));
}

async function savedDefinition(request: APIRequestContext): Promise<Definition> {
  const res = await request.get(`/api/schemes/${schemeId}`, { headers: bearer });
  expect(res.ok()).toBeTruthy();
  return ((await res.json()) as { scheme: { definition: Definition } }).scheme.definition;
}

const links = (d: Definition) => d.edges.map((e) => `${e.source}→${e.target}`).sort();

test.beforeAll(async ({ request, baseURL }) => {
  const signIn = await request.post("/api/auth/sign-in/email", { headers: { origin: new URL(baseURL!).origin }, data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  expect(signIn.status()).toBe(200);
  await saveAdminSession(request);
  // The seed scheme: 管易云店铺查询 (source) connected straight to 金蝶客户新增 (target).
  schemeId = await prefixedScheme(request, `e2e 过滤条件 ${stamp}`, `FLT${stamp}-`);
  englishSchemeId = await prefixedScheme(request, `e2e filter ${stamp}`, `FLTEN${stamp}-`);
});

test("editor: a filter from the palette goes between source and target, and its rules are saved", async ({ page, request }) => {
  await signedIn(page);
  await page.goto(`/schemes/${schemeId}`);
  await expect(page.getByTestId("rf__node-target")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("rf__edge-source-target")).toBeAttached();
  const filter = page.getByTestId("rf__node-filter");

  await test.step("Enter on the palette's 过滤条件 rewires source → filter → target, in one undoable step", async () => {
    await page.getByTestId("palette-filter").focus();
    await page.keyboard.press("Enter");
    await expect(filter).toBeVisible();
    await expect(filter.getByTestId("filter-summary")).toHaveText(t["editor.filterSummary.none"]);
    await expect(page.getByTestId("rf__edge-source-filter")).toBeAttached();
    await expect(page.getByTestId("rf__edge-filter-target")).toBeAttached();
    await expect(page.locator(".react-flow__edge")).toHaveCount(2);
    // Nothing is left to connect: the panel offers no "连线".
    await expect(page.getByTestId("node-panel").getByRole("button", { name: /^连线/ })).toHaveCount(0);
    await expect(page.getByTestId("filter-help")).toHaveText(t["editor.filterHelp"]);

    await page.keyboard.press("Control+z");
    await expect(filter).toHaveCount(0);
    await expect(page.getByTestId("rf__edge-source-target")).toBeAttached();
    await expect(page.locator(".react-flow__edge")).toHaveCount(1);
    await page.keyboard.press("Control+Shift+z");
    await expect(filter).toBeVisible();
    await expect(page.locator(".react-flow__edge")).toHaveCount(2);
    await expect(page.getByTestId("rf__edge-source-target")).toHaveCount(0);
  });

  await test.step("a rule: a field the shop source returns, 等于, a value", async () => {
    await filter.click();
    await page.getByRole("button", { name: t["editor.filterAddRule"] }).click();
    const pick = page.getByTestId("filter-rule-0-pick");
    await expect(pick, "the new rule's field has the focus").toBeFocused();
    await pick.selectOption("type_name");
    await expect(page.getByTestId("filter-rule-0-field")).toHaveValue("{{type_name}}");
    await expect(page.getByTestId("filter-rule-0-op").locator("option:checked")).toHaveText(t["editor.conditionOp.eq"]);
    await page.getByTestId("filter-rule-0-value").fill("淘宝");
    await expect(filter.getByTestId("filter-summary")).toHaveText(t["editor.filterSummary.one"]);
    await expect(filter).toContainText("{{type_name}} 等于 淘宝");
  });

  await test.step("a rule without a value shows its issue beside it, and goes with the keyboard", async () => {
    await page.getByRole("button", { name: t["editor.filterAddRule"] }).press("Enter");
    const rule = page.getByTestId("filter-rule-1");
    await expect(page.getByTestId("filter-rule-1-pick")).toBeFocused();
    await page.getByTestId("filter-rule-1-pick").selectOption("code");
    await page.getByLabel("条件 2 的比较方式").selectOption({ label: t["editor.conditionOp.contains"] });
    await expect(rule.getByRole("alert")).toHaveText(/过滤条件第 2 条没有比较的值/);
    await expect(page.getByTestId("filter-rule-0").getByRole("alert")).toHaveCount(0);
    await expect(filter.getByTestId("node-errors")).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    // 属于 takes a list: a text area with its hint, and its own issue while empty.
    await page.getByLabel("条件 2 的比较方式").selectOption({ label: t["editor.conditionOp.in"] });
    await expect(page.getByTestId("filter-rule-1-value")).toHaveJSProperty("tagName", "TEXTAREA");
    await expect(rule).toContainText(t["editor.filterRuleListHelp"]);
    await expect(rule.getByRole("alert")).toHaveText(/过滤条件第 2 条要列出值/);
    // 为空 compares with nothing: no value input.
    await page.getByLabel("条件 2 的比较方式").selectOption({ label: t["editor.conditionOp.empty"] });
    await expect(page.getByTestId("filter-rule-1-value")).toHaveCount(0);
    await expect(rule.getByRole("alert")).toHaveCount(0);
    // The match switch is a radio group: the arrow keys move between 全部满足 and 任一满足.
    await page.getByRole("radio", { name: t["editor.filterMatch.all"] }).focus();
    await page.keyboard.press("ArrowRight");
    await expect(page.getByRole("radio", { name: t["editor.filterMatch.any"] })).toBeChecked();
    await expect(filter.getByTestId("filter-summary")).toHaveText("任一满足 · 2 条条件");

    await page.getByRole("button", { name: "删除条件 2" }).press("Enter");
    await expect(rule).toHaveCount(0);
    // The last rule deleted: the focus goes to the field of the rule before it (not to a delete
    // button, where a second Enter would delete another rule).
    await expect(page.getByTestId("filter-rule-0-pick"), "the focus stays among the rules").toBeFocused();
    await page.getByRole("radio", { name: t["editor.filterMatch.any"] }).focus();
    await page.keyboard.press("ArrowLeft");
    await expect(page.getByRole("radio", { name: t["editor.filterMatch.all"] })).toBeChecked();
    await expect(filter.getByTestId("node-errors")).toHaveCount(0);
    await expect(page.getByTestId("issues-toggle")).toHaveText(/校验通过/);
  });

  await test.step("save: the saved definition holds the filter, its rule and the chain", async () => {
    await page.getByRole("button", { name: "保存", exact: true }).click();
    await expect(page.getByTestId("editor-notice")).toHaveText(/已保存为版本 2/);
    const saved = await savedDefinition(request);
    expect(saved.nodes.find((n) => n.type === "filter")).toMatchObject({
      id: "filter",
      config: { match: "all", rules: [{ field: "{{type_name}}", op: "eq", value: "淘宝" }] },
    });
    expect(links(saved)).toEqual(["filter→target", "source→filter"]);
    await page.reload();
    await expect(filter.getByTestId("filter-summary")).toHaveText(t["editor.filterSummary.one"], { timeout: 30_000 });
    await expect(page.locator(".react-flow__edge")).toHaveCount(2);
  });
});

test("a rule through a value map: a map that exists is taken, one that does not is the rule's issue", async ({ page, request }) => {
  const map = `e2e 平台分组 ${stamp}`;
  const created = await request.post("/api/value-maps", {
    headers: bearer,
    data: { name: map, description: "", defaultValue: null, entries: [{ source: "天猫", target: "线上" }, { source: "门店", target: "线下" }] },
  });
  expect(created.status(), await created.text()).toBe(201);
  await signedIn(page);
  await page.goto(`/schemes/${schemeId}`);
  const filter = page.getByTestId("rf__node-filter");
  await expect(filter).toBeVisible({ timeout: 30_000 });
  await filter.click();
  const field = page.getByTestId("filter-rule-0-field");
  await field.fill(`{{type_name | map('${map}')}}`);
  await page.getByTestId("filter-rule-0-value").fill("线上");
  await expect(page.getByTestId("issues-toggle")).toHaveText(/校验通过/, { timeout: 15_000 });
  await field.fill("{{type_name | map('没有这个映射')}}");
  await expect(page.getByTestId("filter-rule-0").getByRole("alert")).toHaveText(/值映射 “没有这个映射” 不存在/, { timeout: 15_000 });
  await field.fill(`{{type_name | map('${map}')}}`);
  await expect(page.getByTestId("filter-rule-0").getByRole("alert")).toHaveCount(0, { timeout: 15_000 });
  await page.getByRole("button", { name: "保存", exact: true }).click();
  await expect(page.getByTestId("editor-notice")).toHaveText(/已保存为版本 3/);
  expect((await savedDefinition(request)).nodes.find((n) => n.type === "filter")).toMatchObject({
    config: { rules: [{ field: `{{type_name | map('${map}')}}`, op: "eq", value: "线上" }] },
  });
});

test("English: the filter node and its panel speak English", async ({ page, context, baseURL }) => {
  const en = MESSAGES.en;
  await context.addCookies([{ name: "qiao-locale", value: "en", url: baseURL! }]);
  await signedIn(page);
  await page.goto(`/schemes/${englishSchemeId}`);
  await expect(page.getByTestId("rf__node-target")).toBeVisible({ timeout: 30_000 });
  await page.getByTestId("palette-filter").click();
  const filter = page.getByTestId("rf__node-filter");
  await expect(filter).toContainText(en["editor.filterNode"]);
  await expect(page.getByTestId("filter-help")).toHaveText(en["editor.filterHelp"]);
  for (let k = 0; k < 2; k++) await page.getByRole("button", { name: en["editor.filterAddRule"] }).click();
  await page.getByTestId("filter-rule-0-pick").selectOption("type_name");
  await page.getByTestId("filter-rule-0-value").fill("Tmall");
  await page.getByLabel("Comparison of rule 2").selectOption({ label: en["editor.conditionOp.gt"] });
  await expect(page.getByTestId("filter-rule-1").getByRole("alert").first()).toHaveText(/[a-z]/);
  await expect(page.getByTestId("node-panel")).not.toContainText(/[\u3400-\u9fff]/);
  await expect(filter.getByTestId("filter-summary")).toHaveText("All of 2 rules");
  await expect(filter).toContainText("{{type_name}} equals Tmall");
  expect(await axeViolations(page)).toEqual([]);
});
