// Shared by the e2e specs: the seeded admin, the simulators e2e/serve.ts starts, and sign-in.
import { expect, type APIRequestContext, type Page } from "@playwright/test";

export const ADMIN_EMAIL = process.env.ADMIN_EMAIL ?? "admin@qiao.local";
export const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD ?? "qiao-admin-2026";
export const GUANYI_URL = `http://127.0.0.1:${process.env.E2E_GUANYI_PORT ?? "4110"}/rest/erp_open`;
export const KINGDEE_URL = `http://127.0.0.1:${process.env.E2E_KINGDEE_PORT ?? "4120"}/k3cloud/`;
export const KINGDEE_ADMIN = KINGDEE_URL.replace("/k3cloud/", "/__admin");
export const API_TOKEN = process.env.QIAO_API_TOKEN ?? "";
export const bearer = { authorization: `Bearer ${API_TOKEN}` };

/** The e2e database e2e/serve.ts created (E2E_DATABASE_NAME next to DATABASE_URL's). */
export function e2eDatabaseUrl(): string {
  const url = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/qiao");
  url.pathname = `/${process.env.E2E_DATABASE_NAME ?? ""}`;
  return url.toString();
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
