// The scheme editor's 测试 and 运行 are of the version whose mapping it shows: one saved elsewhere
// since is refused with the reason (not tested or run in its place), and test results of a version
// saved over while the test ran say they are that version's, until tested again. The results' header
// is in the page's language. Session 33's audit found each; each failed before its fix. After a save
// refused as made on an older version, 测试 and 运行 do not save over the newer one (only 保存, pressed
// again, does); a rename made elsewhere is not undone by the editor's next save. Both failed before
// their fix (session 34). After such a refused save the version badge still names the version the
// draft was made on, and says a newer one was saved elsewhere; an empty name is refused on its field,
// nothing saved. Both failed before their fix (session 35).
import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { bearer, copyOfSeed, signIn } from "./helpers";

const stamp = Date.now().toString(36).slice(-5);

interface Definition {
  nodes: { type: string; config: { mapping?: Record<string, string> } }[];
}

test("测试 and 运行 in an editor showing version 1 refuse a version 2 saved elsewhere since, and say why", async ({ page, request }) => {
  test.setTimeout(120_000);
  const schemeId = await copyOfSeed(request, "管易云店铺查询", `e2e test version ${stamp}`);
  await signIn(page, `/schemes/${schemeId}`);
  await page.getByTestId("rf__node-target").click();
  await expect(page.getByTestId("map-FName")).toHaveValue("{{name}}");
  await expect(page.getByTestId("save-state")).toHaveText("已保存");

  // Another tab saves version 2 with another FName while this editor shows version 1.
  await saveVersion2Elsewhere(request, schemeId);

  await page.getByRole("button", { name: "测试", exact: true }).click();
  const results = page.getByTestId("test-results");
  await expect(results.getByRole("alert")).toContainText("方案在你打开版本 1 之后已被保存为版本 2，本次未测试");
  await expect(results.getByTestId("test-record")).toHaveCount(0);

  await page.getByRole("button", { name: "运行", exact: true }).click();
  await expect(page.getByTestId("editor-notice")).toContainText("方案在你打开版本 1 之后已被保存为版本 2，本次未运行");
  await expect(page).toHaveURL(new RegExp(`/schemes/${schemeId}$`));
  await expect(page.getByTestId("map-FName")).toHaveValue("{{name}}");
  const runs = (await (await request.get(`/api/schemes/${schemeId}/runs`, { headers: bearer })).json()) as { runs: unknown[] };
  expect(runs.runs).toEqual([]);
});

test("test results of the version saved over while the test ran say so until tested again; 测试 stays busy until they come", async ({ page, request }) => {
  test.setTimeout(120_000);
  const schemeId = await copyOfSeed(request, "管易云店铺查询", `e2e save during test ${stamp}`);
  await signIn(page, `/schemes/${schemeId}`);
  await page.getByTestId("rf__node-target").click();
  await expect(page.getByTestId("map-FName")).toHaveValue("{{name}}");

  // A worker that takes a few seconds to answer the test (a busy queue, a slow ERP): the run is
  // created (and pinned to version 1) at once; its answer comes late.
  await page.route("**/api/schemes/*/test", async (route) => {
    const response = await route.fetch();
    await new Promise((r) => setTimeout(r, 4_000));
    await route.fulfill({ response });
  });
  await page.getByRole("button", { name: "测试", exact: true }).click();
  const results = page.getByTestId("test-results");
  await expect(results).toContainText("正在测试");

  // While it runs, the person corrects FName and saves version 2.
  await page.getByTestId("map-FName").fill("NEW {{name}}");
  await page.getByRole("button", { name: "保存", exact: true }).click();
  await expect(page.getByTestId("save-state")).toHaveText("已保存");
  // The save ended, the test has not: it still says so.
  await expect(page.getByRole("button", { name: "测试", exact: true })).toHaveAttribute("aria-busy", "true");
  await expect(results).toContainText("正在测试");
  await expect(results.getByTestId("test-record").first()).toBeVisible({ timeout: 60_000 });
  await expect(results.getByTestId("test-stale")).toHaveText(/这些是版本 1 的测试结果，映射已保存为版本 2.*请重新测试/);

  await page.getByRole("button", { name: "测试", exact: true }).click();
  await expect(results.getByTestId("test-record").first()).toBeVisible({ timeout: 60_000 });
  await expect(results.getByTestId("test-stale")).toHaveCount(0);
  await expect(results.getByTestId("test-payload")).toContainText('"FName": "NEW ');
});

