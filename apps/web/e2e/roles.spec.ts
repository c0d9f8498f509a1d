// Issue 11 item 9: roles and scoped tokens. Every route handler found in src/app/api must have a
// rule in ./route-rules.ts, its withAuth call must declare that rule, and the server must enforce it
// for anonymous callers and tokens of each role. Tokens never act above their creator, expire, and
// show their last use; a demoted user's tokens are demoted with them; the last admin stays.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ROLES, hasRole, type Role } from "@qiao/core";
import type { APIRequestContext } from "@playwright/test";
import { expect, signedIn, test } from "./fixtures";
import { bearer } from "./helpers";
import { ROUTE_RULES } from "./route-rules";
import { ROUTES, STATE_CHANGING, urlOf, type Method } from "./routes";

const ENTRIES = ROUTES.flatMap((r) => r.methods.map((method) => ({ ...r, method, key: `${method} ${r.pattern}` })));
const stamp = Date.now().toString(36);

async function call(request: APIRequestContext, method: Method, url: string, headers: Record<string, string>) {
  return request.fetch(url, { method, headers, ...(STATE_CHANGING.has(method) && { data: {} }) });
}

/** A token of the seeded admin with the given role (and expiry). */
async function tokenOf(request: APIRequestContext, role: Role, headers = bearer, expiresAt?: string): Promise<string> {
  const res = await request.post("/api/tokens", { headers, data: { name: `roles ${role} ${stamp}`, role, ...(expiresAt && { expiresAt }) } });
  expect(res.status(), await res.text()).toBe(201);
  const body = (await res.json()) as { token: string; apiToken: { role: Role } };
  expect(body.apiToken.role).toBe(role);
  return body.token;
}
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

test("every route and method has a rule in route-rules.ts, and its withAuth call declares that role", () => {
  expect(ENTRIES.length).toBeGreaterThanOrEqual(30);
  const missing = ENTRIES.filter((e) => !(e.key in ROUTE_RULES)).map((e) => e.key);
  expect(missing, "routes without a rule in e2e/route-rules.ts").toEqual([]);
  const stale = Object.keys(ROUTE_RULES).filter((k) => !ENTRIES.some((e) => e.key === k));
  expect(stale, "rules naming no route").toEqual([]);
  for (const e of ENTRIES) {
    const source = readFileSync(fileURLToPath(new URL(`../src/app/api/${e.file}`, import.meta.url)), "utf8");
    const start = source.search(new RegExp(`export\\s+(const|(async\\s+)?function)\\s+${e.method}\\b`));
    const rest = source.slice(start + 1);
    const next = rest.search(/\nexport\s+(const|(async\s+)?function)\s+[A-Z]+\b/);
    const declared = /withAuth\b[\s\S]*\{\s*role:\s*"(viewer|editor|admin)"(?:,\s*bodyLimit:\s*(?:"import"|[\w.]+))?(?:,\s*metricsToken:\s*true)?\s*\}\s*\)/.exec(next === -1 ? rest : rest.slice(0, next))?.[1] ?? "public";
    expect(declared, `${e.key} in ${e.file}`).toBe(ROUTE_RULES[e.key]);
  }
});

test("the server enforces every rule: anonymous 401, a lower role 403, the role and those above it pass", async ({ request }) => {
  test.setTimeout(120_000);
  const tokens = Object.fromEntries(await Promise.all(ROLES.map(async (r) => [r, await tokenOf(request, r)] as const))) as Record<Role, string>;
  for (const e of ENTRIES) {
    const rule = ROUTE_RULES[e.key]!;
    if (rule === "public") continue;
    const url = urlOf(e.pattern);
    expect((await call(request, e.method, url, {})).status(), `${e.key} anonymous`).toBe(401);
    for (const role of ROLES) {
      const res = await call(request, e.method, url, auth(tokens[role]));
      if (hasRole(role, rule)) {
        // Past the role check: a real answer or a harmless refusal of the empty body / unknown id.
        expect([401, 403], `${e.key} as ${role}: ${res.status()} ${await res.text()}`).not.toContain(res.status());
      } else {
        expect(res.status(), `${e.key} as ${role}`).toBe(403);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("forbidden");
      }
    }
  }
});

