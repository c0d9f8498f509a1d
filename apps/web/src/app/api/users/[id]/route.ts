import { deleteUser, prisma, updateUser } from "@qiao/db";
import { okSchema, updateUserBody, userSchema } from "@/lib/api/schemas";
import { json, readJson, uuidParam, withAuth } from "@/server/api";
import { notFound } from "@/server/errors";
import { userChange, userDto } from "@/server/users";

export const dynamic = "force-dynamic";
type P = { id: string };

/**
 * PATCH /api/users/:id — name, role and/or password. A new password signs the user out everywhere
 * (unless they change their own): their sessions are deleted and their API tokens revoked.
 * Demoting the last admin is a 409.
 */
export const PATCH = withAuth<P>(async (req, { principal, params }) => {
  const id = uuidParam(params.id, "用户");
  const body = await readJson(req, updateUserBody);
  const row = await userChange(() => updateUser(prisma(), id, { ...body, endSessions: id !== principal.userId }));
  if (!row) throw notFound("用户");
  return json(userSchema, userDto(row));
}, { role: "admin" });

/** DELETE /api/users/:id — with their sessions and API tokens; deleting the last admin is a 409. */
export const DELETE = withAuth<P>(async (_req, { params }) => {
  const id = uuidParam(params.id, "用户");
  if (!(await userChange(() => deleteUser(prisma(), id)))) throw notFound("用户");
  return json(okSchema, { ok: true });
}, { role: "admin" });
