// End-to-end tests in Debian's Chromium against `next start`, the worker and the simulators,
// all started by e2e/serve.ts on their own ports with a fresh database and Redis prefix.
import { randomBytes } from "node:crypto";
import { defineConfig } from "@playwright/test";

const stamp = Date.now().toString(36);
// Pinned in the environment so Playwright's worker processes (which reload this file) agree.
process.env.E2E_WEB_PORT ??= "3100";
// The alert receiver (HTTP) and its SMTP server: next to the Kingdee simulator's port unless set.
process.env.E2E_ALERTS_PORT ??= String(Number(process.env.E2E_KINGDEE_PORT ?? "4120") + 10);
process.env.E2E_ALERTS_SMTP_PORT ??= String(Number(process.env.E2E_ALERTS_PORT) + 1);
process.env.E2E_DATABASE_NAME ??= `qiao_e2e_${stamp}`;
process.env.E2E_REDIS_PREFIX ??= `qiao-e2e:${stamp}`;
process.env.QIAO_API_TOKEN ??= `qiao_e2e_${stamp}_token`;
process.env.QIAO_METRICS_TOKEN ??= `e2e-metrics-${stamp}-${randomBytes(12).toString("hex")}`;
const port = Number(process.env.E2E_WEB_PORT);
// E2E_BASE_URL: run the specs against an instance that is already up (no webServer is started).
const external = process.env.E2E_BASE_URL;
export const baseURL = external ?? `http://127.0.0.1:${port}`;
if (!external) {
  // e2e/serve.ts runs the stack with NODE_ENV=production, which refuses the public development
  // secrets: the run gets its own (the specs and the leak scan read them from here too).
  process.env.BETTER_AUTH_SECRET ??= `e2e-auth-secret-${stamp}-${randomBytes(8).toString("hex")}`;
  process.env.QIAO_SECRET_KEYS ??= `e2e:${randomBytes(32).toString("base64")}`;
  process.env.ADMIN_PASSWORD ??= `e2e-admin-${randomBytes(6).toString("hex")}`;
}

export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results",
  // Fails the run if a secret shows up in a recorded response or in the server's log (e2e/leaks.ts).
  globalTeardown: "./e2e/leak-scan.ts",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [["list"]] : [["list"]],
  use: {
    baseURL,
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
    // The editor (palette, canvas, node panel) is laid out for a desktop screen.
    viewport: { width: 1600, height: 1000 },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: external
    ? undefined
    : {
        command: "npx tsx e2e/serve.ts",
        url: `${baseURL}/api/health`,
        // Migrate, seed, build the web app (turbo-cached), start: the build alone took over 4 minutes
        // on a loaded 2-core machine. A startup budget, not a timing goal.
        timeout: 600_000,
        reuseExistingServer: false,
        stdout: "pipe",
        stderr: "pipe",
        gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
      },
});
