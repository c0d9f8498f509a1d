// Connections as the API sees them: credentials checked against the connector's schema, secret
// fields sealed by @qiao/db and reported only as "stored or not", blank secrets = unchanged.
import { getConnector, isConnectorError, splitCredentials, type Connector } from "@qiao/connectors";
import { connectionCredentials, outboundPolicy, type Db } from "@qiao/db";
import type { z } from "zod";
import type { ConnectionDto, connectionTestResultSchema } from "@/lib/api/schemas";
import { ApiError, notFound } from "./errors";

type ConnectionRow = Awaited<ReturnType<Db["connection"]["findUniqueOrThrow"]>>;
type Credentials = Record<string, unknown>;

export function connectorOf(platform: string): Connector {
  const connector = getConnector(platform);
  if (!connector) {
    throw new ApiError("validation_failed", `不支持的平台：${platform}`, [
      { path: ["platform"], message: `不支持的平台：${platform}`, messageEn: `Unknown platform ${platform}` },
    ]);
  }
  return connector;
}

const isBlank = (v: unknown) => v === undefined || v === null || v === "";

/** Checks credentials with the connector's schema; issues point at `credentials.<field>`. */
export function checkCredentials(connector: Connector, credentials: Credentials): Credentials {
  const parsed = connector.meta.credentials.safeParse(credentials);
  if (parsed.success) return parsed.data;
  throw new ApiError(
    "validation_failed",
    "连接信息不完整或不正确",
    parsed.error.issues.map((i) => ({ path: ["credentials", ...i.path.map(String)], message: i.message })),
  );
}

/** Stored credentials overlaid with the non-blank values the user typed (blank secret = keep). */
export function mergeCredentials(row: ConnectionRow, input: Credentials | undefined): Credentials {
  const stored = connectionCredentials(row);
  const typed = Object.fromEntries(Object.entries(input ?? {}).filter(([, v]) => !isBlank(v)));
  return { ...stored, ...typed };
}

export async function findConnection(db: Db, id: string): Promise<ConnectionRow> {
  const row = await db.connection.findUnique({ where: { id } });
  if (!row) throw notFound("连接");
  return row;
}

/** Schemes whose definition refers to each connection id. */
export async function connectionUsage(db: Db): Promise<Map<string, { id: string; name: string }[]>> {
  const schemes = await db.scheme.findMany({ select: { id: true, name: true, definition: true }, orderBy: { name: "asc" } });
  const usage = new Map<string, { id: string; name: string }[]>();
  for (const s of schemes) {
    const nodes = (s.definition as { nodes?: { config?: { connectionId?: unknown } }[] }).nodes ?? [];
    const ids = new Set(nodes.map((n) => n.config?.connectionId).filter((v): v is string => typeof v === "string" && v !== ""));
    for (const id of ids) usage.set(id, [...(usage.get(id) ?? []), { id: s.id, name: s.name }]);
  }
  return usage;
}

export function connectionDto(row: ConnectionRow, usedBy: { id: string; name: string }[]): ConnectionDto {
  const connector = getConnector(row.platform);
  const stored = connectionCredentials(row);
  const secretKeys = connector?.meta.credentialFields.filter((f) => f.secret).map((f) => f.key) ?? [];
  return {
    id: row.id,
    platform: row.platform,
    name: row.name,
    baseUrl: row.baseUrl,
    settings: row.settings as Record<string, unknown>,
    secrets: Object.fromEntries(secretKeys.map((k) => [k, !isBlank(stored[k])])),
    usedBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function splitFor(connector: Connector, credentials: Credentials) {
  return splitCredentials(connector.meta, credentials);
}

/** One authenticated call through the real client; a failure is a result, not an API error. */
export async function testCredentials(
  connector: Connector,
  baseUrl: string,
  credentials: Credentials,
): Promise<z.infer<typeof connectionTestResultSchema>> {
  const started = Date.now();
  try {
    const { message } = await connector.testConnection({
      baseUrl,
      credentials,
      outbound: outboundPolicy(),
      timeoutMs: 10_000,
      maxRetries: 0,
      signal: AbortSignal.timeout(15_000),
    });
    return { ok: true, message, durationMs: Date.now() - started };
  } catch (error) {
    const durationMs = Date.now() - started;
    if (isConnectorError(error)) return { ok: false, message: error.message, kind: error.kind, durationMs };
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `连接测试失败：${message}`, durationMs };
  }
}
