import { expect, test } from "./fixtures";

const ADMIN_EMAIL = process.env.ADMIN_EMAIL ?? "admin@qiao.local";
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD ?? "qiao-admin-2026";

test("anonymous pages redirect to sign-in, the API answers 401", async ({ page, request }) => {
  await page.goto("/schemes");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fschemes/);
  await expect(page.getByRole("heading", { name: "桥 Qiao" })).toBeVisible();
  const res = await request.get("/api/schemes");
  expect(res.status()).toBe(401);
});

test("the admin signs in to the overview and sees the seed scheme", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("邮箱").fill(ADMIN_EMAIL);
  await page.getByLabel("密码").fill("wrong-password");
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page.locator("form").getByRole("alert")).toHaveText("邮箱或密码不正确");
  await page.getByLabel("密码").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).toHaveURL(/:\d+\/$/);
  await expect(page.getByRole("heading", { name: "概览" })).toBeVisible();
  await expect(page.getByTestId("overview-scheme").filter({ hasText: "管易云店铺查询 → 金蝶客户新增" })).toBeVisible();
});
