import { message } from "@qiao/core";
import {
  ConnectionChangedError,
  ConnectionInUseError,
  ConnectionMoveBusyError,
  ConnectionStaleError,
  deleteConnection,
  prisma,
  updateConnection,
  type ConnectionModel,
} from "@qiao/db";
import { connectionSchema, okSchema, updateConnectionBody } from "@/lib/api/schemas";
import { json, readJson, uuidParam, withAuth } from "@/server/api";
import { checkBaseUrl, connectionDto, connectionUsage, connectorOf, editedCredentials, findConnection } from "@/server/connections";
import { ApiError, notFound } from "@/server/errors";

export const dynamic = "force-dynamic";
type P = { id: string };

/** GET /api/connections/:id */
export const GET = withAuth<P>(async (_req, { params }) => {
  const db = prisma();
  const row = await findConnection(db, uuidParam(params.id, "连接"));
  const usage = await connectionUsage(db);
  return json(connectionSchema, connectionDto(row, usage.get(row.id) ?? []));
}, { role: "viewer" });

/** The 409 of an edit refused under the connection's lock, in both languages (else `error` as it is). */
function editRefused(error: unknown): unknown {
  if (error instanceof ConnectionStaleError) return new ApiError("conflict", message("api.connectionChanged"));
  if (error instanceof ConnectionChangedError) return new ApiError("conflict", message("api.connectionMoved"));
  if (error instanceof ConnectionMoveBusyError) {
    return new ApiError(
      "conflict",
      message("api.connectionMoveBusy", {
        runId: error.run.id,
        scheme: error.run.schemeName,
        fields: error.fields.map((f) => f.label),
        fieldsEn: error.fields.map((f) => f.labelEn),
      }),
    );
  }
  return error;
}

/**
 * PATCH /api/connections/:id — secret fields left blank keep their stored value; with a new
 * baseUrl every stored secret must be typed again. What is typed is laid over the connection as it
 * is when the edit is written (its row locked), not as it was read here: an edit that landed in
 * between keeps what this one did not send. With `updatedAt` (the form's), an edit made on values
 * someone has changed since is refused instead (409). Refused too (409): an edit pointing the
 * connection elsewhere (base URL, or 金蝶 data center / 管易云 appkey or sessionkey) while a queued or
 * running run uses it (session 31).
 */
export const PATCH = withAuth<P>(async (req, { params }) => {
  const db = prisma();
  const row = await findConnection(db, uuidParam(params.id, "连接"));
  const body = await readJson(req, updateConnectionBody);
  const connector = connectorOf(row.platform);
  if (body.baseUrl !== undefined) await checkBaseUrl(body.baseUrl);
  const edited = body.credentials !== undefined || body.baseUrl !== undefined;
  const updated = await updateConnection(db, row.id, {
    name: body.name,
    baseUrl: body.baseUrl,
    // An edit made for the address read here is not written beside another one (409 api.connectionMoved).
    readBaseUrl: row.baseUrl,
    ...(body.updatedAt !== undefined && { readUpdatedAt: new Date(body.updatedAt) }),
    ...(edited && { credentialsFrom: (locked: ConnectionModel) => editedCredentials(connector, locked, body.baseUrl, body.credentials) }),
  }).catch((error: unknown) => {
    throw editRefused(error);
  });
  const usage = await connectionUsage(db);
  return json(connectionSchema, connectionDto(updated, usage.get(row.id) ?? []));
}, { role: "admin" });

/** The 409 of a delete refused: schemes use the connection now, or an active run of an older version does. */
function deleteRefused(error: ConnectionInUseError): ApiError {
  if (error.schemes.length > 0) return new ApiError("conflict", message("api.connectionInUse", { schemes: error.schemes.map((s) => s.name) }));
  const [run] = error.runs;
  return new ApiError("conflict", message("api.connectionRunActive", { runId: run!.id, scheme: run!.schemeName }));
}

/**
 * DELETE /api/connections/:id — refused (409) while a scheme's current definition uses the
 * connection, or a queued or running run's scheme version does. Checked and deleted in one
 * transaction holding the connection's row: a scheme save that starts using it meanwhile waits, then
 * finds it gone (400), or the delete waits for the save and is refused (session 31).
 */
export const DELETE = withAuth<P>(async (_req, { params }) => {
  const deleted = await deleteConnection(prisma(), uuidParam(params.id, "连接")).catch((error: unknown) => {
    throw error instanceof ConnectionInUseError ? deleteRefused(error) : error;
  });
  if (!deleted) throw notFound("连接");
  return json(okSchema, { ok: true });
}, { role: "admin" });
