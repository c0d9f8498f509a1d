import { prisma } from "@qiao/db";
import { connectionTestResultSchema, testConnectionBody } from "@/lib/api/schemas";
import { json, readJson, uuidParam, withAuth } from "@/server/api";
import { checkCredentials, connectorOf, findConnection, mergeCredentials, testCredentials } from "@/server/connections";

export const dynamic = "force-dynamic";

/**
 * POST /api/connections/:id/test — one authenticated call with the stored credentials, or with
 * the values in the body laid over them (testing an edit before saving it).
 */
export const POST = withAuth<{ id: string }>(async (req, { params }) => {
  const row = await findConnection(prisma(), uuidParam(params.id, "连接"));
  const body = await readJson(req, testConnectionBody);
  const connector = connectorOf(row.platform);
  const credentials = checkCredentials(connector, mergeCredentials(row, body.credentials));
  return json(connectionTestResultSchema, await testCredentials(connector, body.baseUrl ?? row.baseUrl, credentials));
}, { role: "admin" });
