// The keyboard and English mode on pages added or changed since session 28 (found by session 33's
// audit): the focus stays on the page when a pressed control becomes unavailable (保存 once saved,
// 查看 once shown, a schedule switch while it saves) or its row goes (删除); English pages carry no
// Chinese text or punctuation (the value map's usage hint and import refusal, the alert rules); the
// 对账 report names a staging status in the page's language. Session 34: the editor's 保存, unavailable
// and focused, keeps the focus while the window is away (another tab, another application); the head
// mapping's filter is labelled and hinted in the page's language. Both failed before their fix.
import type { APIRequestContext, BrowserContext, Page } from "@playwright/test";
import { MESSAGES } from "../src/lib/i18n/messages";
import { expect, test } from "./fixtures";
import { ADMIN_EMAIL, ADMIN_PASSWORD, ALERTS_URL, bearer, freeNumbers, kingdeeCustomers, prefixedScheme } from "./helpers";

const stamp = Date.now().toString(36).slice(-5);
const zh = MESSAGES["zh-CN"];
const en = MESSAGES.en;

/** Signs this context in as the admin through the API (no shared session file: other runs overwrite it). */
async function signedInAs(context: BrowserContext, request: APIRequestContext, baseURL: string, locale: "zh-CN" | "en" = "zh-CN"): Promise<void> {
  const res = await request.post("/api/auth/sign-in/email", { headers: { origin: new URL(baseURL).origin }, data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  expect(res.status()).toBe(200);
  await context.addCookies((await request.storageState()).cookies);
  await context.addCookies([{ name: "qiao-locale", value: locale, url: baseURL }]);
}

/** Where the keyboard is: false when the focus fell to <body> (or left the page's main region). */
const focusInMain = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return !!el && el !== document.body && !!document.getElementById("main")?.contains(el);
  });

async function newValueMap(request: APIRequestContext, name: string): Promise<string> {
  const created = await request.post("/api/value-maps", { headers: bearer, data: { name, description: "audit" } });
  expect(created.status()).toBe(201);
  return ((await created.json()) as { id: string }).id;
}

test("value map page in English: the template usage hint has no Chinese in it", async ({ page, context, request, baseURL }) => {
  const id = await newValueMap(request, `audit-usage-${stamp}`);
  await signedInAs(context, request, baseURL!, "en");
  await page.goto(`/value-maps/${id}`);
  await expect(page.getByRole("heading", { level: 1, name: `audit-usage-${stamp}` })).toBeVisible();
  const hint = page.locator("main code").first();
  await expect(hint).toContainText(`map('audit-usage-${stamp}')`);
  // The field's placeholder comes from the catalog (it was 字段 on every page).
  await expect(hint).not.toHaveText(/[\u3400-\u9fff]/);
});

test("value map CSV import refused in English: the reason is said once, without Chinese punctuation", async ({ page, context, request, baseURL }) => {
  const id = await newValueMap(request, `audit-import-${stamp}`);
  await signedInAs(context, request, baseURL!, "en");
  await page.goto(`/value-maps/${id}`);
  await expect(page.getByRole("heading", { level: 1, name: `audit-import-${stamp}` })).toBeVisible();
  await page.getByTestId("value-map-import-file").setInputFiles({ name: "map.csv", mimeType: "text/csv", buffer: Buffer.from("source,target\nA,1\nA,2\n") });
  const alert = page.getByRole("alert").filter({ hasText: "Not imported" });
  await expect(alert).toBeVisible();
  const text = (await alert.textContent()) ?? "";
  expect(text.split("is repeated on lines").length - 1, `the reason is repeated: ${text}`).toBe(1);
  expect(text).not.toMatch(/[（）]/);
});

