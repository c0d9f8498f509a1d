import { prisma } from "@qiao/db";
import { apiTokenSchema } from "@/lib/api/schemas";
import { json, uuidParam, withAuth } from "@/server/api";
import { notFound } from "@/server/errors";
import { apiTokenDto } from "@/server/tokens";

export const dynamic = "force-dynamic";

/** DELETE /api/tokens/:id — revokes the token (kept, marked revoked, so the list shows when). */
export const DELETE = withAuth<{ id: string }>(async (_req, { principal, params }) => {
  const db = prisma();
  const id = uuidParam(params.id, "API 令牌");
  const row = await db.apiToken.findFirst({ where: { id, userId: principal.userId } });
  if (!row) throw notFound("API 令牌");
  const revoked = row.revokedAt ? row : await db.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
  return json(apiTokenSchema, apiTokenDto(revoked));
});
