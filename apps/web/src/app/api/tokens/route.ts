import { createApiToken, prisma } from "@qiao/db";
import { apiTokenListSchema, createApiTokenBody, createdApiTokenSchema } from "@/lib/api/schemas";
import { json, readJson, withAuth } from "@/server/api";
import { apiTokenDto } from "@/server/tokens";

export const dynamic = "force-dynamic";

/** GET /api/tokens — the caller's API tokens (hashes stay in the database). */
export const GET = withAuth(async (_req, { principal }) => {
  const rows = await prisma().apiToken.findMany({ where: { userId: principal.userId }, orderBy: { createdAt: "desc" } });
  return json(apiTokenListSchema, { tokens: rows.map(apiTokenDto) });
});

/** POST /api/tokens — a new token; the answer is the only time it is shown. */
export const POST = withAuth(async (req, { principal }) => {
  const { name } = await readJson(req, createApiTokenBody);
  const { token, row } = await createApiToken(prisma(), principal.userId, name);
  return json(createdApiTokenSchema, { token, apiToken: apiTokenDto(row) }, 201);
});
