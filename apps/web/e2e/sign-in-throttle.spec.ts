// Issue #11, item 6: sign-in throttling per account and client address, in Redis. The client
// address is the socket's (e2e/serve.ts trusts no proxy): requests from 127.0.0.2 are another
// client, and headers a client sends (X-Forwarded-For, the internal peer header) change nothing.
// Also item 10: sign-in's `next` stays on our origin.
import { expect, test } from "./fixtures";
import { ADMIN_EMAIL, ADMIN_PASSWORD } from "./helpers";
import { rawRequest } from "./raw-http";

const LIMIT = 5;

test("a flood on one account from one address locks out only that account at that address", async ({ baseURL, request }) => {
  const origin = new URL(baseURL!).origin;
  const signIn = (email: string, password: string, extra: Record<string, string> = {}) =>
    rawRequest({
      url: `${baseURL}/api/auth/sign-in/email`,
      localAddress: "127.0.0.2",
      headers: { origin, "content-type": "application/json", ...extra },
      body: JSON.stringify({ email, password }),
    });

  for (let i = 0; i < LIMIT; i++) expect((await signIn(ADMIN_EMAIL, `wrong-${i}`)).status).toBe(401);
  const locked = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
  expect(locked.status).toBe(429);
  expect(Number(locked.headers["retry-after"])).toBeGreaterThan(60);
  expect(JSON.parse(locked.body).error).toMatchObject({ code: "too_many_requests", message: expect.stringContaining("登录尝试次数过多") });

  // Claiming to be someone else does not help: the address is the socket's.
  expect((await signIn(ADMIN_EMAIL, ADMIN_PASSWORD, { "x-forwarded-for": "203.0.113.5", "x-qiao-peer-address": "203.0.113.5" })).status).toBe(429);

  // Another account from the same address is not throttled (a wrong password is just a 401) …
  expect((await signIn("someone-else@qiao.local", "wrong-password")).status).toBe(401);
  // … and the same account from another address signs in.
  const elsewhere = await request.post("/api/auth/sign-in/email", { headers: { origin }, data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  expect(elsewhere.status()).toBe(200);
});

test("the sign-in form says in Chinese when to try again; another account still signs in", async ({ page, request, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const flooded = "flooded@qiao.local";
  for (let i = 0; i < LIMIT; i++) {
    const res = await request.post("/api/auth/sign-in/email", { headers: { origin }, data: { email: flooded, password: `wrong-${i}` } });
    expect(res.status()).toBe(401);
  }
  await page.goto("/sign-in");
  await page.getByLabel("邮箱").fill(flooded);
  await page.getByLabel("密码").fill("wrong-again");
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page.locator("form").getByRole("alert")).toHaveText(/登录尝试次数过多，请 1[45] 分钟后再试/);

  // The admin, from the same browser and address, signs in — and `next` cannot leave the site.
  await page.goto(`/sign-in?next=${encodeURIComponent("/%5Cevil.example")}`);
  await page.getByLabel("邮箱").fill(ADMIN_EMAIL);
  await page.getByLabel("密码").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).toHaveURL(`${origin}/`);
});

test("sign-in's next: our own paths are kept, anything leaving the origin becomes / (the overview)", async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  await page.goto("/sign-in");
  await page.getByLabel("邮箱").fill(ADMIN_EMAIL);
  await page.getByLabel("密码").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).toHaveURL(`${origin}/`);
  // Signed in, the sign-in page sends the user straight on to `next` (or the overview).
  for (const [next, lands] of [
    ["/connections", "/connections"],
    ["//evil.example", "/"],
    ["/\\evil.example", "/"],
    ["https://evil.example/", "/"],
    ["/\t/evil.example", "/"],
  ] as const) {
    await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
    await expect(page, next).toHaveURL(`${origin}${lands}`);
  }
});