test("value map: Save pressed with the keyboard keeps the focus on the page", async ({ page, context, request, baseURL }) => {
  const id = await newValueMap(request, `audit-save-${stamp}`);
  await signedInAs(context, request, baseURL!, "en");
  await page.goto(`/value-maps/${id}`);
  await expect(page.getByRole("heading", { level: 1, name: `audit-save-${stamp}` })).toBeVisible();
  await page.getByRole("button", { name: en["valueMaps.addRow"] }).press("Enter");
  await page.keyboard.type("S1");
  await page.keyboard.press("Tab");
  await page.keyboard.type("T1");
  await page.getByRole("button", { name: en["common.save"], exact: true }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status").filter({ hasText: en["valueMaps.saved"] })).toBeVisible();
  // The saved map is not dirty: Save is unavailable, but not `disabled` while focused (Chromium would drop the focus on <body>).
  expect(await focusInMain(page), "focus fell to <body> after saving").toBe(true);
});

test("scheme editor: Save pressed with the keyboard keeps the focus", async ({ page, context, request, baseURL }) => {
  const id = await prefixedScheme(request, `audit 编辑保存 ${stamp}`, `AUDS${stamp}-`);
  await signedInAs(context, request, baseURL!);
  await page.goto(`/schemes/${id}`);
  await expect(page.getByTestId("save-state")).toHaveText(zh["editor.allSaved"]);
  await page.waitForLoadState("networkidle");
  await page.getByLabel(zh["editor.name"]).first().focus();
  await page.keyboard.press("End");
  await page.keyboard.type(" 改");
  const save = page.getByRole("button", { name: zh["editor.save"], exact: true });
  await save.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("save-state")).toHaveText(zh["editor.allSaved"]);
  expect(
    await page.evaluate(() => document.activeElement !== null && document.activeElement !== document.body),
    "focus fell to <body> after saving (Save became disabled)",
  ).toBe(true);

  await test.step("the unavailable 保存 keeps the focus while the window is away and when it comes back", async () => {
    await expect(save).toBeFocused();
    // Playwright keeps every page focused unless told not to: then another tab in front blurs this window.
    await (await context.newCDPSession(page)).send("Emulation.setFocusEmulationEnabled", { enabled: false });
    const other = await context.newPage();
    await other.bringToFront();
    await expect.poll(() => page.evaluate(() => document.hasFocus())).toBe(false);
    // Unavailable (aria-disabled), but not `disabled`: that would drop the focus.
    await expect(save).not.toHaveAttribute("disabled");
    await page.bringToFront();
    await expect.poll(() => page.evaluate(() => document.hasFocus())).toBe(true);
    await expect(save).toBeFocused();
    await other.close();
  });
});

test("scheme editor in English: the head mapping's filter is labelled and hinted in English", async ({ page, context, request, baseURL }) => {
  const id = await prefixedScheme(request, `audit mapping filter ${stamp}`, `AUDF${stamp}-`);
  await signedInAs(context, request, baseURL!, "en");
  await page.goto(`/schemes/${id}`);
  await page.getByTestId("rf__node-target").click();
  const filter = page.getByTestId("node-panel").getByRole("textbox", { name: "Filter fields", exact: true });
  await expect(filter).not.toHaveAttribute("placeholder", /[\u3000-\u303f\uff00-\uffef\u3400-\u9fff]/);
  await filter.fill("FDescription");
  await expect(page.getByTestId("mapping-table").getByRole("combobox")).toHaveCount(1);
});

test("schemes list: a schedule switch toggled with Space keeps the focus", async ({ page, context, request, baseURL }) => {
  const name = `audit 定时开关 ${stamp}`;
  const id = await prefixedScheme(request, name, `AUDW${stamp}-`);
  const got = (await (await request.get(`/api/schemes/${id}`, { headers: bearer })).json()) as { scheme: { definition: Record<string, unknown>; currentVersion: number } };
  const updated = await request.patch(`/api/schemes/${id}`, {
    headers: bearer,
    data: { definition: { ...got.scheme.definition, schedule: { cron: "0 3 * * *", enabled: false } }, baseVersion: got.scheme.currentVersion },
  });
  expect(updated.ok()).toBeTruthy();
  await signedInAs(context, request, baseURL!);
  await page.goto("/schemes");
  const toggle = page.getByTestId("scheme-row").filter({ hasText: name }).getByRole("switch");
  await expect(toggle).toHaveAttribute("aria-checked", "false");
  await toggle.focus();
  await page.keyboard.press("Space");
  await expect(toggle).toHaveAttribute("aria-checked", "true");
  // Every switch is unavailable while the toggle is pending; the pressed one keeps the focus.
  await expect(toggle).toBeFocused();
  // Switched back the same way without reaching for Tab again.
  await page.keyboard.press("Space");
  await expect(toggle).toHaveAttribute("aria-checked", "false");
});

test("alert channels: deleting one from the keyboard leaves the focus on the page", async ({ page, context, request, baseURL }) => {
  const name = `audit 渠道 ${stamp}`;
  const created = await request.post("/api/alert-channels", { headers: bearer, data: { kind: "wecom", name, url: `${ALERTS_URL}/cgi-bin/webhook/send?key=qiao-sim-wecom-key` } });
  expect(created.status()).toBe(201);
  await signedInAs(context, request, baseURL!);
  await page.goto("/settings");
  const row = page.getByTestId("alert-channel-row").filter({ hasText: name });
  await row.getByRole("button", { name: zh["alerts.delete"] }).focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: zh["alerts.delete"] }).focus();
  await page.keyboard.press("Enter");
  await expect(row).toHaveCount(0);
  await expect(dialog).toBeHidden();
  // The dialog hands the focus back to the row's 删除, which goes with the row: it moves to the list.
  await expect.poll(() => focusInMain(page), { message: "focus fell to <body> once the deleted channel's row went", timeout: 3_000 }).toBe(true);
});

