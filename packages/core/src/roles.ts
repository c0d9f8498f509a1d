// Who may do what: three roles in one order. A route names the least role it needs; a token acts
// with the lesser of its own role and its owner's current one.
import { z } from "zod";

export const ROLES = ["viewer", "editor", "admin"] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

/** Whether `role` may do what needs `least`. */
export function hasRole(role: Role, least: Role): boolean {
  return RANK[role] >= RANK[least];
}

/** The lower of two roles (a token never acts above its owner). */
export function lowerRole(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b;
}
