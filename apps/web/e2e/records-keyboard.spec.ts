// 记录查询 on the scheme's runs page with the keyboard: a source id searched with a status it does
// not have shows the record with its own status (not "never read"); clearing and paging to the end
// keep the focus in the section. Staged records are put in the e2e database directly (as
// reconciliation.spec.ts does). Session 28's audit; each failed before its fix.
import type { Page } from "@playwright/test";
import pg from "pg";
import { MESSAGES } from "../src/lib/i18n/messages";
import { expect, saveAdminSession, signedIn, test } from "./fixtures";
import { ADMIN_EMAIL, ADMIN_PASSWORD, e2eDatabaseUrl, prefixedScheme } from "./helpers";

const t = MESSAGES["zh-CN"];
const stamp = Date.now().toString(36).slice(-5);
let schemeId = "";

test.beforeAll(async ({ request, baseURL }) => {
  const signIn = await request.post("/api/auth/sign-in/email", { headers: { origin: new URL(baseURL!).origin }, data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  expect(signIn.status()).toBe(200);
  await saveAdminSession(request);
  schemeId = await prefixedScheme(request, `e2e 审计 记录查询 ${stamp}`, `AUDR${stamp}-`);
  const client = new pg.Client({ connectionString: e2eDatabaseUrl() });
  await client.connect();
  try {
    // 60 written shops (more than a page of 50), and one filtered out that was written before.
    await client.query(
      `INSERT INTO source_records (scheme_id, source_id, data, payload_hash, written_hash, status, target_number)
       SELECT $1::uuid, 'AUD-' || g, json_build_object('id', g, 'code', 'C' || g), 'h', 'w', 'written', 'N' || g FROM generate_series(1, 60) g`,
      [schemeId],
    );
    await client.query(
      `INSERT INTO source_records (scheme_id, source_id, data, payload_hash, written_hash, status, target_number)
       VALUES ($1::uuid, 'AUD-F', '{"id":"F"}'::json, 'h', 'w', 'filtered', 'NF')`,
      [schemeId],
    );
  } finally {
    await client.end();
  }
});

async function openRecords(page: Page): Promise<ReturnType<Page["getByTestId"]>> {
  await signedIn(page);
  await page.goto(`/schemes/${schemeId}/runs`);
  const section = page.getByTestId("staged-records");
  await expect(section.getByTestId("records-source-id")).toBeVisible({ timeout: 30_000 });
  return section;
}

const focusIsOnBody = (page: Page) => page.evaluate(() => document.activeElement === null || document.activeElement === document.body);

test("a source id with a status it does not have is not reported as a record never read", async ({ page }) => {
  const section = await openRecords(page);
  await section.getByTestId("records-source-id").fill("AUD-1");
  await page.keyboard.press("Enter");
  await expect(section.getByTestId("staged-record-status")).toHaveText(t["record.status.written"]);
  // The same id, 失败 picked: the record exists (written); it is just not failed.
  await section.getByTestId("records-status").selectOption("failed");
  // The record is shown with its own status, and a note says it is not the one picked.
  await expect(section.getByTestId("records-other-status")).toContainText("不是“失败”");
  await expect(section.getByTestId("staged-record-status")).toHaveText(t["record.status.written"]);
  await expect(section.getByTestId("records-none")).toHaveCount(0);
});

test("clearing the search with the keyboard keeps the focus in the search form", async ({ page }) => {
  const section = await openRecords(page);
  await section.getByTestId("records-source-id").fill("AUD-2");
  await page.keyboard.press("Enter");
  await expect(section.getByTestId("staged-record-row")).toHaveCount(1);
  const clear = section.getByRole("button", { name: t["records.clear"] });
  await clear.focus();
  await page.keyboard.press("Enter");
  await expect(section.getByTestId("staged-record-row")).toHaveCount(0);
  expect(await focusIsOnBody(page), "after 清除条件 the focus is on <body>").toBe(false);
});

test("paging to the last page with 更多 keeps the focus (the button goes away under it)", async ({ page }) => {
  const section = await openRecords(page);
  await section.getByTestId("records-status").selectOption("written");
  await expect(section.getByTestId("staged-record-row")).toHaveCount(50);
  const more = section.getByRole("button", { name: t["common.more"] });
  await more.focus();
  await page.keyboard.press("Enter");
  await expect(section.getByTestId("staged-record-row")).toHaveCount(60);
  await expect(more).toHaveCount(0);
  expect(await focusIsOnBody(page), "after the last 更多 the focus is on <body>").toBe(false);
});
