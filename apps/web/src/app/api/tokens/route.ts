import { message } from "@qiao/core";
import { createApiToken, listApiTokens, prisma, SessionEndedError } from "@qiao/db";
import { apiTokenListSchema, apiTokensQuery, createApiTokenBody, createdApiTokenSchema } from "@/lib/api/schemas";
import { json, readJson, readQuery, withAuth } from "@/server/api";
import { ApiError } from "@/server/errors";
import { apiTokenDto, tokenExpiryFor, tokenRoleFor } from "@/server/tokens";

export const dynamic = "force-dynamic";

/** GET /api/tokens — the caller's API tokens; `?scope=all`: everyone's (admins). Hashes stay in the database. */
export const GET = withAuth(async (req, { principal }) => {
  const { scope } = readQuery(req, apiTokensQuery);
  if (scope === "all" && principal.role !== "admin") throw new ApiError("forbidden", message("api.allTokensAdminOnly"));
  const rows = await listApiTokens(prisma(), scope === "all" ? "all" : { userId: principal.userId });
  return json(apiTokenListSchema, { tokens: rows.map(apiTokenDto) });
}, { role: "viewer" });

/**
 * POST /api/tokens — a new token of the caller, with a role no higher than theirs; shown only in this
 * answer. Made with a token: it expires no later than that token, and ends when that token is revoked.
 */
export const POST = withAuth(async (req, { principal }) => {
  const body = await readJson(req, createApiTokenBody);
  const { token, row } = await createApiToken(prisma(), {
    userId: principal.userId,
    name: body.name,
    role: tokenRoleFor(principal, body.role),
    expiresAt: tokenExpiryFor(principal, body.expiresAt),
    parentId: principal.token?.id ?? null,
    ...(principal.sessionId !== undefined && { sessionId: principal.sessionId }),
  }).catch((error: unknown) => {
    if (error instanceof SessionEndedError) throw new ApiError("unauthorized", message("api.signInFirst"));
    throw error;
  });
  return json(createdApiTokenSchema, { token, apiToken: apiTokenDto({ ...row, user: { id: principal.userId, email: principal.email } }) }, 201);
}, { role: "viewer" });
