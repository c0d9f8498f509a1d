// Issue #13, the editor: a value map made by CSV import is picked with the keyboard inside
// `map('` of the 出库单's FStockID row template, the mapping links to it, and the test preview shows
// the mapped stock; inside `lookup('` the other schemes are offered (not the one edited), a lookup
// naming no scheme is refused at the field as you type and at save, a key field the scheme's
// source lacks is refused by the server and shown at the field until it is edited, and the export
// lists the schemes the lookups read.
import type { APIRequestContext, Locator, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { bearer, signIn } from "./helpers";

const stamp = Date.now().toString(36).slice(-5);
const MAP = `编辑器仓库 ${stamp}`;
const SHOPS = "管易云店铺查询 → 金蝶客户新增";
const ITEMS = "管易云商品查询 → 金蝶物料新增";
const CSV = "\uFEFF源值,目标值\r\nWH01,CK001\r\nWH02,CK002\r\nWH03,CK003\r\n";

/** A copy of the seeded 发货单 → 销售出库单 scheme under `name`, through the API. */
async function deliveriesScheme(request: APIRequestContext, name: string): Promise<string> {
  const list = (await (await request.get("/api/schemes", { headers: bearer })).json()) as { schemes: { id: string; name: string }[] };
  const seed = list.schemes.find((s) => s.name.startsWith("管易云发货单查询"));
  expect(seed).toBeDefined();
  const { scheme } = (await (await request.get(`/api/schemes/${seed!.id}`, { headers: bearer })).json()) as { scheme: { definition: unknown } };
  const created = await request.post("/api/schemes", { headers: bearer, data: { name, definition: scheme.definition } });
  expect(created.status()).toBe(201);
  return ((await created.json()) as { scheme: { id: string } }).scheme.id;
}

/** Moves the active option to the one offering `value` with ↓ (from the first) and picks it with Enter. */
async function pickWithKeys(field: Locator, list: Locator, value: string) {
  const values = await list.getByRole("option").evaluateAll((els) => els.map((e) => e.getAttribute("data-value")));
  const index = values.indexOf(value);
  expect(index, `${value} among ${values.join(", ")}`).toBeGreaterThanOrEqual(0);
  for (let i = 0; i < index; i++) await field.press("ArrowDown");
  await expect(list.getByRole("option").nth(index)).toHaveAttribute("aria-selected", "true");
  await field.press("Enter");
}

async function openTarget(page: Page, schemeId: string) {
  await page.goto(`/schemes/${schemeId}`);
  await page.getByTestId("rf__node-target").click();
}

test("a value map imported from CSV is picked with the keyboard in a mapping and maps FStockID in the test preview", async ({ page, request }) => {
  test.setTimeout(150_000);
  const schemeId = await deliveriesScheme(request, `e2e 编辑器值映射 ${stamp}`);
  await signIn(page, "/value-maps");

  const mapUrl = await test.step("create the map and import its rows from a CSV file", async () => {
    await page.getByRole("button", { name: "新建值映射" }).click();
    await page.getByRole("dialog").getByLabel("名称").fill(MAP);
    await page.getByRole("dialog").getByRole("button", { name: "创建" }).click();
    await expect(page).toHaveURL(/\/value-maps\/[0-9a-f-]{36}$/);
    await page.getByTestId("value-map-import-file").setInputFiles({ name: "仓库.csv", mimeType: "text/csv", buffer: Buffer.from(CSV) });
    await expect(page.getByRole("status").filter({ hasText: "已导入 3 行" })).toBeVisible();
    return new URL(page.url()).pathname;
  });

  const field = page.getByTestId("map-entry-FEntity-FStockID");
  await test.step("type the template: after | the filters are offered, inside map(' the value maps", async () => {
    await openTarget(page, schemeId);
    await field.fill("");
    await field.pressSequentially("{{$parent.warehouse_code | ma");
    const list = page.getByRole("listbox", { name: "过滤器" });
    await expect(list.getByRole("option")).toHaveText([/^map.*map\('值映射名称'\)/]);
    await expect(field).toHaveAttribute("role", "combobox");
    await field.press("Enter");
    await expect(field).toHaveValue("{{$parent.warehouse_code | map('");
    const maps = page.getByRole("listbox", { name: "值映射" });
    await expect(maps.getByRole("option", { name: new RegExp(MAP) })).toBeVisible();
    await field.pressSequentially(stamp);
    await expect(maps.getByRole("option")).toHaveCount(1);
    // ↓ and ↑ move the active option (aria-activedescendant), Escape closes, typing reopens.
    await field.press("ArrowDown");
    await field.press("ArrowUp");
    await expect(field).toHaveAttribute("aria-activedescendant", (await maps.getByRole("option").first().getAttribute("id"))!);
    await field.press("Escape");
    await expect(maps).toBeHidden();
    await field.press("Backspace");
    await field.pressSequentially(stamp.slice(-1));
    await expect(maps.getByRole("option", { name: new RegExp(MAP) })).toHaveAttribute("aria-selected", "true");
    await field.press("Tab");
    await expect(field).toHaveValue(`{{$parent.warehouse_code | map('${MAP}')`);
    await field.pressSequentially("}}");
    await expect(field).toHaveValue(`{{$parent.warehouse_code | map('${MAP}')}}`);
  });

  await test.step("the mapping links to the map's page", async () => {
    const link = page.getByTestId("mapping-row-entry-FEntity-FStockID").getByTestId("template-ref-map");
    await expect(link).toHaveText(`值映射 · ${MAP}`);
    await expect(link).toHaveAttribute("href", mapUrl);
    const [tab] = await Promise.all([page.context().waitForEvent("page"), link.click()]);
    await expect(tab).toHaveURL(new RegExp(`${mapUrl}$`));
    await expect(tab.getByTestId("value-map-entry")).toHaveCount(3);
    await tab.close();
  });

  await test.step("the test preview shows the mapped stock in every row", async () => {
    await page.getByRole("button", { name: "测试", exact: true }).click();
    const results = page.getByTestId("test-results");
    await expect(results.getByTestId("test-record").first()).toBeVisible({ timeout: 30_000 });
    const rows = results.getByTestId("test-rows-FEntity");
    await expect(rows).toContainText(/CK00[123]/);
    await expect(rows).not.toContainText("WH0");
    await expect(results.getByTestId("test-field-errors")).toHaveCount(0);
    // The mapping table's preview, which cannot read the map in the browser, shows what the test mapped.
    await expect(page.getByTestId("preview-entry-FEntity-FStockID")).toHaveText(/^CK00[123]$/);
    await field.pressSequentially(" ");
    await expect(page.getByTestId("preview-entry-FEntity-FStockID")).toHaveText("—");
  });
});

test("inside lookup(' the other schemes are offered; a lookup naming no scheme or a missing key field is refused at the field", async ({ page, request }) => {
  test.setTimeout(120_000);
  const other = `e2e 被查找 ${stamp}`;
  await deliveriesScheme(request, other);
  const schemeId = await deliveriesScheme(request, `e2e 查找 ${stamp}`);
  await signIn(page, `/schemes/${schemeId}`);
  await page.getByTestId("rf__node-target").click();
  const field = page.getByTestId("map-FCustomerID");
  const row = page.getByTestId("mapping-row-FCustomerID");

  await test.step("the schemes are offered by name, the edited one is not", async () => {
    await field.fill("");
    await field.pressSequentially(`{{shop_code | lookup('${stamp}`);
    const schemes = page.getByRole("listbox", { name: "方案" });
    await expect(schemes.locator(`[data-value="${other}"]`)).toBeVisible();
    await expect(schemes.locator(`[data-value="e2e 查找 ${stamp}"]`)).toHaveCount(0);
    for (let i = 0; i < stamp.length; i++) await field.press("Backspace");
    await field.pressSequentially("管易云店铺");
    await pickWithKeys(field, schemes, SHOPS);
    await field.pressSequentially("}}");
    await expect(field).toHaveValue(`{{shop_code | lookup('${SHOPS}')}}`);
    await expect(row.getByTestId("template-ref-lookup")).toHaveText(`查找 · ${SHOPS}`);
    await expect(row.getByTestId("template-ref-lookup")).toHaveAttribute("href", /^\/schemes\/[0-9a-f-]{36}$/);
    await expect(row.getByRole("alert")).toHaveCount(0);
  });

  await test.step("a lookup naming no scheme: the error is at the field as you type, and saving is refused", async () => {
    // The expression form is offered the names too.
    await field.fill("");
    await field.pressSequentially("{{lookup('没有");
    await expect(page.getByRole("listbox", { name: "方案" })).toBeHidden();
    await field.pressSequentially("这个方案', shop_code)}}");
    await expect(row.getByRole("alert")).toContainText("lookup 引用的方案 “没有这个方案” 不存在");
    await page.getByRole("button", { name: "保存", exact: true }).click();
    await expect(page.getByTestId("editor-notice")).toContainText("未保存");
    await expect(row.getByRole("alert")).toContainText("lookup 引用的方案 “没有这个方案” 不存在");
  });

  await test.step("a key field the scheme's source lacks: the server's error shows at the field until it is edited", async () => {
    await field.fill(`{{shop_code | lookup('${SHOPS}', 'colour')}}`);
    await expect(row.getByRole("alert")).toHaveCount(0);
    await page.getByRole("button", { name: "保存", exact: true }).click();
    await expect(page.getByTestId("editor-notice")).toContainText("未保存");
    await expect(row.getByRole("alert")).toContainText(`方案 “${SHOPS}” 的源记录没有字段 colour`);
    await field.fill(`{{lookup('${SHOPS}', shop_code)}}`);
    await expect(row.getByRole("alert")).toHaveCount(0);
    await page.getByRole("button", { name: "保存", exact: true }).click();
    await expect(page.getByTestId("editor-notice")).toHaveText("已保存为版本 2");
  });

  await test.step("the export lists the schemes the lookups read", async () => {
    const file = (await (await request.get(`/api/schemes/${schemeId}/export`, { headers: bearer })).json()) as { lookupSchemes: string[] };
    // The seeded 出库单 rows look their material up in 商品→物料; the head now reads 店铺→客户.
    expect(file.lookupSchemes).toEqual([ITEMS, SHOPS].sort());
  });

  await test.step("a save made on a version saved over elsewhere since is refused; saving again overwrites it knowingly", async () => {
    // Someone else (here through the API) saves version 3 while this editor still has version 2.
    const { scheme } = (await (await request.get(`/api/schemes/${schemeId}`, { headers: bearer })).json()) as { scheme: { definition: unknown } };
    const elsewhere = await request.patch(`/api/schemes/${schemeId}`, { headers: bearer, data: { definition: scheme.definition, baseVersion: 2 } });
    expect(elsewhere.status()).toBe(200);
    await field.fill(`{{lookup('${SHOPS}', shop_code)}} `);
    await page.getByRole("button", { name: "保存", exact: true }).click();
    await expect(page.getByTestId("editor-notice")).toContainText("在你打开版本 2 之后已被保存为版本 3");
    await page.getByRole("button", { name: "保存", exact: true }).click();
    await expect(page.getByTestId("editor-notice")).toHaveText("已保存为版本 4");
  });
});
