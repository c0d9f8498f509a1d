// Sign-in: better-auth with email + password, sessions in Postgres through Prisma.
// Created lazily: `next build` imports route modules while collecting page data.
import { config, prisma } from "@qiao/db";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { nextCookies } from "better-auth/next-js";

function createAuth() {
  const c = config();
  const base = new URL(c.BETTER_AUTH_URL);
  const alias = new URL(base);
  alias.hostname = base.hostname === "localhost" ? "127.0.0.1" : "localhost";
  return betterAuth({
    appName: "Qiao",
    secret: c.BETTER_AUTH_SECRET,
    baseURL: c.BETTER_AUTH_URL,
    trustedOrigins: [base.origin, alias.origin, ...c.QIAO_TRUSTED_ORIGINS],
    database: prismaAdapter(prisma(), { provider: "postgresql" }),
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 8 },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    user: { additionalFields: { role: { type: ["viewer", "editor", "admin"], defaultValue: "editor", input: false } } },
    advanced: { defaultCookieAttributes: { sameSite: "lax", httpOnly: true } },
    // Email sign-in is throttled in Redis, per account and address, before it gets here
    // (auth-requests.ts); better-auth's in-memory limiter would count per instance, by a header.
    rateLimit: { customRules: { "/sign-in/email": false } },
    plugins: [nextCookies()],
  });
}

type Auth = ReturnType<typeof createAuth>;
const g = globalThis as unknown as { qiaoAuth?: Auth };

export function auth(): Auth {
  g.qiaoAuth ??= createAuth();
  return g.qiaoAuth;
}
