// Issue 14 items 3 and 4: a scheme runs, the overview (the home page) shows the run's status and
// written count, its failed records and a worker alive; /api/metrics answers the same run in
// Prometheus' text format (parsed by an independent parser) to an admin or QIAO_METRICS_TOKEN. The
// chart's days and numbers are written as the page's language writes them (session 34; failed before
// its fix).
import { parseMetrics, samples } from "@qiao/jobs/metrics-parse";
import { expect, test } from "./fixtures";
import { bearer, schemeWithTakenNumbers, signIn } from "./helpers";

const stamp = Date.now().toString(36);

test("a run shows on the overview and in /api/metrics", async ({ page, request }) => {
  test.setTimeout(120_000);
  // Two of its customer numbers are taken in Kingdee: the run is partial with 2 failed records.
  const { schemeId } = await schemeWithTakenNumbers(request, `概览 ${stamp}`, `OV${stamp}-`, 2);
  const started = await request.post(`/api/schemes/${schemeId}/runs`, { headers: bearer, data: {} });
  expect(started.status()).toBe(202);
  const runId = ((await started.json()) as { run: { id: string } }).run.id;
  let run = { status: "queued", written: 0, failed: 0 };
  await expect
    .poll(async () => ((run = ((await (await request.get(`/api/runs/${runId}`, { headers: bearer })).json()) as { run: typeof run }).run), run.status), { timeout: 60_000 })
    .toBe("partial");
  expect(run.failed).toBe(2);
  expect(run.written).toBeGreaterThan(0);

  await signIn(page, "/");
  await expect(page.getByRole("heading", { name: "概览" })).toBeVisible();
  const row = page.locator(`[data-testid="overview-scheme"][data-scheme-id="${schemeId}"]`);
  await expect(row.getByTestId("run-status")).toHaveAttribute("data-status", "partial");
  await expect(row.getByTestId("written-24h")).toHaveText(new Intl.NumberFormat("zh-CN").format(run.written));
  // Counted after the run by the worker's follow-up; the page refreshes itself.
  await expect(row.getByTestId("records-failed")).toHaveText("失败 2", { timeout: 20_000 });
  await expect(page.getByTestId("worker-row").first()).toBeVisible();
  await expect(page.getByText(/\d+ 个在线/)).toBeVisible();

  // Keyboard: the chart's scheme select is a labelled control; the last run opens with Enter.
  const select = page.getByRole("combobox", { name: "方案" });
  await select.focus();
  await select.selectOption(schemeId);
  await expect(page.getByTestId("written-chart")).toBeVisible();
  await row.getByTestId("last-run").focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/runs/${runId}$`));

  // The same run in /api/metrics: an admin's token, or the metrics token; nobody else.
  expect((await request.get("/api/metrics")).status()).toBe(401);
  expect((await request.get("/api/metrics", { headers: { authorization: "Bearer not-the-metrics-token" } })).status()).toBe(401);
  // The worker publishes its registry with its heartbeat (every 10 s): wait for the one after the run.
  const batchSaves = async () =>
    Number(samples(parseMetrics(await (await request.get("/api/metrics", { headers: bearer })).text()), "qiao_erp_call_duration_seconds_count", { service: "BatchSave", outcome: "ok" })[0]?.value ?? 0);
  await expect.poll(batchSaves, { timeout: 25_000 }).toBeGreaterThanOrEqual(1);
  for (const headers of [bearer, { authorization: `Bearer ${process.env.QIAO_METRICS_TOKEN}` }]) {
    const res = await request.get("/api/metrics", { headers });
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toContain("text/plain");
    const m = parseMetrics(await res.text());
    const scheme = { scheme_id: schemeId };
    expect(samples(m, "qiao_runs_finished_total", { ...scheme, status: "partial" })[0]?.value).toBe("1");
    expect(samples(m, "qiao_records_written_total", scheme)[0]?.value).toBe(String(run.written));
    expect(samples(m, "qiao_records_failed_total", scheme)[0]?.value).toBe("2");
    expect(samples(m, "qiao_records", { ...scheme, status: "failed" })[0]?.value).toBe("2");
    expect(Number(samples(m, "qiao_workers_alive")[0]?.value)).toBeGreaterThanOrEqual(1);
    expect(samples(m, "qiao_queue_jobs", { state: "waiting" })).toHaveLength(1);
    // Process metrics of the web process and of the worker that ran it, each under its own label.
    const processes = samples(m, "process_resident_memory_bytes").map((s) => s.labels.process ?? "");
    expect(processes.some((p) => p.startsWith("web:"))).toBe(true);
    expect(processes.some((p) => !p.startsWith("web:"))).toBe(true);
    expect(Number(samples(m, "qiao_erp_call_duration_seconds_count", { service: "BatchSave", outcome: "ok" })[0]?.value)).toBeGreaterThanOrEqual(1);
  }
});

test("the chart's day labels and tooltip numbers are written in the page's language", async ({ page, baseURL }) => {
  // Counts past a thousand on the last day, for one scheme: the answer of /api/overview, changed in the browser.
  let lastDay = "";
  await page.route("**/api/overview", async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as { days: string[]; schemes: { written: number[]; failed: number[] }[] };
    lastDay = body.days.at(-1)!;
    body.schemes.forEach((s, k) => {
      s.written = body.days.map((_, i) => (k === 0 && i === body.days.length - 1 ? 12345 : 0));
      s.failed = body.days.map((_, i) => (k === 0 && i === body.days.length - 1 ? 6789 : 0));
    });
    await route.fulfill({ response, json: body });
  });
  const chart = page.getByTestId("written-chart");
  const lastTick = chart.locator(".recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value").last();
  const tooltip = chart.locator(".recharts-tooltip-wrapper");
  const showTooltip = () => chart.locator(".recharts-bar").first().locator(".recharts-bar-rectangle").last().hover();

  await signIn(page, "/");
  await expect(chart).toBeVisible();
  const [, month, day] = lastDay.split("-").map(Number);
  await expect(lastTick).toHaveText(`${month}月${day}日`);
  await showTooltip();
  await expect(tooltip).toContainText(`${month}月${day}日`);
  await expect(tooltip).toContainText("12,345");
  await expect(tooltip).toContainText("6,789");

  await page.context().addCookies([{ name: "qiao-locale", value: "en", url: baseURL! }]);
  await page.reload();
  const english = new Intl.DateTimeFormat("en", { month: "short", timeZone: "UTC" }).format(Date.UTC(2000, month! - 1, 1));
  await expect(lastTick).toHaveText(`${english} ${day}`);
  await showTooltip();
  await expect(tooltip).toContainText("12,345");
});
