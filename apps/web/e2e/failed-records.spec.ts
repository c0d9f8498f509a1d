// A target that rejects some records: the run ends partial, the failed records show Kingdee's
// message with source, payload and response; once the cause is removed, a retry writes them.
import { expect, signedIn, test } from "./fixtures";
import { bearer, KINGDEE_ADMIN, kingdeeCustomers } from "./helpers";

const PREFIX = `R${Date.now().toString(36).slice(-4).toUpperCase()}-`;

test("failed records show Kingdee's message and are written by a retry", async ({ page, request }) => {
  test.setTimeout(120_000);

  // A copy of the seed scheme whose customers get numbers of their own (PREFIX + shop code).
  const list = await request.get("/api/schemes", { headers: bearer });
  expect(list.ok()).toBeTruthy();
  const seed = ((await list.json()) as { schemes: { id: string; name: string }[] }).schemes.find((s) => s.name.startsWith("管易云店铺查询"));
  expect(seed).toBeDefined();
  const seedScheme = (await (await request.get(`/api/schemes/${seed!.id}`, { headers: bearer })).json()) as {
    scheme: { definition: { nodes: { type: string; config: { mapping?: Record<string, string> } }[] } };
  };
  const definition = seedScheme.scheme.definition;
  const target = definition.nodes.find((n) => n.type === "target")!;
  target.config.mapping = { ...target.config.mapping, FNumber: `${PREFIX}{{code}}` };
  const created = await request.post("/api/schemes", { headers: bearer, data: { name: `e2e 部分失败 ${PREFIX}`, definition } });
  expect(created.status()).toBe(201);
  const schemeId = ((await created.json()) as { scheme: { id: string } }).scheme.id;

  // The test run shows which numbers the run will write; three of them are taken in Kingdee first.
  const testRun = await request.post(`/api/schemes/${schemeId}/test`, { headers: bearer, data: { sampleSize: 3 } });
  expect(testRun.ok()).toBeTruthy();
  const sample = ((await testRun.json()) as { run: { result: { records: { payload: { FNumber: string } }[] } } }).run.result.records;
  const taken = sample.map((r) => r.payload.FNumber);
  expect(taken).toHaveLength(3);
  const pre = await request.post(`${KINGDEE_ADMIN}/customers`, {
    data: { customers: taken.map((FNumber) => ({ FNumber, FName: `已存在的客户 ${FNumber}` })) },
  });
  expect(pre.ok()).toBeTruthy();

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
  const freed = await request.delete(`${KINGDEE_ADMIN}/customers?${taken.map((n) => `number=${encodeURIComponent(n)}`).join("&")}`);
  expect(((await freed.json()) as { deleted: number }).deleted).toBe(3);
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
