// Issue #16, item 2, as a person choosing "concurrent calls" sees it: a finished run's page says how
// much of its time against 金蝶 had a call under way. With 金蝶 slow (2.5 s a call) the run was
// bound by the target, and the page suggests raising the connection's concurrent calls (2 of 16),
// with a link to that connection that works from the keyboard.
import { expect, signedIn, test } from "./fixtures";
import { bearer, KINGDEE_ADMIN, prefixedScheme } from "./helpers";

const PREFIX = `T${Date.now().toString(36).slice(-4).toUpperCase()}-`;

test("a run bound by a slow 金蝶 shows its time at the target and suggests more concurrent calls", async ({ page, request }) => {
  test.setTimeout(120_000);
  const schemeId = await prefixedScheme(request, `e2e 用时 ${PREFIX}`, PREFIX);
  const { scheme } = (await (await request.get(`/api/schemes/${schemeId}`, { headers: bearer })).json()) as {
    scheme: { definition: { nodes: { type: string; config: { connectionId: string } }[] } };
  };
  const target = scheme.definition.nodes.find((n) => n.type === "target")!;

  // Signed in before the run starts: on a busy machine signing in took longer than the run, and the
  // page first showed it finished.
  await signedIn(page);
  expect((await request.post(`${KINGDEE_ADMIN}/faults`, { data: { latencyMs: 2_500 } })).ok()).toBeTruthy();
  try {
    const started = await request.post(`/api/schemes/${schemeId}/runs`, { headers: bearer, data: {} });
    expect(started.status()).toBe(202);
    const runId = ((await started.json()) as { run: { id: string } }).run.id;

    await page.goto(`/runs/${runId}`);
    // Nothing while it runs: the figures are the finished attempt's.
    await expect(page.getByTestId("run-view").getByTestId("run-status").first()).toHaveAttribute("data-status", "running", { timeout: 30_000 });
    await expect(page.getByTestId("run-timings")).toHaveCount(0);
    await expect(page.getByTestId("run-view").getByTestId("run-status").first()).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });

    const timings = page.getByTestId("run-timings");
    await expect(timings).toBeVisible();
    await expect(page.getByRole("heading", { name: "目标系统用时" })).toBeVisible();
    expect(Number(await timings.getAttribute("data-busy-share"))).toBeGreaterThanOrEqual(80);
    await expect(page.getByRole("img", { name: /^有调用进行中 \d+%，无调用 \d+%$/ })).toBeVisible();
    await expect(page.getByTestId("run-timings-concurrency")).toHaveText("2（最多 16）");
    const advice = page.getByTestId("run-timings-advice");
    await expect(advice).toHaveAttribute("data-verdict", "target-bound");
    await expect(advice).toContainText("调高连接的「并发调用数」（现为 2）");

    // The link to the target connection, from the keyboard.
    const link = advice.getByRole("link", { name: "查看连接" });
    await link.focus();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(new RegExp(`/connections#connection-${target.config.connectionId}$`));
    await expect(page.locator(`[id="connection-${target.config.connectionId}"]`)).toBeVisible();
  } finally {
    await request.post(`${KINGDEE_ADMIN}/faults`, { data: { latencyMs: 0 } });
  }
});
