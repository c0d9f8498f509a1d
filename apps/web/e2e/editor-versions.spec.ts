// The scheme editor's 测试 and 运行 are of the version whose mapping it shows: one saved elsewhere
// since is refused with the reason (not tested or run in its place), and test results of a version
// saved over while the test ran say they are that version's, until tested again. The results' header
// is in the page's language. Session 33's audit found each; each failed before its fix.
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

  // Another tab (here the API) saves version 2 with another FName while this editor shows version 1.
  const { scheme } = (await (await request.get(`/api/schemes/${schemeId}`, { headers: bearer })).json()) as { scheme: { definition: Definition } };
  const target = scheme.definition.nodes.find((n) => n.type === "target")!;
  target.config.mapping = { ...target.config.mapping, FName: "ELSEWHERE {{name}}" };
  const elsewhere = await request.patch(`/api/schemes/${schemeId}`, { headers: bearer, data: { definition: scheme.definition, baseVersion: 1 } });
  expect(elsewhere.status()).toBe(200);

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