test("every protected route and method is documented in the OpenAPI document", async ({ request }) => {
  const doc = (await (await request.get("/api/openapi.json", { headers: bearer })).json()) as { paths: Record<string, Record<string, unknown>> };
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, "[$1]")}`));
  const protectedKeys = Object.entries(ROUTE_RULES).filter(([key, rule]) => rule !== "public" && key !== "GET /api/openapi.json").map(([key]) => key);
  expect(protectedKeys.filter((k) => !documented.includes(k))).toEqual([]);
});

test("a token's role is at most its creator's, it expires, and the list shows its last use", async ({ request }) => {
  const viewer = await tokenOf(request, "viewer");
  const escalate = await request.post("/api/tokens", { headers: auth(viewer), data: { name: "escalate", role: "editor" } });
  expect(escalate.status()).toBe(403);
  const child = await tokenOf(request, "viewer", auth(viewer));
  expect((await request.post("/api/schemes", { headers: auth(child), data: {} })).status()).toBe(403);

  const past = await request.post("/api/tokens", { headers: bearer, data: { name: "past", expiresAt: new Date(Date.now() - 60_000).toISOString() } });
  expect(past.status()).toBe(400);
  const short = await tokenOf(request, "editor", bearer, new Date(Date.now() + 2_500).toISOString());
  expect((await request.get("/api/schemes", { headers: auth(short) })).status()).toBe(200);
  await new Promise((r) => setTimeout(r, 3_000));
  expect((await request.get("/api/schemes", { headers: auth(short) })).status()).toBe(401);

  const listed = (await (await request.get("/api/tokens", { headers: bearer })).json()) as {
    tokens: { prefix: string; lastUsedAt: string | null; expiresAt: string | null; role: Role }[];
  };
  const used = listed.tokens.find((t) => viewer.startsWith(t.prefix) && t.role === "viewer");
  expect(used?.lastUsedAt).not.toBeNull();
  expect(Date.now() - Date.parse(used!.lastUsedAt!)).toBeLessThan(120_000);
  expect(listed.tokens.find((t) => short.startsWith(t.prefix))?.expiresAt).not.toBeNull();
});

test("a demoted user's tokens are demoted with them; admins manage anyone's tokens; the last admin stays", async ({ request, playwright, baseURL }) => {
  const email = `editor-${stamp}@example.com`;
  const created = await request.post("/api/users", { headers: bearer, data: { email, name: "编辑者", password: "editor-pass-1", role: "editor" } });
  expect(created.status(), await created.text()).toBe(201);
  const user = (await created.json()) as { id: string; role: Role };
  expect(user.role).toBe("editor");
  expect((await request.post("/api/users", { headers: bearer, data: { email, name: "again", password: "editor-pass-1", role: "viewer" } })).status()).toBe(409);

  const session = await playwright.request.newContext({ baseURL });
  try {
    const signIn = await session.post("/api/auth/sign-in/email", { headers: { origin: new URL(baseURL!).origin }, data: { email, password: "editor-pass-1" } });
    expect(signIn.status()).toBe(200);
    expect((await session.post("/api/tokens", { data: { name: "too high", role: "admin" } })).status()).toBe(403);
    expect((await session.get("/api/users")).status()).toBe(403);
    const res = await session.post("/api/tokens", { data: { name: "editor token" } });
    expect(res.status()).toBe(201);
    const { token, apiToken } = (await res.json()) as { token: string; apiToken: { id: string; role: Role } };
    expect(apiToken.role).toBe("editor");
    expect((await request.post("/api/schemes", { headers: auth(token), data: {} })).status()).toBe(400);

    const demoted = await request.patch(`/api/users/${user.id}`, { headers: bearer, data: { role: "viewer" } });
    expect(((await demoted.json()) as { role: Role }).role).toBe("viewer");
    expect((await request.post("/api/schemes", { headers: auth(token), data: {} })).status()).toBe(403);
    expect((await session.post("/api/schemes", { data: {} })).status()).toBe(403);
    expect((await request.get("/api/schemes", { headers: auth(token) })).status()).toBe(200);

    // Admins see and revoke anyone's tokens; others see only their own.
    expect((await request.get("/api/tokens?scope=all", { headers: auth(token) })).status()).toBe(403);
    const all = (await (await request.get("/api/tokens?scope=all", { headers: bearer })).json()) as { tokens: { id: string; owner: { email: string } }[] };
    expect(all.tokens.find((t) => t.id === apiToken.id)?.owner.email).toBe(email);
    expect((await request.delete(`/api/tokens/${apiToken.id}`, { headers: bearer })).status()).toBe(200);
    expect((await request.get("/api/schemes", { headers: auth(token) })).status()).toBe(401);

    const { users } = (await (await request.get("/api/users", { headers: bearer })).json()) as { users: { id: string; role: Role }[] };
    const admins = users.filter((u) => u.role === "admin");
    expect(admins).toHaveLength(1);
    const lastAdmin = await request.patch(`/api/users/${admins[0]!.id}`, { headers: bearer, data: { role: "editor" } });
    expect(lastAdmin.status()).toBe(409);
    expect(((await lastAdmin.json()) as { error: { message: string } }).error.message).toContain("最后一位管理员");
    expect((await request.delete(`/api/users/${admins[0]!.id}`, { headers: bearer })).status()).toBe(409);

    expect((await request.delete(`/api/users/${user.id}`, { headers: bearer })).status()).toBe(200);
    expect((await session.get("/api/schemes")).status()).toBe(401);
  } finally {
    await session.dispose();
  }
});

test("the users page: an admin adds a user, changes the role and resets the password with the keyboard; a viewer sees no editing actions", async ({
  page,
  browser,
  baseURL,
}) => {
  const email = `viewer-${stamp}@example.com`;
  await signedIn(page);
  await page.goto("/settings");
  await page.getByLabel("邮箱").focus();
  await page.keyboard.type(email);
  await page.keyboard.press("Tab");
  await page.keyboard.type("只读用户");
  await page.keyboard.press("Tab");
  await page.keyboard.type("viewer-pass-1");
  await page.keyboard.press("Tab");
  await expect(page.locator("#user-role")).toBeFocused();
  await page.keyboard.press("ArrowUp");
  await expect(page.locator("#user-role")).toHaveValue("viewer");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await expect(page.getByText(`已添加用户 ${email}`)).toBeVisible();
  const row = page.getByTestId("user-row").filter({ hasText: email });
  await row.getByLabel(`修改 ${email} 的角色`).selectOption("viewer");
  await expect(row.getByLabel(`修改 ${email} 的角色`)).toHaveValue("viewer");
  await row.getByRole("button", { name: "重设密码" }).focus();
  await page.keyboard.press("Enter");
  await page.getByLabel("新密码").fill("viewer-pass-2");
  await page.keyboard.press("Enter");
  await expect(page.getByText(`已重设 ${email} 的密码`)).toBeVisible();

  // The viewer, in a browser of their own: reading works, editing actions are not offered.
  const context = await browser.newContext({ baseURL, locale: "zh-CN" });
  try {
    const viewer = await context.newPage();
    await viewer.goto("/sign-in?next=/schemes");
    await viewer.getByLabel("邮箱").fill(email);
    await viewer.getByLabel("密码").fill("viewer-pass-2");
    await viewer.getByRole("button", { name: "登录" }).click();
    await expect(viewer).toHaveURL(/\/schemes$/);
    await expect(viewer.getByTestId("scheme-row").first()).toBeVisible();
    await expect(viewer.getByRole("link", { name: "新建方案" })).toHaveCount(0);
    await expect(viewer.getByTestId("scheme-row").first().getByRole("button", { name: "运行" })).toHaveCount(0);
    await viewer.goto("/connections");
    await expect(viewer.getByTestId("connection-card").first()).toBeVisible();
    await expect(viewer.getByRole("button", { name: "新建连接" })).toHaveCount(0);
    await viewer.goto("/settings");
    await expect(viewer.getByRole("heading", { name: "API 令牌" })).toBeVisible();
    await expect(viewer.getByRole("heading", { name: "用户" })).toHaveCount(0);
    await expect(viewer.getByLabel("角色").locator("option")).toHaveText(["查看者"]);
  } finally {
    await context.close();
  }

  await row.getByRole("button", { name: "删除" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "删除" }).click();
  await expect(page.getByTestId("user-row").filter({ hasText: email })).toHaveCount(0);
});
