// Shared by the e2e specs: the seeded admin, the simulators e2e/serve.ts starts, and sign-in.
import { expect, type APIRequestContext, type Page } from "@playwright/test";

export const ADMIN_EMAIL = process.env.ADMIN_EMAIL ?? "admin@qiao.local";
export const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD ?? "qiao-admin-2026";
export const GUANYI_URL = `http://127.0.0.1:${process.env.E2E_GUANYI_PORT ?? "4110"}/rest/erp_open`;
export const KINGDEE_URL = `http://127.0.0.1:${process.env.E2E_KINGDEE_PORT ?? "4120"}/k3cloud/`;
export const KINGDEE_ADMIN = KINGDEE_URL.replace("/k3cloud/", "/__admin");
/** The simulators' alert receiver (钉钉 / 企业微信 robots, webhooks; /__admin/alerts) and its SMTP port. */
export const ALERTS_URL = `http://127.0.0.1:${process.env.E2E_ALERTS_PORT ?? "4130"}`;
export const ALERTS_SMTP_PORT = Number(process.env.E2E_ALERTS_SMTP_PORT ?? "4131");
export const API_TOKEN = process.env.QIAO_API_TOKEN ?? "";
export const bearer = { authorization: `Bearer ${API_TOKEN}` };

/** The e2e database e2e/serve.ts created (E2E_DATABASE_NAME next to DATABASE_URL's). */
export function e2eDatabaseUrl(): string {
  const url = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/qiao");
  url.pathname = `/${process.env.E2E_DATABASE_NAME ?? ""}`;
  return url.toString();
}

/** Drags an edge from a node's source handle to another node's target handle on the canvas. */
export async function connectNodes(page: Page, from: string, to: string): Promise<void> {
  const source = page.locator(`[data-testid="rf__node-${from}"] .react-flow__handle.source`);
  const target = page.locator(`[data-testid="rf__node-${to}"] .react-flow__handle.target`);
  await source.hover();
  const start = (await source.boundingBox())!;
  await page.mouse.down();
  // A first small move starts React Flow's connection line before the long one to the target.
  await page.mouse.move(start.x + start.width / 2 + 10, start.y + start.height / 2, { steps: 3 });
  const box = (await target.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 12 });
  await page.mouse.up();
}

export async function signIn(page: Page, next = "/schemes"): Promise<void> {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel("邮箱").fill(ADMIN_EMAIL);
  await page.getByLabel("密码").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).toHaveURL(new RegExp(`${next.replace(/[/]/g, "\\/")}$`));
}

export interface SimCustomer {
  FNumber: string;
  FName?: string;
}

export async function kingdeeCustomers(request: APIRequestContext): Promise<SimCustomer[]> {
  const res = await request.get(`${KINGDEE_ADMIN}/customers`);
  expect(res.ok()).toBeTruthy();
  return ((await res.json()) as { customers: SimCustomer[] }).customers;
}

/** A copy of a seeded scheme (found by the start of its name) under `name`, through the API. */
export async function copyOfSeed(request: APIRequestContext, seedPrefix: string, name: string): Promise<string> {
  const list = (await (await request.get("/api/schemes", { headers: bearer })).json()) as { schemes: { id: string; name: string }[] };
  const seed = list.schemes.find((s) => s.name.startsWith(seedPrefix));
  expect(seed, seedPrefix).toBeDefined();
  const { scheme } = (await (await request.get(`/api/schemes/${seed!.id}`, { headers: bearer })).json()) as { scheme: { definition: unknown } };
  const created = await request.post("/api/schemes", { headers: bearer, data: { name, definition: scheme.definition } });
  expect(created.status()).toBe(201);
  return ((await created.json()) as { scheme: { id: string } }).scheme.id;
}

/** A copy of the seed scheme whose customers get numbers of their own (`prefix` + shop code). */
export async function prefixedScheme(request: APIRequestContext, name: string, prefix: string): Promise<string> {
  const list = await request.get("/api/schemes", { headers: bearer });
  expect(list.ok()).toBeTruthy();
  const seed = ((await list.json()) as { schemes: { id: string; name: string }[] }).schemes.find((s) => s.name.startsWith("管易云店铺查询"));
  expect(seed).toBeDefined();
  const seedScheme = (await (await request.get(`/api/schemes/${seed!.id}`, { headers: bearer })).json()) as {
    scheme: { definition: { nodes: { type: string; config: { mapping?: Record<string, string> } }[] } };
  };
  const definition = seedScheme.scheme.definition;
  const target = definition.nodes.find((n) => n.type === "target")!;
  target.config.mapping = { ...target.config.mapping, FNumber: `${prefix}{{code}}` };
  const created = await request.post("/api/schemes", { headers: bearer, data: { name, definition } });
  expect(created.status()).toBe(201);
  return ((await created.json()) as { scheme: { id: string } }).scheme.id;
}

/**
 * A prefixedScheme with the first `count` numbers its run will write (shown by a test run) already
 * taken in Kingdee: a run of it fails exactly those records.
 */
export async function schemeWithTakenNumbers(request: APIRequestContext, name: string, prefix: string, count: number) {
  const schemeId = await prefixedScheme(request, name, prefix);
  const testRun = await request.post(`/api/schemes/${schemeId}/test`, { headers: bearer, data: { sampleSize: count } });
  expect(testRun.ok()).toBeTruthy();
  const sample = ((await testRun.json()) as { run: { result: { records: { payload: { FNumber: string } }[] } } }).run.result.records;
  const taken = sample.map((r) => r.payload.FNumber);
  expect(taken).toHaveLength(count);
  const pre = await request.post(`${KINGDEE_ADMIN}/customers`, {
    data: { customers: taken.map((FNumber) => ({ FNumber, FName: `已存在的客户 ${FNumber}` })) },
  });
  expect(pre.ok()).toBeTruthy();
  return { schemeId, taken };
}

/** Frees customer numbers in the Kingdee simulator (the cause of the failures above goes away). */
export async function freeNumbers(request: APIRequestContext, numbers: string[]): Promise<void> {
  const freed = await request.delete(`${KINGDEE_ADMIN}/customers?${numbers.map((n) => `number=${encodeURIComponent(n)}`).join("&")}`);
  expect(((await freed.json()) as { deleted: number }).deleted).toBe(numbers.length);
}
