import { hasRole, message, type Role } from "@qiao/core";
import { findApiTokenWithOwner, type ApiTokenWithOwner, type Db } from "@qiao/db";
import type { ApiTokenDto } from "@/lib/api/schemas";
import type { Principal } from "./api";
import { ApiError, fieldError, notFound } from "./errors";

export function apiTokenDto(row: ApiTokenWithOwner): ApiTokenDto {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    owner: { id: row.user.id, email: row.user.email },
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/** A token never gets more than the principal creating it has (a token creating a token included). */
export function tokenRoleFor(principal: Principal, asked: Role | undefined): Role {
  const role = asked ?? principal.role;
  if (!hasRole(principal.role, role)) {
    throw new ApiError("forbidden", message("api.tokenRoleTooHigh", { role: principal.role }));
  }
  return role;
}

/**
 * A token created with a token never outlives it: without an expiry it expires with its creator;
 * none (`null`) or a later one is refused (403, naming the creator's expiry). From a session, what
 * was asked.
 */
export function tokenExpiryFor(principal: Principal, asked: string | null | undefined): Date | null {
  const wanted = asked ? new Date(asked) : null;
  const cap = principal.token?.expiresAt;
  if (!cap) return wanted;
  if (asked === undefined) return cap;
  if (wanted === null || wanted > cap) {
    throw fieldError(["expiresAt"], message("api.tokenOutlivesCreator", { expiresAt: cap.toISOString() }), "forbidden");
  }
  return wanted;
}

/** A token the principal may manage: their own, or anyone's for an admin. */
export async function findManagedToken(db: Db, principal: Principal, id: string) {
  const row = await findApiTokenWithOwner(db, id);
  if (!row || (row.userId !== principal.userId && principal.role !== "admin")) throw notFound("API 令牌");
  return row;
}