test("alert rules in English: a rule's threshold and channels are written with English punctuation", async ({ page, context, request, baseURL }) => {
  const channelIds: string[] = [];
  for (const n of ["one", "two"]) {
    const created = await request.post("/api/alert-channels", {
      headers: bearer,
      data: { kind: "wecom", name: `audit-${n}-${stamp}`, url: `${ALERTS_URL}/cgi-bin/webhook/send?key=qiao-sim-wecom-key` },
    });
    expect(created.status()).toBe(201);
    channelIds.push(((await created.json()) as { id: string }).id);
  }
  const rule = await request.post("/api/alert-rules", { headers: bearer, data: { name: `audit-rule-${stamp}`, kind: "run_partial", threshold: 3, channelIds } });
  expect(rule.status()).toBe(201);
  await signedInAs(context, request, baseURL!, "en");
  await page.goto("/settings");
  const row = page.getByTestId("alert-rule-row").filter({ hasText: `audit-rule-${stamp}` });
  await expect(row).toContainText(`audit-one-${stamp}`);
  // The threshold's brackets and the channels' separator follow the page's language.
  await expect(row).not.toHaveText(/[\u3000-\u303f\uff00-\uffef\u3400-\u9fff]/);
});

test.describe("reconciliation report (对账)", () => {
  const PREFIX = `AR${stamp.toUpperCase()}-`;
  let schemeId = "";
  let missingNumber = "";

  test.beforeAll(async ({ request }) => {
    test.setTimeout(240_000);
    schemeId = await prefixedScheme(request, `audit 对账 ${PREFIX}`, PREFIX);
    const started = await request.post(`/api/schemes/${schemeId}/runs`, { headers: bearer });
    expect(started.status()).toBe(202);
    await expect
      .poll(async () => ((await (await request.get(`/api/schemes/${schemeId}/runs`, { headers: bearer })).json()) as { runs: { status: string }[] }).runs[0]?.status, { timeout: 120_000 })
      .toBe("succeeded");
    const ours = (await kingdeeCustomers(request)).filter((c) => c.FNumber.startsWith(PREFIX)).sort((a, b) => a.FNumber.localeCompare(b.FNumber));
    expect(ours.length).toBeGreaterThan(10);
    missingNumber = ours[5]!.FNumber;
    await freeNumbers(request, [missingNumber]);
    const settings = await request.put(`/api/schemes/${schemeId}/reconcile-settings`, { headers: bearer, data: { cron: null, filter: `FNumber like '${PREFIX}%'` } });
    expect(settings.ok()).toBeTruthy();
    // Two reports: the earlier one is listed under 历史 with its 查看 button.
    for (let k = 0; k < 2; k++) {
      const res = await request.post(`/api/schemes/${schemeId}/reconciliations`, { headers: bearer, data: { idempotencyKey: crypto.randomUUID() } });
      expect(res.status()).toBe(202);
      const id = ((await res.json()) as { reconciliation: { id: string } }).reconciliation.id;
      await expect
        .poll(
          async () =>
            ((await (await request.get(`/api/schemes/${schemeId}/reconciliations`, { headers: bearer })).json()) as { reconciliations: { id: string; status: string }[] }).reconciliations.find(
              (r) => r.id === id,
            )?.status,
          { timeout: 120_000 },
        )
        .toBe("succeeded");
    }
  });

  test("a missing record's staging status is shown in Chinese, not as the raw status", async ({ page, context, request, baseURL }) => {
    await signedInAs(context, request, baseURL!);
    await page.goto(`/schemes/${schemeId}/runs`);
    const panel = page.getByTestId("reconciliation");
    const item = panel.getByTestId("reconcile-item");
    await expect(item).toHaveCount(1);
    await expect(item.getByTestId("reconcile-item-number")).toHaveText(missingNumber);
    // Columns of the missing tab: number, source id, staging status, source name.
    const staged = item.locator("td").nth(2);
    await expect(staged).toHaveText(zh["record.status.written"]);
  });

  test("查看 an earlier report with the keyboard keeps the focus", async ({ page, context, request, baseURL }) => {
    await signedInAs(context, request, baseURL!);
    await page.goto(`/schemes/${schemeId}/runs`);
    const panel = page.getByTestId("reconciliation");
    const earlier = panel.getByTestId("reconcile-history-row").nth(1).getByRole("button", { name: zh["reconcile.view"] });
    await expect(earlier).toBeEnabled();
    await earlier.focus();
    await page.keyboard.press("Enter");
    await expect(earlier).toHaveAttribute("aria-pressed", "true");
    // The selected report's button is unavailable, and keeps the focus it was pressed with.
    expect(await focusInMain(page), "focus fell to <body> after 查看").toBe(true);
  });
});
