// Issue #11, item 1, as a person sees it: 金蝶 commits a batch but the answer never arrives. The run
// page says how many records wait (待确认) and until when, the run is not succeeded meanwhile, and
// after the wait the lookup finds them and the run ends succeeded with every record written once.
import { expect, signedIn, test } from "./fixtures";
import { bearer, KINGDEE_ADMIN, kingdeeCustomers, prefixedScheme } from "./helpers";

const PREFIX = `U${Date.now().toString(36).slice(-4).toUpperCase()}-`;

test("a batch whose answer was lost waits as 待确认, is looked up after the wait and never sent twice", async ({ page, request }) => {
  test.setTimeout(120_000);
  const schemeId = await prefixedScheme(request, `e2e 待确认 ${PREFIX}`, PREFIX);

  // The next BatchSave is committed by 金蝶 and its connection then cut: nobody knows it was saved.
  const fault = await request.post(`${KINGDEE_ADMIN}/faults`, { data: { next: [{ fault: "drop", service: "BatchSave" }] } });
  expect(fault.ok()).toBeTruthy();
  const started = await request.post(`/api/schemes/${schemeId}/runs`, { headers: bearer, data: {} });
  expect(started.status()).toBe(202);
  const runId = ((await started.json()) as { run: { id: string } }).run.id;

  await signedIn(page);
  await page.goto(`/runs/${runId}`);
  const waiting = page.getByTestId("run-waiting");
  await expect(waiting).toContainText("100 条记录的写入结果待确认", { timeout: 30_000 });
  await expect(waiting).toContainText("不存在的才重新发送");
  await expect(page.getByTestId("stat-unknown")).toHaveText("100");
  await expect(page.getByTestId("run-view").getByTestId("run-status").first()).toHaveAttribute("data-status", "running");

  // After the wait (20 s in e2e) the lookup finds the 100 in 金蝶: written, nothing sent again.
  await expect(page.getByTestId("run-view").getByTestId("run-status").first()).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(page.getByTestId("stat-written")).toHaveText("200");
  await expect(page.getByTestId("run-waiting")).toHaveCount(0);
  await expect(page.getByText(/核对了 100 条待确认记录/)).toBeVisible();
  // Its time at the target is the last attempt's (the lookup), and says so; too short for advice.
  await expect(page.getByTestId("run-timings")).toContainText("第 2 次执行（本次运行中最后一次）");
  await expect(page.getByTestId("run-timings-advice")).toHaveCount(0);
  const numbers = (await kingdeeCustomers(request)).map((c) => c.FNumber).filter((n) => n.startsWith(PREFIX));
  expect(numbers).toHaveLength(200);
  expect(new Set(numbers).size).toBe(200);
  const stats = (await (await request.get(`${KINGDEE_ADMIN}/stats`)).json()) as { duplicateAttempts: number };
  expect(stats.duplicateAttempts).toBe(0);
});
