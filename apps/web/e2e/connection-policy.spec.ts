// Issue #11 items 3, 4 and 10 through the running app: a stored secret only goes to the address it
// was saved with, refused addresses are a 400 before anything is sent, an answer that is not the
// platform's protocol is described without quoting it, and a connection whose secrets no longer
// decrypt is listed and flagged "需要重新输入密钥". "Elsewhere" is a recording server on 127.0.0.1.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { expect, test } from "./fixtures";
import { bearer, e2eDatabaseUrl, KINGDEE_URL, signIn } from "./helpers";
import { registerSecrets } from "./leaks";

test.describe.configure({ mode: "serial" });

const stamp = Date.now().toString(36);
const STORED_PASSWORD = `kd-stored-${stamp}-R8#v`;
const TYPED_PASSWORD = `kd-typed-${stamp}-W2!k`;
/** Text of the stranger's HTML page: it must never show in a result, an answer or a log. */
const PAGE_MARK = `PORTAL-LOGIN-${stamp}-Z9`;

let elsewhere: Server;
let elsewhereUrl = "";
const received: string[] = [];

test.beforeAll(async () => {
  registerSecrets([STORED_PASSWORD, TYPED_PASSWORD, PAGE_MARK]);
  elsewhere = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      received.push(body);
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(`<html><title>${PAGE_MARK}</title><form>sign in</form></html>`);
    });
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
  elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/k3cloud/`;
});
test.afterAll(() => new Promise<void>((resolve) => elsewhere.close(() => resolve())));

const kingdeeInput = (name: string, baseUrl = KINGDEE_URL) => ({
  platform: "kingdee",
  name,
  baseUrl,
  credentials: { authType: "password", acctId: "qiao-demo", username: "administrator", password: STORED_PASSWORD, lcid: 2052 },
});

type Issues = { error: { issues: { path: (string | number)[]; message: string; messageEn?: string }[] } };

test("a new base URL never gets the stored secrets: test and save ask for them again, nothing is sent", async ({ request }) => {
  const created = await request.post("/api/connections", { headers: bearer, data: kingdeeInput(`policy 金蝶 ${stamp}`) });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: string };

  const test1 = await request.post(`/api/connections/${id}/test`, { headers: bearer, data: { baseUrl: elsewhereUrl } });
  expect(test1.status()).toBe(400);
  expect(((await test1.json()) as Issues).error.issues).toEqual([expect.objectContaining({ path: ["credentials", "password"], messageEn: "The base URL changed: enter Password (ValidateUser) again" })]);

  const patch = await request.patch(`/api/connections/${id}`, { headers: bearer, data: { baseUrl: elsewhereUrl } });
  expect(patch.status()).toBe(400);
  expect(((await patch.json()) as Issues).error.issues.map((i) => i.path)).toEqual([["credentials", "password"]]);
  expect(((await (await request.get(`/api/connections/${id}`, { headers: bearer })).json()) as { baseUrl: string }).baseUrl).toBe(KINGDEE_URL);
  expect(received).toEqual([]);

  // With the password typed again the test goes out — with the typed password only.
  const test2 = await request.post(`/api/connections/${id}/test`, { headers: bearer, data: { baseUrl: elsewhereUrl, credentials: { password: TYPED_PASSWORD } } });
  expect(test2.status()).toBe(200);
  const result = (await test2.json()) as { ok: boolean; message: string };
  expect(received).toHaveLength(1);
  expect(received[0]).toContain(TYPED_PASSWORD);
  expect(received.join("\n")).not.toContain(STORED_PASSWORD);
  // The stranger's HTML page is described, not quoted.
  expect(result.ok).toBe(false);
  expect(result.message).toMatch(/HTTP 200，text\/html，\d+ 字节/);
  expect(JSON.stringify(result)).not.toContain(PAGE_MARK);
});

test("refused addresses are a 400 on baseUrl naming the rule, and nothing is saved", async ({ request }) => {
  const count = async () => ((await (await request.get("/api/connections", { headers: bearer })).json()) as { connections: unknown[] }).connections.length;
  const before = await count();
  const create = await request.post("/api/connections", { headers: bearer, data: kingdeeInput(`metadata ${stamp}`, "http://169.254.169.254/k3cloud/") });
  expect(create.status()).toBe(400);
  expect(((await create.json()) as Issues).error.issues).toEqual([
    expect.objectContaining({ path: ["baseUrl"], message: "地址 169.254.169.254 属于云服务器元数据服务，始终禁止", messageEn: expect.stringContaining("always refused") }),
  ]);
  const probe = await request.post("/api/connections/test", { headers: bearer, data: { ...kingdeeInput("x", "http://[::ffff:169.254.1.1]/k3cloud/"), name: undefined } });
  expect(probe.status()).toBe(400);
  expect(((await probe.json()) as Issues).error.issues[0]).toMatchObject({ path: ["baseUrl"], message: expect.stringContaining("链路本地地址") });
  expect(await count()).toBe(before);
});

test("a connection whose secrets no longer decrypt is listed, flagged 需要重新输入密钥, and fixed by typing them again", async ({ page, request }) => {
  const name = `unreadable 金蝶 ${stamp}`;
  const made = await Promise.all([kingdeeInput(name), kingdeeInput(`donor ${stamp}`)].map((data) => request.post("/api/connections", { headers: bearer, data })));
  const [victim, donor] = (await Promise.all(made.map((r) => r.json()))) as { id: string }[];
  // A ciphertext copied from another row: it is bound to that row's id, so it does not open here.
  const client = new pg.Client({ connectionString: e2eDatabaseUrl() });
  await client.connect();
  try {
    await client.query("UPDATE connections SET secret_ciphertext = d.secret_ciphertext FROM connections d WHERE connections.id = $1 AND d.id = $2", [victim!.id, donor!.id]);
  } finally {
    await client.end();
  }

  const list = await request.get("/api/connections", { headers: bearer });
  expect(list.status()).toBe(200);
  const listed = ((await list.json()) as { connections: { id: string; secretsUnreadable: boolean; secrets: Record<string, boolean> }[] }).connections;
  expect(listed.find((c) => c.id === victim!.id)).toMatchObject({ secretsUnreadable: true, secrets: { password: false } });
  expect(listed.find((c) => c.id === donor!.id)).toMatchObject({ secretsUnreadable: false });

  await signIn(page, "/connections");
  const card = page.getByTestId("connection-card").filter({ hasText: name });
  await expect(card.getByTestId("connection-secrets-unreadable")).toHaveText("需要重新输入密钥");
  await card.getByRole("button", { name: "编辑" }).click();
  await expect(page.getByTestId("connection-retype-secrets")).toContainText("保存的密钥无法解密");
  await page.getByLabel("密码", { exact: true }).fill(TYPED_PASSWORD);
  await page.getByRole("button", { name: "保存" }).click();
  await expect(card.getByTestId("connection-secrets-unreadable")).toHaveCount(0);

  // Editing the base URL says every secret must be typed again.
  await card.getByRole("button", { name: "编辑" }).click();
  await expect(page.getByTestId("connection-retype-secrets")).toHaveCount(0);
  await page.getByLabel("接口地址").fill(elsewhereUrl);
  await expect(page.getByTestId("connection-retype-secrets")).toContainText("请重新输入所有密钥字段");
});
