// Users and API tokens shared by the web app (auth) and the seed.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import type { Db } from "./client";

export const API_TOKEN_PREFIX = "qiao_";

export function hashApiToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function generateApiToken(): string {
  return API_TOKEN_PREFIX + randomBytes(24).toString("base64url");
}

/** Stores a token (only its hash) and returns its row; `token` defaults to a new random one. */
export async function createApiToken(db: Db, userId: string, name: string, token = generateApiToken()) {
  const row = await db.apiToken.create({
    data: { userId, name, tokenHash: hashApiToken(token), prefix: token.slice(0, API_TOKEN_PREFIX.length + 4) },
  });
  return { token, row };
}

/** The user behind a bearer token, or null when unknown or revoked. */
export async function findUserByApiToken(db: Db, token: string) {
  const row = await db.apiToken.findUnique({ where: { tokenHash: hashApiToken(token) }, include: { user: true } });
  if (!row || row.revokedAt) return null;
  // Touch at most once a minute so token traffic does not turn into write traffic.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  }
  return row.user;
}

/** Creates the admin with an email/password account (better-auth's "credential" provider) if missing. */
export async function ensureAdminUser(db: Db, email: string, password: string, name = "管理员") {
  const existing = await db.user.findUnique({ where: { email } });
  if (existing) return { user: existing, created: false };
  const id = randomUUID();
  const user = await db.user.create({
    data: {
      id,
      email,
      name,
      role: "admin",
      emailVerified: true,
      accounts: {
        create: { id: randomUUID(), accountId: id, providerId: "credential", password: await hashPassword(password) },
      },
    },
  });
  return { user, created: true };
}
