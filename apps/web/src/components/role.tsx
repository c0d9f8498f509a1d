"use client";
// The signed-in user (id and role), for hiding what they cannot do. The server enforces it regardless.
import { hasRole, ROLES, type Role } from "@qiao/core";
import { createContext, useContext, type ReactNode } from "react";
import { useT } from "@/lib/i18n/client";

interface CurrentUser {
  id: string;
  role: Role;
}

const CurrentUserContext = createContext<CurrentUser>({ id: "", role: "viewer" });

export function CurrentUserProvider({ user, children }: { user: CurrentUser; children: ReactNode }) {
  return <CurrentUserContext.Provider value={user}>{children}</CurrentUserContext.Provider>;
}

export function useCurrentUser(): CurrentUser {
  return useContext(CurrentUserContext);
}

/** Whether the signed-in user has at least `least`. */
export function useCan(least: Role): boolean {
  return hasRole(useCurrentUser().role, least);
}

/** Renders its children only for users with at least `least`. */
export function IfCan({ least, children }: { least: Role; children: ReactNode }) {
  return useCan(least) ? <>{children}</> : null;
}

/** The `<option>`s of a role picker: every role, or those up to `upTo`. */
export function RoleOptions({ upTo = "admin" }: { upTo?: Role }) {
  const t = useT();
  return ROLES.filter((r) => hasRole(upTo, r)).map((r) => (
    <option key={r} value={r}>
      {t(`role.${r}`)}
    </option>
  ));
}
