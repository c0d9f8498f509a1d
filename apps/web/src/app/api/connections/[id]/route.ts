import { message } from "@qiao/core";
import { ConnectionChangedError, deleteConnection, prisma, updateConnection } from "@qiao/db";
import { connectionSchema, okSchema, updateConnectionBody } from "@/lib/api/schemas";
import { json, readJson, uuidParam, withAuth } from "@/server/api";
import {
  checkBaseUrl,
  checkCredentials,
  connectionDto,
  connectionUsage,
  connectorOf,
  findConnection,
  mergeCredentials,
  splitFor,
} from "@/server/connections";
import { ApiError } from "@/server/errors";

export const dynamic = "force-dynamic";
type P = { id: string };

/** GET /api/connections/:id */
export const GET = withAuth<P>(async (_req, { params }) => {
  const db = prisma();
  const row = await findConnection(db, uuidParam(params.id, "连接"));
  const usage = await connectionUsage(db);
  return json(connectionSchema, connectionDto(row, usage.get(row.id) ?? []));
}, { role: "viewer" });

/**
 * PATCH /api/connections/:id — secret fields left blank keep their stored value; with a new
 * baseUrl every stored secret must be typed again.
 */
export const PATCH = withAuth<P>(async (req, { params }) => {
  const db = prisma();
  const row = await findConnection(db, uuidParam(params.id, "连接"));
  const body = await readJson(req, updateConnectionBody);
  const connector = connectorOf(row.platform);
  if (body.baseUrl !== undefined) await checkBaseUrl(body.baseUrl);
  const edited = body.credentials !== undefined || body.baseUrl !== undefined;
  const credentials = edited ? checkCredentials(connector, mergeCredentials(connector, row, body.baseUrl, body.credentials)) : undefined;
  // The stored secrets merged above are the ones saved for the address read: written only if the
  // row still has it (another edit may have moved it meanwhile).
  const updated = await updateConnection(db, row.id, {
    name: body.name,
    baseUrl: body.baseUrl,
    readBaseUrl: row.baseUrl,
    ...(credentials && splitFor(connector, credentials)),
  }).catch((error: unknown) => {
    if (!(error instanceof ConnectionChangedError)) throw error;
    throw new ApiError("conflict", message("api.connectionMoved"));
  });
  const usage = await connectionUsage(db);
  return json(connectionSchema, connectionDto(updated, usage.get(row.id) ?? []));
}, { role: "admin" });

/** DELETE /api/connections/:id — refused (409) while a scheme uses the connection. */
export const DELETE = withAuth<P>(async (_req, { params }) => {
  const db = prisma();
  const row = await findConnection(db, uuidParam(params.id, "连接"));
  const usedBy = (await connectionUsage(db)).get(row.id) ?? [];
  if (usedBy.length > 0) {
    throw new ApiError("conflict", message("api.connectionInUse", { schemes: usedBy.map((s) => s.name) }));
  }
  await deleteConnection(db, row.id);
  return json(okSchema, { ok: true });
}, { role: "admin" });
