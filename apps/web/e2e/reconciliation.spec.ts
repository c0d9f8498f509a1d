// Reconciliation (对账) from the scheme's runs page: 3 customers deleted in the 金蝶 simulator are
// found missing (with an extra and a renamed one reported too); the resync writes exactly those 3.
// A refused cron's error is the description of its input (session 34; failed before its fix).
import pg from "pg";
import { expect, signedIn, test } from "./fixtures";
import { bearer, e2eDatabaseUrl, freeNumbers, KINGDEE_ADMIN, kingdeeCustomers, prefixedScheme } from "./helpers";

const PREFIX = `C${Date.now().toString(36).slice(-4).toUpperCase()}-`;

test("reconciliation finds the customers deleted in 金蝶 and the resync writes exactly them", async ({ page, request }) => {
  test.setTimeout(180_000);
  const schemeId = await prefixedScheme(request, `e2e 对账 ${PREFIX}`, PREFIX);
  const started = await request.post(`/api/schemes/${schemeId}/runs`, { headers: bearer });
  expect(started.status()).toBe(202);
  const runId = ((await started.json()) as { run: { id: string } }).run.id;
  await expect
    .poll(async () => ((await (await request.get(`/api/runs/${runId}`, { headers: bearer })).json()) as { run: { status: string } }).run.status, { timeout: 60_000 })
    .toBe("succeeded");

  const ours = (await kingdeeCustomers(request)).filter((c) => c.FNumber.startsWith(PREFIX)).sort((a, b) => a.FNumber.localeCompare(b.FNumber));
  expect(ours).toHaveLength(200);
  const deleted = [ours[3]!, ours[77]!, ours[150]!].map((c) => c.FNumber);
  const renamed = ours[10]!.FNumber;
  await freeNumbers(request, [...deleted, renamed]);
  const added = await request.post(`${KINGDEE_ADMIN}/customers`, {
    data: { customers: [{ FNumber: renamed, FName: "改过名的客户" }, { FNumber: `${PREFIX}EXTRA`, FName: "多出来的客户" }] },
  });
  expect(added.ok()).toBeTruthy();

  await signedIn(page);
  await page.goto(`/schemes/${schemeId}/runs`);
  const panel = page.getByTestId("reconciliation");
  await expect(panel.getByText("还没有对账报告")).toBeVisible();

  // Only this scheme's customers (other specs write to the same simulator): the 金蝶 filter.
  await panel.getByText("对账设置").click();
  await panel.getByLabel("金蝶过滤条件").fill(`FNumber like '${PREFIX}%'`);
  const cron = panel.getByLabel("定时对账（cron）");
  await cron.fill("0 3 * *");
  await panel.getByRole("button", { name: "保存设置" }).click();
  await expect(panel.getByRole("alert")).toContainText("5 个字段");
  await test.step("the cron's error is tied to its input: aria-invalid, and the error as its description", async () => {
    await expect(cron).toHaveAttribute("aria-invalid", "true");
    await expect(cron).toHaveAccessibleDescription(/5 个字段/);
  });
  await cron.fill("0 3 * * *");
  await cron.press("Enter");
  await expect(panel.getByText("已保存")).toBeVisible();
  await expect(cron).not.toHaveAttribute("aria-invalid", "true");

  // From the keyboard: focus the button, press Enter.
  await panel.getByRole("button", { name: "立即对账" }).focus();
  await page.keyboard.press("Enter");
  const report = panel.getByTestId("reconcile-report");
  await expect(report).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(panel.getByTestId("reconcile-missing")).toHaveText("3");
  await expect(panel.getByTestId("reconcile-extra")).toHaveText("1");
  await expect(panel.getByTestId("reconcile-different")).toHaveText("1");
  await expect(panel.getByTestId("reconcile-tab-missing")).toHaveAttribute("aria-selected", "true");
  await expect(panel.getByTestId("reconcile-item-number")).toHaveText([...deleted].sort());
  await panel.getByTestId("reconcile-tab-missing").press("ArrowRight");
  await expect(panel.getByTestId("reconcile-tab-extra")).toBeFocused();
  await expect(panel.getByTestId("reconcile-item-number")).toHaveText([`${PREFIX}EXTRA`]);

  const before = (await kingdeeCustomers(request)).filter((c) => c.FNumber.startsWith(PREFIX)).length;
  await panel.getByRole("button", { name: "补同步缺失记录（3 条）" }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  await expect(page.getByTestId("run-trigger")).toHaveAttribute("data-trigger", "retry");
  await expect(page.getByTestId("run-view").getByTestId("run-status").first()).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(page.getByTestId("stat-written")).toHaveText("3");

  const after = (await kingdeeCustomers(request)).filter((c) => c.FNumber.startsWith(PREFIX));
  expect(after.length - before).toBe(3);
  for (const n of deleted) expect(after.filter((c) => c.FNumber === n)).toHaveLength(1);

  // The report remembers its resync: back on the page, a link to the run instead of the button.
  await page.goto(`/schemes/${schemeId}/runs`);
  await expect(panel.getByTestId("reconcile-resync-run")).toBeVisible();
  await expect(panel.getByRole("button", { name: /补同步缺失记录/ })).toHaveCount(0);

  // A report whose source kept moving through its last pass says so (the engine's reconcile.test.ts
  // makes such a report from a real read; here only how the panel shows it).
  await expect(panel.getByTestId("reconcile-source-moved")).toHaveCount(0);
  const client = new pg.Client({ connectionString: e2eDatabaseUrl() });
  await client.connect();
  try {
    await client.query("UPDATE reconciliations SET source_passes = 2, source_moved = true WHERE scheme_id = $1", [schemeId]);
  } finally {
    await client.end();
  }
  await page.reload();
  await expect(panel.getByTestId("reconcile-source-moved")).toHaveText(/读取源系统期间数据一直在变动（已读取 2 遍）.*金蝶中多出/);
});
