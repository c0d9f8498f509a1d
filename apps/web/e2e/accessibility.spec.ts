// Accessibility (无障碍): every page, in zh-CN and in English, passes axe-core's WCAG 2.0/2.1 A and AA
// rules, with the main dialogs open too; and the main pages and dialogs work with the keyboard alone:
// Tab reaches the primary actions in order with a visible focus indicator, Enter opens a dialog,
// Escape closes it and focus goes back to the button that opened it.
import AxeBuilder from "@axe-core/playwright";
import type { APIRequestContext, Page } from "@playwright/test";
import { MESSAGES, type Locale } from "../src/lib/i18n/messages";
import { expect, saveAdminSession, signedIn, test } from "./fixtures";
import { ADMIN_EMAIL, ADMIN_PASSWORD, bearer, schemeWithTakenNumbers } from "./helpers";

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const stamp = Date.now().toString(36).slice(-5);

interface Ids {
  seedScheme: string;
  failedScheme: string;
  run: string;
  valueMap: string;
}
let ids: Ids;

async function json<T>(request: APIRequestContext, url: string): Promise<T> {
  const res = await request.get(url, { headers: bearer });
  expect(res.ok(), url).toBeTruthy();
  return (await res.json()) as T;
}

test.beforeAll(async ({ request, baseURL }) => {
  test.setTimeout(120_000);
  // One sign-in for the whole file (signedIn reuses the saved session).
  const signIn = await request.post("/api/auth/sign-in/email", { headers: { origin: new URL(baseURL!).origin }, data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  expect(signIn.status()).toBe(200);
  await saveAdminSession(request);
  const { schemes } = await json<{ schemes: { id: string; name: string }[] }>(request, "/api/schemes");
  const seedScheme = schemes.find((s) => s.name.startsWith("管易云店铺查询"))!.id;
  // A finished run with failed records: the run page, the scheme's failed records and retry buttons.
  const { schemeId } = await schemeWithTakenNumbers(request, `e2e 无障碍 ${stamp}`, `A11Y${stamp}-`, 2);
  const started = await request.post(`/api/schemes/${schemeId}/runs`, { headers: bearer });
  expect(started.ok()).toBeTruthy();
  const run = ((await started.json()) as { run: { id: string } }).run.id;
  await expect
    .poll(async () => (await json<{ run: { status: string } }>(request, `/api/runs/${run}`)).run.status, { timeout: 60_000 })
    .toMatch(/^(partial|failed|succeeded)$/);
  const { valueMaps } = await json<{ valueMaps: { id: string }[] }>(request, "/api/value-maps");
  ids = { seedScheme, failedScheme: schemeId, run, valueMap: valueMaps[0]!.id };
});

/** The page once its data arrived: a heading, no "加载中…" left. */
async function settled(page: Page, locale: Locale): Promise<void> {
  await expect(page.locator("h1").first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(MESSAGES[locale]["common.loading"], { exact: true })).toHaveCount(0, { timeout: 30_000 });
  // Sections that load without a "加载中…" (the users, the tokens) have answered too.
  await page.waitForLoadState("networkidle");
}

interface Finding {
  rule: string;
  impact: string | null | undefined;
  nodes: string[];
}

/** axe's violations on the page as it is. Nothing is excluded: React Flow's canvas passes as well. */
async function axe(page: Page): Promise<Finding[]> {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return results.violations.map((v) => ({ rule: v.id, impact: v.impact, nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.html.slice(0, 160)}`) }));
}

const PAGES: { name: string; path: (ids: Ids) => string }[] = [
  { name: "overview", path: () => "/" },
  { name: "schemes", path: () => "/schemes" },
  { name: "new scheme", path: () => "/schemes/new" },
  { name: "scheme editor", path: (i) => `/schemes/${i.seedScheme}` },
  { name: "scheme runs, failed records, reconciliation", path: (i) => `/schemes/${i.failedScheme}/runs` },
  { name: "run", path: (i) => `/runs/${i.run}` },
  { name: "connections", path: () => "/connections" },
  { name: "value maps", path: () => "/value-maps" },
  { name: "value map", path: (i) => `/value-maps/${i.valueMap}` },
  { name: "settings (users, tokens, alerts)", path: () => "/settings" },
];

/** Dialogs opened by a button on a page: [page path, the button's message key]. */
const DIALOGS: { name: string; path: string; button: keyof (typeof MESSAGES)["en"] }[] = [
  { name: "new connection", path: "/connections", button: "connections.new" },
  { name: "new value map", path: "/value-maps", button: "valueMaps.new" },
  { name: "add alert channel", path: "/settings", button: "alerts.addChannel" },
  { name: "reset password", path: "/settings", button: "users.setPassword" },
];

for (const locale of ["zh-CN", "en"] as const) {
  const t = MESSAGES[locale];
  test.describe(`axe, ${locale}`, () => {
    test.beforeEach(async ({ context, baseURL }) => {
      await context.addCookies([{ name: "qiao-locale", value: locale, url: baseURL! }]);
    });

    test("sign-in page", async ({ page }) => {
      await page.goto("/sign-in");
      await settled(page, locale);
      await expect(page.locator("html")).toHaveAttribute("lang", locale);
      expect(await axe(page)).toEqual([]);
    });

    test("every page of the app", async ({ page }) => {
      test.setTimeout(240_000);
      await signedIn(page);
      const found: Record<string, Finding[]> = {};
      for (const p of PAGES) {
        await test.step(p.name, async () => {
          await page.goto(p.path(ids));
          await settled(page, locale);
          await expect(page.locator("html")).toHaveAttribute("lang", locale);
          const v = await axe(page);
          if (v.length > 0) found[p.name] = v;
        });
      }
      await test.step("scheme editor: the source and target panels, a test run's results", async () => {
        await page.goto(`/schemes/${ids.failedScheme}`);
        await settled(page, locale);
        for (const node of ["source", "target"]) {
          await page.getByTestId(`rf__node-${node}`).click();
          await expect(page.getByTestId("node-panel").getByRole("button", { name: t["editor.deleteNode"] })).toBeVisible();
          const v = await axe(page);
          if (v.length > 0) found[`scheme editor, ${node} panel`] = v;
        }
        await page.getByRole("button", { name: t["editor.test"], exact: true }).click();
        await expect(page.getByTestId("test-results").getByTestId("test-record").first()).toBeVisible({ timeout: 30_000 });
        const v = await axe(page);
        if (v.length > 0) found["scheme editor, test results"] = v;
      });
      for (const d of DIALOGS) {
        await test.step(`dialog: ${d.name}`, async () => {
          await page.goto(d.path);
          await settled(page, locale);
          await page.getByRole("button", { name: t[d.button] }).first().click();
          await expect(page.getByRole("dialog")).toBeVisible();
          const v = await axe(page);
          if (v.length > 0) found[`dialog: ${d.name}`] = v;
        });
      }
      expect(found).toEqual({});
    });
  });
}

type Key = keyof (typeof MESSAGES)["en"];

interface Stop {
  name: string;
  /** The element looks different focused than not (outline, ring, border or background). */
  indicator: boolean;
}

/** Presses Tab and describes what got focus. */
async function tab(page: Page): Promise<Stop> {
  await page.keyboard.press("Tab");
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { name: "", indicator: false };
    // Focus inside the browser's own parts of a control (a date input's calendar button): its look is Chromium's.
    const own = el.matches(":focus");
    const look = (e: Element) => {
      const s = getComputedStyle(e);
      return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderColor, s.backgroundColor].join("|");
    };
    // The same element unfocused: a shallow copy next to it, for one synchronous look (blurring and
    // focusing it again would reset a date input to its first part).
    const copy = el.cloneNode(false) as HTMLElement;
    copy.removeAttribute("id");
    el.after(copy);
    const unfocused = look(copy);
    copy.remove();
    const focused = look(el);
    const labelled = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent : null;
    const name = el.getAttribute("aria-label") ?? labelled ?? el.innerText ?? (el as HTMLInputElement).value ?? "";
    return { name: name.trim().replace(/\s+/g, " "), indicator: !own || focused !== unfocused };
  });
}

/** Tabs until the focused element's name starts with `name`; every stop on the way shows focus. */
async function tabTo(page: Page, name: string, max = 80): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    const stop = await tab(page);
    seen.push(stop.name);
    expect(stop.indicator, `no visible focus indicator on "${stop.name}" (after ${seen.slice(0, -1).join(" → ")})`).toBe(true);
    if (stop.name.startsWith(name)) return;
  }
  throw new Error(`Tab never reached "${name}": ${seen.join(" → ")}`);
}

/** A message without its {placeholders}: what a name starting with it is matched by. */
const prefix = (text: string) => text.split("{")[0]!;

for (const locale of ["zh-CN", "en"] as const) {
  const t = MESSAGES[locale];
  test.describe(`keyboard, ${locale}`, () => {
    test.beforeEach(async ({ context, baseURL }) => {
      await context.addCookies([{ name: "qiao-locale", value: locale, url: baseURL! }]);
    });

    test("Tab reaches each page's primary actions in order, with a visible focus indicator", async ({ page }) => {
      test.setTimeout(180_000);
      await signedIn(page);
      const nav: Key[] = ["nav.skipToMain", "app.name", "nav.overview", "nav.schemes", "nav.connections", "nav.valueMaps", "nav.settings", "nav.language", "nav.signOut"];
      const pages: { path: string; stops: Key[] }[] = [
        { path: "/", stops: nav },
        { path: "/schemes", stops: ["nav.skipToMain", "nav.signOut", "schemes.import", "schemes.new", "schemes.run", "schemes.runs"] },
        { path: `/schemes/${ids.seedScheme}`, stops: ["nav.skipToMain", "editor.name", "editor.runs", "editor.test", "editor.run"] },
        { path: `/schemes/${ids.failedScheme}/runs`, stops: ["nav.skipToMain", "failed.tabAll", "failed.retryAll", "common.retry", "reconcile.start"] },
        { path: `/runs/${ids.run}`, stops: ["nav.skipToMain", "run.retryFailed"] },
        { path: "/connections", stops: ["nav.skipToMain", "connections.new", "connections.test"] },
        { path: "/value-maps", stops: ["nav.skipToMain", "valueMaps.new", "valueMaps.search"] },
        // The tokens' and rules' create buttons wait for a name / a channel (disabled): their first field instead.
        { path: "/settings", stops: ["nav.skipToMain", "users.create", "users.setPassword", "settings.tokenName", "alerts.addChannel", "alerts.ruleKind"] },
      ];
      for (const p of pages) {
        await test.step(p.path, async () => {
          await page.goto(p.path);
          await settled(page, locale);
          for (const key of p.stops) await tabTo(page, prefix(t[key]));
        });
      }
      await test.step("the skip link moves focus past the navigation", async () => {
        await page.goto("/schemes");
        await settled(page, locale);
        await tabTo(page, t["nav.skipToMain"]);
        await expect(page.getByRole("link", { name: t["nav.skipToMain"] })).toBeVisible();
        await page.keyboard.press("Enter");
        await expect(page.locator("main")).toBeFocused();
        expect((await tab(page)).name).toBe(t["schemes.import"]);
      });
    });

    test("dialogs open with Enter, close with Escape or their cancel button, and give focus back", async ({ page }) => {
      test.setTimeout(120_000);
      await signedIn(page);
      const dialogs: { path: string; opener: Key; title: Key }[] = [
        { path: "/schemes", opener: "schemes.delete", title: "schemes.deleteTitle" },
        { path: "/connections", opener: "connections.new", title: "connections.createTitle" },
        { path: "/value-maps", opener: "valueMaps.new", title: "valueMaps.createTitle" },
        { path: "/settings", opener: "alerts.addChannel", title: "alerts.addChannel" },
        { path: "/settings", opener: "users.setPassword", title: "users.setPasswordTitle" },
      ];
      for (const d of dialogs) {
        await test.step(`${d.path}: ${t[d.opener]}`, async () => {
          await page.goto(d.path);
          await settled(page, locale);
          await tabTo(page, t[d.opener]);
          // Hydrated: Enter on a button React has not attached its handler to yet does nothing, and
          // focus (native) can get there first on a busy machine. (CI's two failures of this step,
          // on /value-maps and /connections, were the late close event of the next test.)
          await page.waitForFunction(() => Object.keys(document.activeElement ?? {}).some((k) => k.startsWith("__reactProps$")));
          const opener = page.locator(":focus");
          await opener.evaluate((el) => el.setAttribute("data-a11y-opener", ""));
          for (const close of ["Escape", "cancel"] as const) {
            await page.keyboard.press("Enter");
            const dialog = page.getByRole("dialog", { name: new RegExp(`^${prefix(t[d.title]).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`) });
            await expect(dialog).toBeVisible();
            // Focus is in the dialog, and Tab keeps it there (the page behind is inert).
            await expect(dialog.locator(":focus")).toHaveCount(1);
            await page.keyboard.press("Tab");
            await expect(dialog.locator(":focus")).toHaveCount(1);
            if (close === "Escape") await page.keyboard.press("Escape");
            else {
              await dialog.getByRole("button", { name: t["common.cancel"] }).focus();
              await page.keyboard.press("Enter");
            }
            await expect(dialog).toBeHidden();
            await expect(page.locator("[data-a11y-opener]")).toBeFocused();
          }
        });
      }
    });

    test("a dialog opened again at once stays open: the close event of its last closing does not close it", async ({ page }) => {
      await signedIn(page);
      await page.goto("/value-maps");
      await settled(page, locale);
      await page.getByRole("button", { name: t["valueMaps.new"] }).click();
      const dialog = page.getByRole("dialog", { name: t["valueMaps.createTitle"] });
      await expect(dialog).toBeVisible();
      // Cancel, then open again before the browser delivers the `close` event that close() queued
      // (a task): what a quick Escape then Enter does on a busy machine, where input is served
      // before that task. Both clicks are in one script, with React's rendering (microtasks) between.
      const openAfterwards = await page.evaluate(
        async ([cancelText, openerText]) => {
          const d = document.querySelector("dialog[open]") as HTMLDialogElement;
          const button = (root: ParentNode, text: string) => [...root.querySelectorAll("button")].find((b) => b.textContent?.trim() === text)!;
          const closeEvent = new Promise<void>((r) => d.addEventListener("close", () => r(), { once: true }));
          const settle = async (open: boolean) => {
            for (let i = 0; i < 1000 && d.open !== open; i++) await Promise.resolve();
            return d.open === open;
          };
          button(d, cancelText).click();
          if (!(await settle(false))) return "the cancel button did not close the dialog";
          button(document, openerText).click();
          if (!(await settle(true))) return "the opener did not open the dialog again";
          await closeEvent;
          await new Promise((r) => setTimeout(r, 100));
          return d.open ? "open" : "closed by the late close event";
        },
        [t["common.cancel"], t["valueMaps.new"]] as const,
      );
      expect(openAfterwards).toBe("open");
      await expect(dialog).toBeVisible();
    });
  });
}
