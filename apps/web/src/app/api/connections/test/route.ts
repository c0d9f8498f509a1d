import { connectionTestResultSchema, testNewConnectionBody } from "@/lib/api/schemas";
import { json, readJson, withAuth } from "@/server/api";
import { checkBaseUrl, checkCredentials, connectorOf, testCredentials } from "@/server/connections";

export const dynamic = "force-dynamic";

/** POST /api/connections/test — test credentials that are not saved yet. */
export const POST = withAuth(async (req, { locale }) => {
  const input = await readJson(req, testNewConnectionBody);
  const connector = connectorOf(input.platform);
  const credentials = checkCredentials(connector, input.credentials);
  await checkBaseUrl(input.baseUrl);
  return json(connectionTestResultSchema, await testCredentials(connector, input.baseUrl, credentials, locale));
}, { role: "admin" });
