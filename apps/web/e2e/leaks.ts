// Secret values the e2e run must never show: in an API response, a page, or the web and worker logs.
// The seeded ones are known here; specs that create connections register their own (distinctive)
// values so the per-test check (./fixtures.ts) and the end-of-run scan (./leak-scan.ts) know them.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const RESULTS_DIR = fileURLToPath(new URL("../test-results", import.meta.url));
/** Every same-origin response of every test that uses ./fixtures.ts, one JSON line each. */
export const RESPONSES_DIR = join(RESULTS_DIR, "api-responses");
/** The web, worker and seed output of e2e/serve.ts. */
export const SERVER_LOG = join(RESULTS_DIR, "e2e-server.log");
const REGISTERED = join(RESULTS_DIR, "secrets-under-test.txt");

/** The secrets e2e/serve.ts seeds: the 管易云 demo tenant, the 金蝶 password, the admin's password and token, the keys. */
export function seededSecrets(): string[] {
  const env = process.env;
  const keys = (env.QIAO_SECRET_KEYS ?? "dev:cWlhby1kZXZlbG9wbWVudC1rZXktZG8tbm90LXVzZSE=")
    .split(",")
    .map((entry) => entry.slice(entry.indexOf(":") + 1).trim());
  return [
    "7d3330562019420da7f3098aa630556b",
    "754a424bb6874a1fb8a7371f05e83974",
    "888888",
    env.ADMIN_PASSWORD ?? "qiao-admin-2026",
    env.QIAO_API_TOKEN ?? "",
    env.QIAO_METRICS_TOKEN ?? "",
    env.BETTER_AUTH_SECRET ?? "qiao-dev-auth-secret-change-me",
    ...keys,
  ].filter((s) => s.length >= 6);
}

/** Records secrets a spec put into the system itself (connections it created). */
export function registerSecrets(values: string[]): void {
  mkdirSync(dirname(REGISTERED), { recursive: true });
  appendFileSync(REGISTERED, values.map((v) => `${v}\n`).join(""));
}

export function knownSecrets(): string[] {
  const registered = existsSync(REGISTERED) ? readFileSync(REGISTERED, "utf8").split("\n").filter(Boolean) : [];
  return [...new Set([...seededSecrets(), ...registered])];
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The secrets that occur in `text`. A short or all-digit secret ("888888") counts only as a token
 * of its own, so that it is not found inside a timestamp or a longer number.
 */
export function findLeaks(text: string, secrets: string[]): string[] {
  return secrets.filter((secret) => {
    if (secret.length >= 12 && !/^\d+$/.test(secret)) return text.includes(secret);
    return new RegExp(`(^|[^0-9A-Za-z])${escape(secret)}([^0-9A-Za-z]|$)`).test(text);
  });
}

/** A secret shown in a report: enough to recognise it, not the value itself. */
export function masked(secret: string): string {
  return `${secret.slice(0, 3)}…(${secret.length} chars)`;
}
