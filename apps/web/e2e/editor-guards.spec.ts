// What the scheme editor keeps from being lost: unsaved changes when leaving by a link of the app or
// the browser's Back (it asks first); a row template of an entry table selected and typed over (the
// row and the focus stay); a node moved with the arrow keys (one undoable step); and the rows of keys
// the target's form does not have (named fields and ✕ buttons, kept while retyped). Session 33's
// audit found each; each failed before its fix. A selected node is deleted by Delete / Backspace only
// with the focus in the canvas, not while it is on a control of the side panel (session 34; failed
// before its fix). A field in error keeps its help under the error, and both describe the control
// (session 35; failed before its fix).
import type { Dialog, Locator, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { copyOfSeed, signIn } from "./helpers";

const stamp = Date.now().toString(36).slice(-5);

/** Answers the browser's dialogs with `answer` (true: OK), and lists what they asked. */
function answerDialogs(page: Page, answer: () => boolean): string[] {
  const asked: string[] = [];
  page.on("dialog", (d: Dialog) => {
    asked.push(d.message());
    void (answer() ? d.accept() : d.dismiss());
  });
  return asked;
}

/** Edits the target's FDescription: the draft has unsaved changes. */
async function editUnsaved(page: Page): Promise<void> {
  await page.getByTestId("rf__node-target").click();
  await page.getByTestId("map-FDescription").fill("未保存的备注 {{note}}");
  await expect(page.getByTestId("save-state")).toHaveText(/有未保存的修改/);
}

test("leaving the editor by its ← 集成方案 link with unsaved changes asks first: staying keeps the draft, leaving leaves", async ({ page, request }) => {
  const schemeId = await copyOfSeed(request, "管易云店铺查询", `e2e leave link ${stamp}`);
  await signIn(page, `/schemes/${schemeId}`);
  await editUnsaved(page);

  let leave = false;
  const asked = answerDialogs(page, () => leave);
  const back = page.getByTestId("scheme-editor").getByRole("link", { name: /集成方案/ });
  await back.click();
  await expect.poll(() => asked).toEqual(["有未保存的修改，确定离开吗？"]);
  await expect(page).toHaveURL(new RegExp(`/schemes/${schemeId}$`));
  await expect(page.getByTestId("map-FDescription")).toHaveValue("未保存的备注 {{note}}");

  leave = true;
  await back.click();
  await expect(page).toHaveURL(/\/schemes$/);
  expect(asked).toHaveLength(2);
});

test("the browser's Back from the editor with unsaved changes asks first, and staying keeps the page and the draft", async ({ page, request }) => {
  const name = `e2e leave back ${stamp}`;
  const schemeId = await copyOfSeed(request, "管易云店铺查询", name);
  await signIn(page, "/schemes");
  // Opened from the list: Back goes to the list within the app (no page load, no beforeunload).
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/schemes/${schemeId}$`));
  await editUnsaved(page);

  const asked = answerDialogs(page, () => false);
  await page.goBack({ timeout: 3_000 }).catch(() => null); // cancelled: no navigation to wait for
  await expect.poll(() => asked).toEqual(["有未保存的修改，确定离开吗？"]);
  await expect(page).toHaveURL(new RegExp(`/schemes/${schemeId}$`));
  await expect(page.getByTestId("map-FDescription")).toHaveValue("未保存的备注 {{note}}");
});

test("an optional FEntity row field cleared to be retyped stays in the table with the focus, until its ✕", async ({ page, request }) => {
  const schemeId = await copyOfSeed(request, "管易云发货单查询", `e2e row retype ${stamp}`);
  await signIn(page, `/schemes/${schemeId}`);
  await page.getByTestId("rf__node-target").click();
  const note = page.getByTestId("map-entry-FEntity-FEntrynote");
  await expect(note).toHaveValue("{{trade_code}}");

  // Select the template and type a new one over it, as one retypes any field.
  await note.click();
  await note.press("ControlOrMeta+a");
  await note.press("Backspace");
  await page.keyboard.type("{{$parent.code}}");
  const row = page.getByTestId("mapping-row-entry-FEntity-FEntrynote");
  await expect(row).toBeVisible();
  await expect(note).toBeFocused();
  await expect(note).toHaveValue("{{$parent.code}}");

  await row.getByRole("button", { name: "移除 FEntrynote" }).click();
  await expect(row).toHaveCount(0);
});

/** A canvas node's position, from React Flow's transform (translate(480px, 160px)). */
async function positionOf(node: Locator): Promise<string> {
  const style = (await node.getAttribute("style")) ?? "";
  return /translate\(([^)]*)\)/.exec(style)?.[1] ?? style;
}

test("a node moved with the arrow keys is one undoable step, as a node dragged with the mouse is", async ({ page, request }) => {
  const schemeId = await copyOfSeed(request, "管易云店铺查询", `e2e key move ${stamp}`);
  await signIn(page, `/schemes/${schemeId}`);
  const node = page.getByTestId("rf__node-target");
  await expect(node).toBeVisible();
  const undo = page.getByRole("button", { name: "撤销" });
  await expect(undo).toBeDisabled();
  const before = await positionOf(node);

  // The canvas's own help: "按 Enter 或空格选中节点，然后可用方向键移动它".
  await node.focus();
  await page.keyboard.press("Enter");
  await expect(node).toHaveClass(/selected/);
  for (let k = 0; k < 6; k++) await page.keyboard.press("Shift+ArrowDown");
  await expect.poll(() => positionOf(node)).not.toBe(before);
  const moved = await positionOf(node);
  await expect(page.getByTestId("save-state")).toHaveText(/有未保存的修改/);

  // Ctrl+Z (focus on the node, not in a field) takes the six presses back at once; Ctrl+Shift+Z redoes them.
  await expect(undo).toBeEnabled();
  await page.keyboard.press("ControlOrMeta+z");
  await expect.poll(() => positionOf(node)).toBe(before);
  await expect(undo).toBeDisabled();
  await page.keyboard.press("ControlOrMeta+Shift+z");
  await expect.poll(() => positionOf(node)).toBe(moved);
});

test("after the target's form is switched, the mappings it does not have are named fields with a named ✕, kept while retyped", async ({ page, request }) => {
  const schemeId = await copyOfSeed(request, "管易云店铺查询", `e2e unknown rows ${stamp}`);
  await signIn(page, `/schemes/${schemeId}`);
  await page.getByTestId("rf__node-target").click();
  // 客户新增 → 销售出库单新增: FName, FDescription … are not fields of the 出库单; they show in red to fix or delete.
  await page.locator("#target-api").selectOption("batchSave:SAL_OUTSTOCK");
  const table = page.getByTestId("mapping-table");
  const description = table.getByRole("combobox", { name: "FDescription", exact: true });
  await expect(description).toHaveValue("{{note}}");

  await description.click();
  await description.press("ControlOrMeta+a");
  await description.press("Backspace");
  await page.keyboard.type("{{remark}}");
  await expect(description).toBeFocused();
  await expect(description).toHaveValue("{{remark}}");

  await table.getByRole("button", { name: "移除 FDescription" }).click();
  await expect(description).toHaveCount(0);
  await expect(table).not.toContainText("FDescription");
});

test("Delete and Backspace remove the selected node only while the focus is in the canvas", async ({ page, request }) => {
  const schemeId = await copyOfSeed(request, "管易云店铺查询", `e2e delete key ${stamp}`);
  await signIn(page, `/schemes/${schemeId}`);
  const node = page.getByTestId("rf__node-target");
  await node.click();
  await expect(node).toHaveClass(/selected/);

  // The selected node's panel: its options' toggle (a control outside the canvas) has the focus.
  const options = page.getByTestId("node-panel").locator("summary").first();
  await options.focus();
  await page.keyboard.press("Delete");
  await page.keyboard.press("Backspace");
  await expect(node).toBeVisible();
  await expect(page.getByTestId("save-state")).toHaveText("已保存");
  // Nor on the canvas's own buttons (zoom, fit view): they are in the canvas, not the node.
  await page.locator(".react-flow__controls-zoomin").focus();
  await page.keyboard.press("Delete");
  await expect(node).toBeVisible();
  await expect(page.getByTestId("save-state")).toHaveText("已保存");

  // In the canvas, on the node: deleted, and Ctrl+Z brings back exactly what was there.
  await node.focus();
  await page.keyboard.press("Delete");
  await expect(node).toHaveCount(0);
  await expect(page.getByTestId("save-state")).toHaveText(/有未保存的修改/);
  await page.keyboard.press("ControlOrMeta+z");
  await expect(node).toBeVisible();
  await expect(page.getByTestId("save-state")).toHaveText("已保存");

  // A node picked by the editor (added from the palette) is the only thing selected: an edge
  // selected before is not deleted with it by the next Delete.
  const edge = page.getByTestId("rf__edge-source-target");
  await edge.focus();
  await page.keyboard.press("Enter");
  await expect(edge).toHaveClass(/selected/);
  await page.getByTestId("palette-filter").focus();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("rf__node-filter")).toBeVisible();
  await expect(page.getByTestId("rf__edge-source-filter")).not.toHaveClass(/selected/);
});

/** Adds a filter from the palette (source → filter → target) and saves: nothing unsaved. */
async function savedChainWithFilter(page: Page): Promise<void> {
  await page.getByTestId("palette-filter").focus();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("rf__node-filter")).toBeVisible();
  await expect(page.getByTestId("rf__edge-source-filter")).toBeAttached();
  await expect(page.getByTestId("rf__edge-filter-target")).toBeAttached();
  await page.getByRole("button", { name: "保存", exact: true }).click();
  await expect(page.getByTestId("save-state")).toHaveText("已保存");
}

test("Delete in the canvas is one undoable step: a node with its edges and an edge selected with it come back by one Ctrl+Z, and nothing reads as unsaved", async ({ page, request }) => {
  const schemeId = await copyOfSeed(request, "管易云店铺查询", `e2e del undo ${stamp}`);
  await signIn(page, `/schemes/${schemeId}`);
  await savedChainWithFilter(page);
  // The source of source → filter → target: its edge comes back where it was in the list.
  const node = page.getByTestId("rf__node-source");
  await node.focus();
  await page.keyboard.press("Enter");
  await expect(node).toHaveClass(/selected/);
  await page.keyboard.press("Delete");
  await expect(node).toHaveCount(0);
  await page.keyboard.press("ControlOrMeta+z");
  await expect(node).toBeVisible();
  await expect(page.getByTestId("rf__edge-source-filter")).toBeAttached();
  await expect(page.locator(".react-flow__edge")).toHaveCount(2);
  await expect(page.getByTestId("save-state")).toHaveText("已保存");

  // The target and, selected with it, the source → filter edge: one step too.
  const target = page.getByTestId("rf__node-target");
  const edge = page.getByTestId("rf__edge-source-filter");
  await target.click();
  await expect(target).toHaveClass(/selected/);
  await edge.click({ modifiers: ["ControlOrMeta"] });
  await expect(edge).toHaveClass(/selected/);
  await expect(target).toHaveClass(/selected/);
  await target.focus();
  await page.keyboard.press("Delete");
  await expect(target).toHaveCount(0);
  await expect(edge).toHaveCount(0);
  await page.keyboard.press("ControlOrMeta+z");
  await expect(target).toBeVisible();
  await expect(edge).toBeAttached();
  await expect(page.getByTestId("save-state")).toHaveText("已保存");
});

test("an edge deleted with Delete in the canvas leaves the focus in the page, not on <body>", async ({ page, request }) => {
  const schemeId = await copyOfSeed(request, "管易云店铺查询", `e2e edge focus ${stamp}`);
  await signIn(page, `/schemes/${schemeId}`);
  const edge = page.getByTestId("rf__edge-source-target");
  await expect(edge).toBeAttached();
  await edge.focus();
  await page.keyboard.press("Enter");
  await expect(edge).toHaveClass(/selected/);
  await page.keyboard.press("Delete");
  await expect(edge).toHaveCount(0);
  await expect(page.getByTestId("save-state")).toHaveText(/有未保存的修改/);
  // To the panel, as a deleted node's.
  await expect.poll(() => page.evaluate(() => document.activeElement?.tagName ?? "none"), { timeout: 3_000 }).not.toBe("BODY");
});

test("a Select whose Field has an error is drawn as invalid, as an Input in the same state is", async ({ page }) => {
  await signIn(page, "/schemes/new");
  await page.getByTestId("palette-source-gy.erp.shop.get").focus();
  await page.keyboard.press("Enter");
  const select = page.locator("#source-connection");
  await expect(select).toBeVisible();
  await select.selectOption("");
  // The Field's error ties to the Select (aria-invalid, described by the error)...
  await expect(select).toHaveAttribute("aria-invalid", "true");
  // ...and drawn so, as an Input is.
  await expect(select).toHaveClass(/border-red-400/);
});

test("a Field in error keeps its help: both are shown and describe the control, the error first", async ({ page }) => {
  await signIn(page, "/schemes/new");
  const cron = page.locator("#scheme-cron");
  const help = "留空表示只手动运行；例如 */5 * * * * 为每 5 分钟";
  await expect(cron).toHaveAccessibleDescription(help);
  await cron.fill("every day");
  await expect(cron).toHaveAttribute("aria-invalid", "true");
  const error = /^定时表达式应为 5 个字段.*这里有 2 个/;
  await expect(page.getByText(error)).toBeVisible();
  await expect(page.getByText(help, { exact: true })).toBeVisible();
  // Said in that order by a screen reader: what is wrong, then how to fill it in.
  const ids = (await cron.getAttribute("aria-describedby"))?.split(" ") ?? [];
  expect(ids).toHaveLength(2);
  await expect(page.locator(`[id="${ids[0]}"]`)).toHaveText(error);
  await expect(page.locator(`[id="${ids[1]}"]`)).toHaveText(help);
});
