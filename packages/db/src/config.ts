// Configuration from the environment, with defaults that work on a developer machine.
// Every variable is documented in .env.example at the repository root.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";

/** Load the repository's .env once (Next loads it itself; tsx scripts do not). */
function loadDotEnv(): void {
  for (let dir = process.cwd(), i = 0; i < 4; i++, dir = resolve(dir, "..")) {
    const file = resolve(dir, ".env");
    if (existsSync(file)) {
      process.loadEnvFile(file);
      return;
    }
    if (existsSync(resolve(dir, "turbo.json"))) return;
  }
}

/** Development-only key; `npm run dev` works without configuration, production must set its own. */
const DEV_SECRET_KEY = "dev:cWlhby1kZXZlbG9wbWVudC1rZXktZG8tbm90LXVzZSE=";

const envSchema = z.object({
  NODE_ENV: z.string().default("development"),
  DATABASE_URL: z.string().url().default("postgresql://postgres@127.0.0.1:5432/qiao"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  REDIS_PREFIX: z.string().min(1).default("qiao"),
  QIAO_SECRET_KEYS: z.string().min(1).default(DEV_SECRET_KEY),
  QIAO_SECRET_KEY_ID: z.string().optional(),
  BETTER_AUTH_SECRET: z.string().min(16).default("qiao-dev-auth-secret-change-me"),
  BETTER_AUTH_URL: z.string().url().default("http://localhost:3000"),
  /** Extra origins allowed to sign in and to change state with a session cookie (comma separated). */
  QIAO_TRUSTED_ORIGINS: z
    .string()
    .default("")
    .transform((s) => s.split(",").map((o) => o.trim()).filter(Boolean)),
  ADMIN_EMAIL: z.string().email().default("admin@qiao.local"),
  ADMIN_PASSWORD: z.string().min(8).default("qiao-admin-2026"),
  QIAO_API_TOKEN: z.string().optional(),
  GUANYI_SIM_PORT: z.coerce.number().int().default(4010),
  KINGDEE_SIM_PORT: z.coerce.number().int().default(4020),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).default(2),
  RUN_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** Connections may reach loopback and private addresses (default: yes, except with NODE_ENV=production). */
  QIAO_ALLOW_PRIVATE_TARGETS: z
    .enum(["true", "false"], { message: 'QIAO_ALLOW_PRIVATE_TARGETS must be "true" or "false"' })
    .optional()
    .transform((v) => (v === undefined ? undefined : v === "true")),
  /** host[:port] entries a connection may reach on a private address (an ERP on the company network). */
  QIAO_ALLOWED_HOSTS: z
    .string()
    .default("")
    .transform((s) => s.split(",").map((h) => h.trim().toLowerCase()).filter(Boolean)),
  /** Largest ERP answer read, in bytes (default 64 MiB). */
  QIAO_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).default(64 * 1024 * 1024),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

export type Config = z.infer<typeof envSchema>;

let cached: Config | undefined;

export function config(): Config {
  if (cached) return cached;
  loadDotEnv();
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration in the environment:\n${lines.join("\n")}`);
  }
  cached = parsed.data;
  return cached;
}

/** Where connections may send requests and how large an answer may be (the connectors' OutboundPolicy). */
export function outboundPolicy(c: Config = config()): { allowPrivateTargets: boolean; allowedHosts: string[]; maxResponseBytes: number } {
  return {
    allowPrivateTargets: c.QIAO_ALLOW_PRIVATE_TARGETS ?? c.NODE_ENV !== "production",
    allowedHosts: c.QIAO_ALLOWED_HOSTS,
    maxResponseBytes: c.QIAO_MAX_RESPONSE_BYTES,
  };
}

/** The URL with its password hidden, for messages a person reads. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(invalid URL)";
  }
}
