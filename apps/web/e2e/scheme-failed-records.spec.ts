// Issue 11 item 8: failed records are never stranded. A scheme's unresolved failed records are
// listed per scheme, whatever became of the run that failed them (here: later runs with no
// failures of their own), and retried one, selected or all from the scheme's runs page.
import type { APIRequestContext } from "@playwright/test";
import { expect, signedIn, test } from "./fixtures";
import { bearer, freeNumbers, kingdeeCustomers, schemeWithTakenNumbers } from "./helpers";

const PREFIX = `F${Date.now().toString(36).slice(-4).toUpperCase()}-`;

interface FailedList {
  records: { id: string; sourceId: string; error: string | null; errorField: string | null; run: { id: string; trigger: string } | null }[];
  nextCursor: string | null;
  total: number;
}

async function finishedRun(request: APIRequestContext, schemeId: string) {
  const started = await request.post(`/api/schemes/${schemeId}/runs`, { headers: bearer, data: {} });
  expect(started.status()).toBe(202);
  const { run } = (await started.json()) as { run: { id: string } };
  let detail: { status: string; failed: number } = { status: "queued", failed: 0 };
  await expect
    .poll(async () => {
      detail = ((await (await request.get(`/api/runs/${run.id}`, { headers: bearer })).json()) as { run: typeof detail }).run;
      return detail.status;
    }, { timeout: 60_000 })
    .toMatch(/^(succeeded|partial|failed)$/);
  return { id: run.id, ...detail };
}

test("a scheme's failed records are listed whatever became of their run, and retried one, selected or all", async ({ page, request }) => {
  test.setTimeout(180_000);
  const { schemeId, taken } = await schemeWithTakenNumbers(request, `e2e 失败记录 ${PREFIX}`, PREFIX, 4);
  const first = await finishedRun(request, schemeId);
  expect(first).toMatchObject({ status: "partial", failed: 4 });
  // A later run has no failures of its own: the four are not on its page, but still the scheme's.
  const second = await finishedRun(request, schemeId);
  expect(second).toMatchObject({ status: "succeeded", failed: 0 });

  const page1 = (await (await request.get(`/api/schemes/${schemeId}/failed-records?limit=3`, { headers: bearer })).json()) as FailedList;
  expect(page1.total).toBe(4);
  expect(page1.records).toHaveLength(3);
  expect(page1.records[0]).toMatchObject({ error: expect.stringContaining("已经被使用"), run: { id: first.id, trigger: "manual" } });
  const page2 = (await (await request.get(`/api/schemes/${schemeId}/failed-records?limit=3&cursor=${page1.nextCursor}`, { headers: bearer })).json()) as FailedList;
  expect(page2.records).toHaveLength(1);
  expect(page2.nextCursor).toBeNull();
  expect(new Set([...page1.records, ...page2.records].map((r) => r.id)).size).toBe(4);

  await freeNumbers(request, taken);
  await signedIn(page);
  const section = page.getByTestId("scheme-failed-records");
  const openList = async (total: number) => {
    await page.goto(`/schemes/${schemeId}/runs`);
    await expect(section.getByTestId("failed-total")).toHaveText(String(total));
  };
  const retried = async (written: number) => {
    await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    await expect(page.getByTestId("run-trigger")).toHaveAttribute("data-trigger", "retry");
    await expect(page.getByTestId("run-view").getByTestId("run-status").first()).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
    await expect(page.getByTestId("stat-written")).toHaveText(String(written));
  };

  // One, with the keyboard.
  await openList(4);
  await expect(section.getByTestId("failed-record-row")).toHaveCount(4);
  await expect(section.getByTestId("failed-record-error").first()).toContainText("已经被使用");
  await section.getByTestId("failed-record-row").first().getByRole("button", { name: "重试" }).focus();
  await page.keyboard.press("Enter");
  await retried(1);

  // Two selected (Space on the checkboxes).
  await openList(3);
  const rows = section.getByTestId("failed-record-row");
  await rows.nth(0).getByRole("checkbox").focus();
  await page.keyboard.press("Space");
  await rows.nth(1).getByRole("checkbox").focus();
  await page.keyboard.press("Space");
  await section.getByRole("button", { name: "重试所选（2）" }).click();
  await retried(2);

  // All that is left.
  await openList(1);
  await section.getByRole("button", { name: "全部重试（1）" }).click();
  await retried(1);

  await openList(0);
  await expect(section.getByText("没有未解决的失败记录")).toBeVisible();
  const nothing = await request.post(`/api/schemes/${schemeId}/retry`, { headers: bearer, data: {} });
  expect(nothing.status()).toBe(409);
  const stale = await request.post(`/api/schemes/${schemeId}/retry`, { headers: bearer, data: { ids: [page1.records[0]!.id] } });
  expect(stale.status()).toBe(409);
  const numbers = new Set((await kingdeeCustomers(request)).map((c) => c.FNumber));
  expect(taken.every((n) => numbers.has(n))).toBe(true);
  expect([...numbers].filter((n) => n.startsWith(PREFIX))).toHaveLength(200);
});
