import { createUser, listUsers, prisma } from "@qiao/db";
import { createUserBody, userListSchema, userSchema } from "@/lib/api/schemas";
import { json, readJson, withAuth } from "@/server/api";
import { userChange, userDto } from "@/server/users";

export const dynamic = "force-dynamic";

/** GET /api/users — every user with their role, oldest first. */
export const GET = withAuth(async () => {
  const rows = await listUsers(prisma());
  return json(userListSchema, { users: rows.map(userDto) });
}, { role: "admin" });

/** POST /api/users — a user who signs in with this email and password; 409 if the email is taken. */
export const POST = withAuth(async (req) => {
  const body = await readJson(req, createUserBody);
  const row = await userChange(() => createUser(prisma(), body));
  return json(userSchema, userDto(row), 201);
}, { role: "admin" });
