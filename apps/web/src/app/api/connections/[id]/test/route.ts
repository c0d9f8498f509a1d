import { prisma } from "@qiao/db";
import { connectionTestResultSchema, testConnectionBody } from "@/lib/api/schemas";
import { json, readJson, uuidParam, withAuth } from "@/server/api";
import { checkBaseUrl, checkCredentials, connectorOf, findConnection, mergeCredentials, testCredentials } from "@/server/connections";

export const dynamic = "force-dynamic";

/**
 * POST /api/connections/:id/test — one authenticated call with the stored credentials, or with
 * the values in the body laid over them (testing an edit before saving it). A new baseUrl is
 * tested with typed secrets only: stored secrets never go to another address.
 */
export const POST = withAuth<{ id: string }>(async (req, { params, locale }) => {
  const row = await findConnection(prisma(), uuidParam(params.id, "连接"));
  const body = await readJson(req, testConnectionBody);
  const connector = connectorOf(row.platform);
  const credentials = checkCredentials(connector, mergeCredentials(connector, row, body.baseUrl, body.credentials));
  const baseUrl = body.baseUrl ?? row.baseUrl;
  await checkBaseUrl(baseUrl);
  return json(connectionTestResultSchema, await testCredentials(connector, baseUrl, credentials, locale));
}, { role: "admin" });
