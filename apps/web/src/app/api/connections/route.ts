import { createConnection, listConnections, prisma } from "@qiao/db";
import { connectionListSchema, connectionSchema, createConnectionBody } from "@/lib/api/schemas";
import { json, readJson, withAuth } from "@/server/api";
import { checkBaseUrl, checkCredentials, connectionDto, connectionUsage, connectorOf, splitFor } from "@/server/connections";

export const dynamic = "force-dynamic";

/** GET /api/connections — every connection, secrets reported only as stored / not stored. */
export const GET = withAuth(async () => {
  const db = prisma();
  const [rows, usage] = await Promise.all([listConnections(db), connectionUsage(db)]);
  return json(connectionListSchema, { connections: rows.map((r) => connectionDto(r, usage.get(r.id) ?? [])) });
}, { role: "viewer" });

/** POST /api/connections — create a connection; its secret fields are sealed at rest. */
export const POST = withAuth(async (req, { principal }) => {
  const body = await readJson(req, createConnectionBody);
  const connector = connectorOf(body.platform);
  const credentials = checkCredentials(connector, body.credentials);
  await checkBaseUrl(body.baseUrl);
  const row = await createConnection(prisma(), {
    platform: body.platform,
    name: body.name,
    baseUrl: body.baseUrl,
    ...splitFor(connector, credentials),
    createdById: principal.userId,
  });
  return json(connectionSchema, connectionDto(row, []), 201);
}, { role: "admin" });
