// Users and API tokens shared by the web app (auth) and the seed.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { lowerRole, type Role } from "@qiao/core";
import { hashPassword } from "better-auth/crypto";
import type { ApiToken, User } from "../generated/prisma/client";
import type { Db } from "./client";

export const API_TOKEN_PREFIX = "qiao_";

export function hashApiToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function generateApiToken(): string {
  return API_TOKEN_PREFIX + randomBytes(24).toString("base64url");
}

export interface NewApiToken {
  userId: string;
  name: string;
  /** What the token may do; the caller checks it is not above its creator's role. */
  role: Role;
  expiresAt?: Date | null;
  /** The token that is creating this one (the caller checks the expiry is not after its own). */
  parentId?: string | null;
  /** Defaults to a new random token. */
  token?: string;
  /**
   * The sign-in session minting it (a token minted with a token has `parentId` instead): it must
   * still exist when the token is stored (SessionEndedError otherwise).
   */
  sessionId?: string;
}

/**
 * The session a token was being minted with ended first (a password reset, a sign-out): no token.
 * A token made with it just before is revoked by the reset, which comes after it.
 */
export class SessionEndedError extends Error {
  override name = "SessionEndedError";
  constructor() {
    super("the session minting the token has ended");
  }
}

/**
 * Stores a token (only its hash) and returns it with its row. With `sessionId`, in one transaction
 * that holds the session row (FOR SHARE): a password reset deleting the user's sessions and then
 * revoking their tokens either waits for this insert (and revokes the token) or goes first (and
 * this finds the session gone). Session 31's audit: a request authenticated before the reset minted
 * a working token after it.
 */
export async function createApiToken(db: Db, input: NewApiToken) {
  const token = input.token ?? generateApiToken();
  const data = {
    userId: input.userId,
    name: input.name,
    role: input.role,
    expiresAt: input.expiresAt ?? null,
    parentId: input.parentId ?? null,
    tokenHash: hashApiToken(token),
    prefix: token.slice(0, API_TOKEN_PREFIX.length + 4),
  };
  const { sessionId } = input;
  if (sessionId === undefined) return { token, row: await db.apiToken.create({ data }) };
  const row = await db.$transaction(async (tx) => {
    const held = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM sessions WHERE id = ${sessionId} FOR SHARE`;
    if (held.length === 0) throw new SessionEndedError();
    return tx.apiToken.create({ data });
  });
  return { token, row };
}

/**
 * The tokens up the chain of `parentId` (its creator, the creator's creator …): whether any of them
 * is revoked, and the earliest expiry among them (null: none expires).
 */
async function ancestry(db: Db, parentId: string): Promise<{ revoked: boolean; expiresAt: Date | null }> {
  const [row] = await db.$queryRaw<{ revoked: boolean | null; expires_at: Date | null }[]>`
    WITH RECURSIVE chain AS (
      SELECT id, parent_id, revoked_at, expires_at FROM api_tokens WHERE id = ${parentId}::uuid
      UNION
      SELECT t.id, t.parent_id, t.revoked_at, t.expires_at FROM api_tokens t JOIN chain c ON t.id = c.parent_id
    )
    SELECT bool_or(revoked_at IS NOT NULL) AS revoked, min(expires_at) AS expires_at FROM chain`;
  return { revoked: row?.revoked ?? false, expiresAt: row?.expires_at ?? null };
}

/**
 * The user behind a bearer token and the role the token acts with now: the lower of its own and
 * its owner's current role (a demoted owner demotes their tokens). Null when unknown, revoked or
 * expired — or when a token up its chain (the token that created it, and so on) is: a token never
 * outlives the one that minted it. `token.expiresAt` is the earliest expiry of the chain.
 */
export async function findUserByApiToken(db: Db, token: string, now = new Date()) {
  const row = await db.apiToken.findUnique({ where: { tokenHash: hashApiToken(token) }, include: { user: true } });
  if (!row || row.revokedAt) return null;
  let expiresAt = row.expiresAt;
  if (row.parentId) {
    const up = await ancestry(db, row.parentId);
    if (up.revoked) return null;
    if (up.expiresAt && (!expiresAt || up.expiresAt < expiresAt)) expiresAt = up.expiresAt;
  }
  if (expiresAt && expiresAt <= now) return null;
  // Touch at most once a minute so token traffic does not turn into write traffic.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { user: row.user, role: lowerRole(row.role, row.user.role), token: { id: row.id, expiresAt } };
}

/** What a token is shown with: its owner's id and email. */
const WITH_OWNER = { user: { select: { id: true, email: true } } } as const;
export type ApiTokenWithOwner = ApiToken & { user: { id: string; email: string } };

/** The tokens of one user, or everyone's (`"all"`), newest first. */
export async function listApiTokens(db: Db, of: { userId: string } | "all"): Promise<ApiTokenWithOwner[]> {
  return db.apiToken.findMany({ where: of === "all" ? {} : { userId: of.userId }, orderBy: { createdAt: "desc" }, include: WITH_OWNER });
}

export async function findApiTokenWithOwner(db: Db, id: string): Promise<ApiTokenWithOwner | null> {
  return db.apiToken.findUnique({ where: { id }, include: WITH_OWNER });
}

/**
 * Marks the token revoked now, with every token it minted (and they minted …) that is not revoked
 * yet; they stay listed, so people see when.
 */
export async function revokeApiToken(db: Db, id: string, now = new Date()): Promise<ApiTokenWithOwner> {
  await db.$executeRaw`
    WITH RECURSIVE tree AS (
      SELECT id FROM api_tokens WHERE id = ${id}::uuid
      UNION
      SELECT t.id FROM api_tokens t JOIN tree ON t.parent_id = tree.id
    )
    UPDATE api_tokens SET revoked_at = ${now}::timestamp WHERE id IN (SELECT id FROM tree) AND revoked_at IS NULL`;
  return db.apiToken.findUniqueOrThrow({ where: { id }, include: WITH_OWNER });
}

export interface NewUser {
  email: string;
  name: string;
  password: string;
  role: Role;
}

/** A user with an email/password account (better-auth's "credential" provider, its password hash). */
export async function createUser(db: Db, input: NewUser) {
  const id = randomUUID();
  return db.user.create({
    data: {
      id,
      email: input.email,
      name: input.name,
      role: input.role,
      emailVerified: true,
      accounts: {
        create: { id: randomUUID(), accountId: id, providerId: "credential", password: await hashPassword(input.password) },
      },
    },
  });
}

/** Every user, oldest first. */
export async function listUsers(db: Db): Promise<User[]> {
  return db.user.findMany({ orderBy: { createdAt: "asc" } });
}

/** Creates the admin if missing. */
export async function ensureAdminUser(db: Db, email: string, password: string, name = "管理员") {
  const existing = await db.user.findUnique({ where: { email } });
  if (existing) return { user: existing, created: false };
  return { user: await createUser(db, { email, password, name, role: "admin" }), created: true };
}
