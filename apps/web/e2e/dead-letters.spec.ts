// Issue 14 item 1: a scheme's retry policy and its dead letters (死信). 金蝶 answers every save with a
// 网控 conflict (MsgCode 13, transient) for the first run and both automatic retries of a short
// schedule set in the scheme; the records are then dead letters, listed on the scheme's runs page
// with their history of attempts, and retried by hand (one, then all) — each written once.
import type { APIRequestContext } from "@playwright/test";
import { expect, signedIn, test } from "./fixtures";
import { bearer, KINGDEE_ADMIN, kingdeeCustomers } from "./helpers";

const PREFIX = `D${Date.now().toString(36).slice(-4).toUpperCase()}-`;

interface SchemeDto {
  scheme: { definition: { retry?: { backoffMs: number[] }; nodes: { type: string; config: { mapping?: Record<string, string>; batchSize?: number } }[] } };
}

async function seedDefinition(request: APIRequestContext) {
  const list = await request.get("/api/schemes", { headers: bearer });
  const seed = ((await list.json()) as { schemes: { id: string; name: string }[] }).schemes.find((s) => s.name.startsWith("管易云店铺查询"));
  expect(seed).toBeDefined();
  return ((await (await request.get(`/api/schemes/${seed!.id}`, { headers: bearer })).json()) as SchemeDto).scheme.definition;
}

test("a retry schedule that does not increase is refused at save, with its step", async ({ request }) => {
  const definition = await seedDefinition(request);
  definition.retry = { backoffMs: [300_000, 60_000] };
  const refused = await request.post("/api/schemes", { headers: bearer, data: { name: `e2e 重试间隔 ${PREFIX}`, definition } });
  expect(refused.status()).toBe(400);
  const body = (await refused.json()) as { error: { issues: { path: (string | number)[]; message: string }[] } };
  expect(body.error.issues).toContainEqual(expect.objectContaining({ path: ["definition", "retry", "backoffMs", 1], message: expect.stringContaining("第 2 步") }));
});

test("records whose automatic retries ran out are dead letters, with their attempts, retried by hand and written once", async ({ page, request }) => {
  test.setTimeout(180_000);
  const definition = await seedDefinition(request);
  definition.retry = { backoffMs: [300, 600] };
  const target = definition.nodes.find((n) => n.type === "target")!;
  target.config.mapping = { ...target.config.mapping, FNumber: `${PREFIX}{{code}}` };
  target.config.batchSize = 1000;
  const created = await request.post("/api/schemes", { headers: bearer, data: { name: `e2e 死信 ${PREFIX}`, definition } });
  expect(created.status()).toBe(201);
  const schemeId = ((await created.json()) as { scheme: { id: string } }).scheme.id;

  const netControl = { fault: "netControl", service: "BatchSave" };
  expect((await request.post(`${KINGDEE_ADMIN}/faults`, { data: { next: [netControl, netControl, netControl] } })).ok()).toBeTruthy();
  expect((await request.post(`/api/schemes/${schemeId}/runs`, { headers: bearer, data: {} })).status()).toBe(202);
  let total = 0;
  await expect
    .poll(async () => {
      const res = await request.get(`/api/schemes/${schemeId}/failed-records?only=dead&limit=1`, { headers: bearer });
      total = ((await res.json()) as { total: number }).total;
      return total;
    }, { timeout: 60_000 })
    .toBeGreaterThan(0);
  const runs = (await (await request.get(`/api/schemes/${schemeId}/runs`, { headers: bearer })).json()) as { runs: { trigger: string }[] };
  expect(runs.runs.map((r) => r.trigger).sort()).toEqual(["manual", "retry", "retry"]);

  await signedIn(page);
  await page.goto(`/schemes/${schemeId}/runs`);
  const section = page.getByTestId("scheme-failed-records");
  await section.getByTestId("failed-tab-dead").focus();
  await page.keyboard.press("Enter");
  await expect(section.getByTestId("failed-tab-dead")).toHaveAttribute("aria-selected", "true");
  await expect(section.getByTestId("failed-total")).toHaveText(String(total));
  const first = section.getByTestId("failed-record-row").first();
  await expect(first.getByTestId("retry-state")).toContainText("临时故障");
  await expect(first.getByTestId("retry-state")).toContainText("进入死信");
  await expect(first.getByTestId("failed-record-error")).toContainText("网控");

  // Its history: the first run and both automatic retries.
  await first.getByRole("button", { name: /查看记录 .* 的尝试历史/ }).click();
  await expect(section.getByTestId("record-attempt")).toHaveCount(3);
  await expect(section.getByTestId("record-attempts")).toContainText("手动");

  // One by hand, with the keyboard.
  await first.getByRole("button", { name: "重试" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  await expect(page.getByTestId("run-view").getByTestId("run-status").first()).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(page.getByTestId("stat-written")).toHaveText("1");

  // All the others.
  await page.goto(`/schemes/${schemeId}/runs`);
  await section.getByTestId("failed-tab-dead").click();
  await expect(section.getByTestId("failed-total")).toHaveText(String(total - 1));
  await section.getByRole("button", { name: `全部重试（${total - 1}）` }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  await expect(page.getByTestId("run-view").getByTestId("run-status").first()).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(page.getByTestId("stat-written")).toHaveText(String(total - 1));

  await page.goto(`/schemes/${schemeId}/runs`);
  await section.getByTestId("failed-tab-dead").click();
  await expect(section.getByText("没有死信记录")).toBeVisible();
  const numbers = (await kingdeeCustomers(request)).map((c) => c.FNumber).filter((n) => n.startsWith(PREFIX));
  expect(numbers).toHaveLength(total);
  expect(new Set(numbers).size).toBe(total);
});