test("the test results' header is in Chinese in the Chinese UI", async ({ page, request }) => {
  test.setTimeout(120_000);
  const schemeId = await copyOfSeed(request, "管易云店铺查询", `e2e test header ${stamp}`);
  await signIn(page, `/schemes/${schemeId}`);
  await page.getByRole("button", { name: "测试", exact: true }).click();
  const results = page.getByTestId("test-results");
  await expect(results.getByTestId("test-record").first()).toBeVisible({ timeout: 60_000 });
  // "gy.erp.shop.get · 共 37 条 · 样例记录（10）", not "… · total 37 · …".
  await expect(results.getByText(/样例记录/)).toHaveText(/ · 共 \d+ 条 · 样例记录（\d+）$/);
});

/** The scheme as stored: its name, current version and target's FName template. */
async function stored(request: APIRequestContext, schemeId: string) {
  const { scheme } = (await (await request.get(`/api/schemes/${schemeId}`, { headers: bearer })).json()) as {
    scheme: { name: string; currentVersion: number; definition: Definition };
  };
  return { name: scheme.name, version: scheme.currentVersion, FName: scheme.definition.nodes.find((n) => n.type === "target")!.config.mapping?.FName };
}

/** Another tab (here the API) saves version 2 of the scheme, its target's FName "ELSEWHERE {{name}}". */
async function saveVersion2Elsewhere(request: APIRequestContext, schemeId: string) {
  const { scheme } = (await (await request.get(`/api/schemes/${schemeId}`, { headers: bearer })).json()) as { scheme: { definition: Definition } };
  scheme.definition.nodes.find((n) => n.type === "target")!.config.mapping!.FName = "ELSEWHERE {{name}}";
  expect((await request.patch(`/api/schemes/${schemeId}`, { headers: bearer, data: { definition: scheme.definition, baseVersion: 1 } })).status()).toBe(200);
}

/** Clicks the editor's `button` and waits for the save (PATCH) it makes. */
async function saveBy(page: Page, schemeId: string, button: string) {
  const saved = page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().endsWith(`/api/schemes/${schemeId}`));
  await page.getByRole("button", { name: button, exact: true }).click();
  return saved;
}

test("after a save refused as made on an older version, 测试 and 运行 do not save over the newer one; 保存 pressed again does", async ({ page, request }) => {
  test.setTimeout(120_000);
  const schemeId = await copyOfSeed(request, "管易云店铺查询", `e2e conflict then test ${stamp}`);
  await signIn(page, `/schemes/${schemeId}`);
  await page.getByTestId("rf__node-target").click();
  await expect(page.getByTestId("map-FName")).toHaveValue("{{name}}");

  // Another tab saves version 2; this editor, still on version 1, changes FName and saves: refused.
  await saveVersion2Elsewhere(request, schemeId);
  await page.getByTestId("map-FName").fill("MINE {{name}}");
  await saveBy(page, schemeId, "保存");
  await expect(page.getByTestId("editor-notice")).toContainText("在你打开版本 1 之后已被保存为版本 2，本次未保存");

  // 测试 and 运行 save the draft first: not over version 2, which the person has not chosen to replace.
  await saveBy(page, schemeId, "测试");
  await expect(page.getByTestId("test-results").getByRole("alert")).toContainText("再次保存将以你的修改覆盖它");
  expect(await stored(request, schemeId)).toMatchObject({ version: 2, FName: "ELSEWHERE {{name}}" });
  await saveBy(page, schemeId, "运行");
  await expect(page.getByTestId("editor-notice")).toContainText("本次未保存");
  await expect(page).toHaveURL(new RegExp(`/schemes/${schemeId}$`));
  expect(await stored(request, schemeId)).toMatchObject({ version: 2, FName: "ELSEWHERE {{name}}" });
  const runs = (await (await request.get(`/api/schemes/${schemeId}/runs`, { headers: bearer })).json()) as { runs: unknown[] };
  expect(runs.runs).toEqual([]);

  // The choice the notice offers: 保存 again overwrites.
  await saveBy(page, schemeId, "保存");
  await expect(page.getByTestId("editor-notice")).toHaveText("已保存为版本 3");
  expect(await stored(request, schemeId)).toMatchObject({ version: 3, FName: "MINE {{name}}" });
});

