// A target that rejects some records: the run ends partial, the failed records show Kingdee's
// message with source, payload and response; once the cause is removed, a retry writes them.
import { expect, signedIn, test } from "./fixtures";
import { freeNumbers, kingdeeCustomers, schemeWithTakenNumbers } from "./helpers";

const PREFIX = `R${Date.now().toString(36).slice(-4).toUpperCase()}-`;

test("failed records show Kingdee's message and are written by a retry", async ({ page, request }) => {
  test.setTimeout(120_000);

  const { taken } = await schemeWithTakenNumbers(request, `e2e 部分失败 ${PREFIX}`, PREFIX, 3);

  await signedIn(page);
  const row = page.getByTestId("scheme-row").filter({ hasText: `e2e 部分失败 ${PREFIX}` });
  await row.getByRole("button", { name: "运行" }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  await expect(page.getByTestId("run-view").getByTestId("run-status").first()).toHaveAttribute("data-status", "partial", { timeout: 60_000 });
  await expect(page.getByTestId("stat-failed")).toHaveText("3");
  await expect(page.getByTestId("stat-written")).toHaveText("197");

  // The records table opens on the failed ones, each with Kingdee's message.
  await expect(page.getByTestId("records-tab-failed")).toHaveAttribute("aria-selected", "true");
  const failed = page.getByTestId("record-row");
  await expect(failed).toHaveCount(3);
  await expect(failed.first().getByTestId("record-error")).toContainText("已经被使用");
  await failed.first().click();
  await expect(page.getByTestId("record-error-detail")).toContainText("已经被使用");
  await expect(page.getByText("金蝶的响应")).toBeVisible();

  // Fix the cause (free the numbers), retry one record, then the rest of the run's failed records.
  await freeNumbers(request, taken);
  const partialRun = page.url();
  await failed.first().getByRole("button", { name: "重试" }).click();
  await expect(page.getByTestId("run-trigger")).toHaveAttribute("data-trigger", "retry", { timeout: 30_000 });
  await expect(page.getByTestId("run-view").getByTestId("run-status").first()).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(page.getByTestId("stat-written")).toHaveText("1");

  await page.goto(partialRun);
  await page.getByRole("button", { name: "重试失败记录" }).click();
  await expect(page).not.toHaveURL(partialRun, { timeout: 30_000 });
  await expect(page.getByTestId("run-trigger")).toHaveAttribute("data-trigger", "retry");
  await expect(page.getByTestId("run-view").getByTestId("run-status").first()).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(page.getByTestId("stat-written")).toHaveText("2");

  const numbers = new Set((await kingdeeCustomers(request)).map((c) => c.FNumber));
  for (const n of taken) expect(numbers.has(n)).toBe(true);
  expect([...numbers].filter((n) => n.startsWith(PREFIX))).toHaveLength(200);
});
