// What became of a source record (记录查询) and the filter node's records at run time: a scheme that
// keeps only 天猫 and 京东 shops writes those, counts the others as filtered out on the run page, and
// the scheme's runs page finds any shop by its id — written with its number, or filtered out — and
// shows its data as read. All from the keyboard.
import type { APIRequestContext } from "@playwright/test";
import { expect, saveAdminSession, signedIn, test } from "./fixtures";
import { ADMIN_EMAIL, ADMIN_PASSWORD, bearer, GUANYI_URL, prefixedScheme } from "./helpers";

const stamp = Date.now().toString(36).slice(-5);
const PREFIX = `REC${stamp}-`;
let schemeId = "";

interface Definition {
  nodes: { id: string; type: string; position: { x: number; y: number }; config: Record<string, unknown> }[];
  edges: { id: string; source: string; target: string }[];
}

async function addFilter(request: APIRequestContext): Promise<void> {
  const got = (await (await request.get(`/api/schemes/${schemeId}`, { headers: bearer })).json()) as { scheme: { definition: Definition } };
  const d = got.scheme.definition;
  const source = d.nodes.find((n) => n.type === "source")!;
  const target = d.nodes.find((n) => n.type === "target")!;
  d.nodes.push({ id: "filter", type: "filter", position: { x: 300, y: 100 }, config: { match: "all", rules: [{ field: "{{type_name}}", op: "in", value: "天猫，京东" }] } });
  d.edges = [
    { id: "e1", source: source.id, target: "filter" },
    { id: "e2", source: "filter", target: target.id },
  ];
  const saved = await request.patch(`/api/schemes/${schemeId}`, { headers: bearer, data: { definition: d } });
  expect(saved.ok(), await saved.text()).toBeTruthy();
}

test.beforeAll(async ({ request, baseURL }) => {
  const signIn = await request.post("/api/auth/sign-in/email", { headers: { origin: new URL(baseURL!).origin }, data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  expect(signIn.status()).toBe(200);
  await saveAdminSession(request);
  schemeId = await prefixedScheme(request, `e2e 记录查询 ${stamp}`, PREFIX);
  await addFilter(request);
});

interface Staged {
  records: { id: string; sourceId: string; status: string; targetNumber: string | null }[];
}

/** The first staged record of the scheme with this status (the API the page uses). */
async function firstWith(request: APIRequestContext, status: string) {
  const res = await request.get(`/api/schemes/${schemeId}/records?status=${status}&limit=1`, { headers: bearer });
  expect(res.ok()).toBeTruthy();
  const [record] = ((await res.json()) as Staged).records;
  expect(record).toBeDefined();
  return record!;
}

/** A shop as the 管易云 simulator holds it (its admin endpoint). */
async function shop(request: APIRequestContext, id: string): Promise<{ id: number; code: string; type_name: string }> {
  const res = await request.get(`${GUANYI_URL.replace("/rest/erp_open", "/__admin/shops")}?id=${id}`);
  expect(res.ok()).toBeTruthy();
  return ((await res.json()) as { shop: { id: number; code: string; type_name: string } }).shop;
}

test("a filtered run counts what it left out, and a shop is found by its id: written, or filtered out", async ({ page, request }) => {
  test.setTimeout(180_000);
  await signedIn(page);
  const started = await request.post(`/api/schemes/${schemeId}/runs`, { headers: bearer, data: {} });
  expect(started.status()).toBe(202);
  const { run } = (await started.json()) as { run: { id: string } };
  await page.goto(`/runs/${run.id}`);
  await expect(page.getByTestId("run-view").getByTestId("run-status").first()).toHaveAttribute("data-status", "succeeded", { timeout: 120_000 });
  const done = (await (await request.get(`/api/runs/${run.id}`, { headers: bearer })).json()) as { run: { fetched: number; written: number; filtered: number } };
  expect(done.run.written).toBeGreaterThan(0);
  expect(done.run.filtered).toBeGreaterThan(0);
  expect(done.run.written + done.run.filtered).toBe(done.run.fetched);
  await expect(page.getByTestId("stat-filtered")).toHaveText(done.run.filtered.toLocaleString("zh-CN"));
  const written = await firstWith(request, "written");
  const filtered = await firstWith(request, "filtered");
  expect(["天猫", "京东"]).toContain((await shop(request, written.sourceId)).type_name);
  const leftOut = await shop(request, filtered.sourceId);
  expect(["天猫", "京东"]).not.toContain(leftOut.type_name);

  await page.goto(`/schemes/${schemeId}/runs`);
  const section = page.getByTestId("staged-records");
  await expect(section.getByTestId("records-source-id")).toBeVisible();
  await expect(section.getByTestId("staged-record-row")).toHaveCount(0);

  // A shop the filter keeps: written under the prefixed number.
  const input = section.getByTestId("records-source-id");
  await input.focus();
  await page.keyboard.type(written.sourceId);
  await page.keyboard.press("Enter");
  await expect(section.getByTestId("staged-record-row")).toHaveCount(1);
  await expect(section.getByTestId("staged-record-status")).toHaveText("已写入");
  await expect(section.getByTestId("staged-record-row")).toContainText(written.targetNumber!);
  expect(written.targetNumber).toMatch(new RegExp(`^${PREFIX}`));

  // One it leaves out: filtered, with the reason; opened, its data as read.
  await input.fill(filtered.sourceId);
  await page.keyboard.press("Enter");
  await expect(section.getByTestId("staged-record-status")).toHaveText("已过滤");
  await expect(section.getByTestId("staged-record-row")).toContainText("不符合过滤条件");
  await section.getByRole("button", { name: `展开记录 ${filtered.sourceId} 的数据和写入历史` }).press("Enter");
  await expect(section.getByTestId("staged-record-data")).toContainText(leftOut.type_name);

  // By status: every filtered shop, none written among them.
  await input.fill("");
  await section.getByTestId("records-status").selectOption("filtered");
  await expect(section.getByTestId("staged-record-status").first()).toHaveText("已过滤");
  const statuses = await section.getByTestId("staged-record-status").allTextContents();
  expect(new Set(statuses)).toEqual(new Set(["已过滤"]));

  // An id never read.
  await input.fill("999999999999999");
  await page.keyboard.press("Enter");
  await expect(section.getByTestId("records-none")).toContainText("没有找到源记录");
});
