// Managing users (admin only, through the web API): change name, role or password, delete. The
// last admin can be neither demoted nor deleted, even by two admins acting at the same moment.
import { randomUUID } from "node:crypto";
import type { Role } from "@qiao/core";
import { hashPassword } from "better-auth/crypto";
import type { Db } from "./client";

/** The change would leave the instance without an admin. */
export class LastAdminError extends Error {
  override name = "LastAdminError";
  constructor() {
    super("不能降级或删除最后一位管理员：请先把另一位用户设为管理员 / The last admin cannot be demoted or deleted.");
  }
}

export interface UserChange {
  name?: string;
  role?: Role;
  password?: string;
  /**
   * With a new password: sign the user out everywhere (not when they change their own) — their
   * sessions are deleted and their API tokens revoked, so nothing obtained with the old password
   * keeps working.
   */
  endSessions?: boolean;
}

type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/**
 * Locks every admin row, then refuses if `userId` is the only admin. Two admins demoting each
 * other serialize on the lock: the second sees one admin left.
 */
async function guardLastAdmin(tx: Tx, userId: string): Promise<void> {
  const admins = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM users WHERE role = 'admin' ORDER BY id FOR UPDATE`;
  if (admins.length === 1 && admins[0]!.id === userId) throw new LastAdminError();
}

/**
 * Applies the change; null when the user does not exist. The user's row is locked (after the admins'):
 * a delete that commits in between is waited for and seen, not met by the update (a 500).
 */
export async function updateUser(db: Db, userId: string, change: UserChange) {
  const passwordHash = change.password === undefined ? undefined : await hashPassword(change.password);
  return db.$transaction(async (tx) => {
    if (change.role !== undefined && change.role !== "admin") await guardLastAdmin(tx, userId);
    const found = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`;
    if (found.length === 0) return null;
    if (passwordHash !== undefined) {
      const { count } = await tx.account.updateMany({ where: { userId, providerId: "credential" }, data: { password: passwordHash } });
      // A user without a password account (none today: createUser makes one) gets one.
      if (count === 0) await tx.account.create({ data: { id: randomUUID(), accountId: userId, userId, providerId: "credential", password: passwordHash } });
      if (change.endSessions) {
        await tx.session.deleteMany({ where: { userId } });
        await tx.apiToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
      }
    }
    return tx.user.update({ where: { id: userId }, data: { name: change.name, role: change.role } });
  });
}

/** Deletes the user with their sessions, accounts and API tokens; false when unknown. */
export async function deleteUser(db: Db, userId: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    await guardLastAdmin(tx, userId);
    const { count } = await tx.user.deleteMany({ where: { id: userId } });
    return count === 1;
  });
}
