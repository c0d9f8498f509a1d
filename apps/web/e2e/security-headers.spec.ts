// Issue #11, item 10: security headers. Pages carry a CSP with a per-request nonce that still lets
// the app (editor, charts) run; API answers carry a deny-all CSP; HSTS only over HTTPS.
import { expect, signedIn, test } from "./fixtures";
import { bearer } from "./helpers";

test("pages: a nonce CSP that forbids framing, a fresh nonce per answer, Referrer-Policy, no HSTS over http", async ({ request }) => {
  const first = await request.get("/sign-in");
  const second = await request.get("/sign-in");
  const csp = first.headers()["content-security-policy"] ?? "";
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).not.toContain("unsafe-eval");
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  expect(nonce).toBeTruthy();
  expect(await first.text()).toContain(`nonce="${nonce}"`);
  expect(second.headers()["content-security-policy"]).not.toContain(nonce!);
  expect(first.headers()).toMatchObject({ "referrer-policy": "same-origin", "x-content-type-options": "nosniff", "x-frame-options": "DENY" });
  expect(first.headers()["strict-transport-security"]).toBeUndefined();
});

test("API answers: a deny-all CSP and the same headers", async ({ request }) => {
  const res = await request.get("/api/connectors", { headers: bearer });
  expect(res.status()).toBe(200);
  expect(res.headers()).toMatchObject({
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
  });
});

test("HSTS when the request came over https (X-Forwarded-Proto from the TLS proxy)", async ({ request }) => {
  for (const url of ["/sign-in", "/api/health"]) {
    const res = await request.get(url, { headers: { "x-forwarded-proto": "https" } });
    expect(res.headers()["strict-transport-security"], url).toBe("max-age=31536000; includeSubDomains");
  }
});

test("the app runs under the CSP: no violation while the editor and the run list render", async ({ page, request }) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(m.text())) violations.push(m.text());
  });
  const { schemes } = (await (await request.get("/api/schemes", { headers: bearer })).json()) as { schemes: { id: string; name: string }[] };
  const seed = schemes.find((s) => s.name === "管易云店铺查询 → 金蝶客户新增");
  expect(seed).toBeTruthy();
  await signedIn(page);
  await expect(page.getByTestId("scheme-row").first()).toBeVisible();
  await page.goto(`/schemes/${seed!.id}`);
  // Hydrated React Flow: the nodes are drawn by client-side script the CSP must allow.
  await expect(page.locator(".react-flow__node").first()).toBeVisible();
  await page.goto(`/schemes/${seed!.id}/runs`);
  await page.goto("/connections");
  await expect(page.getByRole("heading").first()).toBeVisible();
  expect(violations).toEqual([]);
});
