// Shared e2e fixtures: every same-origin response a test receives, through the `request` fixture or
// in the browser (API calls, pages, RSC payloads), is recorded to test-results/api-responses/ and
// checked for secret values when the test ends; a leak fails the test and names the URL.
// Specs adopt it by importing `test` and `expect` from "./fixtures" instead of "@playwright/test".
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test as base, type APIRequestContext, type APIResponse, type Page, type Response, type TestInfo } from "@playwright/test";
import { signIn } from "./helpers";
import { findLeaks, knownSecrets, masked, RESPONSES_DIR, RESULTS_DIR } from "./leaks";

export { expect } from "@playwright/test";

interface Recorded {
  method: string;
  url: string;
  status: number;
  body: string;
}

/** Static assets are the build's, not data: skipped. */
const isRecorded = (url: string, origin: string) => url.startsWith(origin) && !url.includes("/_next/static/");

class ResponseLog {
  private readonly pending: Promise<void>[] = [];
  readonly records: Recorded[] = [];

  add(method: string, url: string, status: number, body: Promise<Buffer>): void {
    this.pending.push(
      body.then(
        (b) => void this.records.push({ method, url, status, body: b.toString("utf8") }),
        () => undefined, // a redirect or a page closed before its body arrived
      ),
    );
  }

  /** Writes the test's responses and throws if any of them shows a secret. */
  async check(testInfo: TestInfo): Promise<void> {
    await Promise.all(this.pending);
    if (this.records.length === 0) return;
    mkdirSync(RESPONSES_DIR, { recursive: true });
    const file = join(RESPONSES_DIR, `${testInfo.testId}.jsonl`);
    appendFileSync(file, this.records.map((r) => JSON.stringify({ test: testInfo.titlePath.join(" › "), ...r })).join("\n") + "\n");
    const secrets = knownSecrets();
    const leaks = this.records.flatMap((r) => findLeaks(r.body, secrets).map((s) => `${r.method} ${r.url} (${r.status}) shows ${masked(s)}`));
    if (leaks.length > 0) throw new Error(`Secret values in responses:\n${leaks.join("\n")}`);
  }
}

const METHODS = ["get", "post", "put", "patch", "delete", "head", "fetch"] as const;

/** The same APIRequestContext, with every answer it gets logged. */
function recording(request: APIRequestContext, log: ResponseLog, origin: string): APIRequestContext {
  return new Proxy(request, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || !(METHODS as readonly (string | symbol)[]).includes(prop)) return value;
      return async (...args: unknown[]): Promise<APIResponse> => {
        const res = (await (value as (...a: unknown[]) => Promise<APIResponse>).apply(target, args)) as APIResponse;
        const method = prop === "fetch" ? String((args[1] as { method?: string } | undefined)?.method ?? "GET") : String(prop).toUpperCase();
        if (isRecorded(res.url(), origin)) log.add(method, res.url(), res.status(), res.body());
        return res;
      };
    },
  });
}

export const test = base.extend<{ responseLog: ResponseLog }>({
  responseLog: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern.
    async ({}, use, testInfo) => {
      const log = new ResponseLog();
      await use(log);
      await log.check(testInfo);
    },
    { auto: true },
  ],
  request: async ({ request, responseLog, baseURL }, use) => {
    await use(recording(request, responseLog, new URL(baseURL ?? "http://127.0.0.1").origin));
  },
  context: async ({ context, responseLog, baseURL }, use) => {
    const origin = new URL(baseURL ?? "http://127.0.0.1").origin;
    context.on("response", (res: Response) => {
      if (isRecorded(res.url(), origin)) responseLog.add(res.request().method(), res.url(), res.status(), res.body());
    });
    await use(context);
  },
});

/**
 * A spec that signs in saves the admin's session here, and later ones reuse it instead of signing
 * in again through the form (faster; failed sign-ins also count against the throttle, which
 * e2e/sign-in-throttle.spec.ts exercises on its own).
 */
const ADMIN_SESSION = join(RESULTS_DIR, ".auth", "admin.json");

export async function saveAdminSession(request: APIRequestContext): Promise<void> {
  mkdirSync(dirname(ADMIN_SESSION), { recursive: true });
  await request.storageState({ path: ADMIN_SESSION });
}

/** The page signed in as the admin: with a saved session if there is one, else through the form. */
export async function signedIn(page: Page): Promise<void> {
  if (existsSync(ADMIN_SESSION)) {
    const state = JSON.parse(readFileSync(ADMIN_SESSION, "utf8")) as Awaited<ReturnType<APIRequestContext["storageState"]>>;
    await page.context().addCookies(state.cookies);
    await page.goto("/schemes");
    if (!page.url().includes("/sign-in")) return;
  }
  await signIn(page);
}
