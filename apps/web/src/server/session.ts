import { roleSchema } from "@qiao/core";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { auth } from "./auth";

/** For pages: the signed-in user with their role, or a redirect to the sign-in page. */
export async function requireUser(nextPath = "/") {
  const session = await auth().api.getSession({ headers: await headers() });
  if (!session) redirect(`/sign-in?next=${encodeURIComponent(nextPath)}`);
  return { ...session.user, role: roleSchema.parse(session.user.role) };
}