test("a rename made elsewhere is kept by the editor's next save of the mapping, and the editor shows it", async ({ page, request }) => {
  const schemeId = await copyOfSeed(request, "管易云店铺查询", `e2e rename kept ${stamp}`);
  await signIn(page, `/schemes/${schemeId}`);
  await page.getByTestId("rf__node-target").click();
  await expect(page.getByTestId("map-FName")).toHaveValue("{{name}}");

  // The list page (here the API) renames the scheme: no new version.
  const renamed = `e2e renamed elsewhere ${stamp}`;
  expect((await request.patch(`/api/schemes/${schemeId}`, { headers: bearer, data: { name: renamed } })).status()).toBe(200);
  await page.getByTestId("map-FName").fill("NEW {{name}}");
  await saveBy(page, schemeId, "保存");
  await expect(page.getByTestId("editor-notice")).toHaveText("已保存为版本 2");
  expect(await stored(request, schemeId)).toMatchObject({ name: renamed, version: 2, FName: "NEW {{name}}" });
  await expect(page.getByLabel("方案名称").first()).toHaveValue(renamed);
  await expect(page.getByTestId("save-state")).toHaveText("已保存");
});

test("after a save refused as made on an older version, the version badge names the draft's version and says a newer one was saved elsewhere", async ({ page, request }) => {
  const schemeId = await copyOfSeed(request, "管易云店铺查询", `e2e conflict badge ${stamp}`);
  await signIn(page, `/schemes/${schemeId}`);
  const header = page.getByTestId("scheme-editor").locator("header");
  await expect(header.getByText("v1", { exact: true })).toBeVisible();
  await page.getByTestId("rf__node-target").click();
  await expect(page.getByTestId("map-FName")).toHaveValue("{{name}}");

  await saveVersion2Elsewhere(request, schemeId);
  await page.getByTestId("map-FName").fill("MINE {{name}}");
  await saveBy(page, schemeId, "保存");
  await expect(page.getByTestId("editor-notice")).toContainText("本次未保存");
  // The draft is still made on version 1: not "v2", which holds the other tab's mapping.
  await expect(header.getByText("v1", { exact: true })).toBeVisible();
  await expect(header.getByText("v2", { exact: true })).toHaveCount(0);
  await expect(header.getByTestId("version-conflict")).toHaveText("冲突：版本 2 已在别处保存");

  // 保存 pressed again overwrites version 2: the draft is version 3, and the conflict is over.
  await saveBy(page, schemeId, "保存");
  await expect(page.getByTestId("editor-notice")).toHaveText("已保存为版本 3");
  await expect(header.getByText("v3", { exact: true })).toBeVisible();
  await expect(header.getByTestId("version-conflict")).toHaveCount(0);
});

test("an empty name is refused on its field (名称不能为空), nothing saved; a name saved shows as saved", async ({ page, request }) => {
  const name = `e2e empty name ${stamp}`;
  const schemeId = await copyOfSeed(request, "管易云店铺查询", name);
  await signIn(page, `/schemes/${schemeId}`);
  const saves: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "PATCH") saves.push(r.url());
  });
  // The header's name and the settings panel's (shown with no node selected) are the same name.
  const title = page.getByTestId("scheme-editor").locator("header").getByLabel("方案名称");
  const field = page.locator("#scheme-name");
  await title.fill("   ");
  await page.getByRole("button", { name: "保存", exact: true }).click();
  await expect(page.getByTestId("editor-notice")).toContainText("名称不能为空");
  for (const input of [title, field]) {
    await expect(input).toHaveAttribute("aria-invalid", "true");
    await expect(input).toHaveAccessibleDescription("名称不能为空");
  }
  await expect(page.getByTestId("save-state")).toHaveText(/有未保存的修改/);
  expect(saves).toEqual([]);
  expect(await stored(request, schemeId)).toMatchObject({ name, version: 1 });

  // Typed with spaces around it, the name is saved without them, and the editor shows it so.
  await title.fill(`  ${name} renamed  `);
  await saveBy(page, schemeId, "保存");
  await expect(page.getByTestId("editor-notice")).toHaveText("已保存为版本 2");
  expect(await stored(request, schemeId)).toMatchObject({ name: `${name} renamed`, version: 2 });
  await expect(title).toHaveValue(`${name} renamed`);
  await expect(title).not.toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("save-state")).toHaveText("已保存");
});
