import { prisma, revokeApiToken } from "@qiao/db";
import { apiTokenSchema } from "@/lib/api/schemas";
import { json, uuidParam, withAuth } from "@/server/api";
import { apiTokenDto, findManagedToken } from "@/server/tokens";

export const dynamic = "force-dynamic";

/** DELETE /api/tokens/:id — revokes one of the caller's tokens (an admin: anyone's); kept, marked revoked, so the list shows when. */
export const DELETE = withAuth<{ id: string }>(async (_req, { principal, params }) => {
  const db = prisma();
  const row = await findManagedToken(db, principal, uuidParam(params.id, "API 令牌"));
  const revoked = row.revokedAt ? row : await revokeApiToken(db, row.id);
  return json(apiTokenSchema, apiTokenDto(revoked));
}, { role: "viewer" });
