// Connections as the API sees them: credentials checked against the connector's schema, secret
// fields sealed by @qiao/db and reported only as "stored or not", blank secrets = unchanged — as
// long as the address stays the one they were saved with (a stored secret never goes elsewhere).
import {
  AddressRefusedError,
  checkTarget,
  getConnector,
  isConnectorError,
  splitCredentials,
  systemResolve,
  targetOf,
  withoutUserinfo,
  type Connector,
  type Resolve,
} from "@qiao/connectors";
import { message, render, type Locale } from "@qiao/core";
import { canonicalBaseUrl, getConnection, listSchemeDefinitions, openStoredSecrets, outboundPolicy, storedSecrets, type ConnectionModel, type Db } from "@qiao/db";
import { ZodError, type z } from "zod";
import type { ConnectionDto, connectionTestResultSchema } from "@/lib/api/schemas";
import { ApiError, CJK, fieldError, fromZodError, notFound, safeParseBilingual } from "./errors";

type ConnectionRow = ConnectionModel;
type Credentials = Record<string, unknown>;

export function connectorOf(platform: string): Connector {
  const connector = getConnector(platform);
  if (!connector) {
    throw fieldError(["platform"], message("api.unknownPlatform", { platform }));
  }
  return connector;
}

/** Not typed: nothing, or only spaces (which the connectors' schemas trim away to nothing). */
const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");

/**
 * Checks credentials with the connector's schema; issues point at `credentials.<field>`. A connector's
 * own check said only in Chinese is said in English by the field it is about.
 */
export function checkCredentials(connector: Connector, credentials: Credentials): Credentials {
  // zod's own refusals (a number, a field left out) in Chinese too, as readJson's (session 35's audit).
  const parsed = safeParseBilingual(connector.credentials, credentials);
  if (parsed.success) return parsed.data;
  const underCredentials = (error: ZodError) => new ZodError(error.issues.map((i) => ({ ...i, path: ["credentials", ...i.path.map(String)] })));
  const refused = fromZodError(underCredentials(parsed.error), message("api.credentialsInvalid"), parsed.english && underCredentials(parsed.english));
  const labelEn = (key: unknown) => connector.meta.credentialFields.find((f) => f.key === key)?.labelEn ?? String(key);
  const issues = refused.issues.map((i) => (i.messageEn || !CJK.test(i.message) ? i : { ...i, messageEn: `Enter a valid ${labelEn(i.path[1])}` }));
  throw new ApiError(refused.code, refused.text, issues);
}

/** The same address, in the form the secrets are sealed for (@qiao/db canonicalBaseUrl; an unparsable stored URL is compared as written, not thrown). */
const sameUrl = (a: string, b: string) => canonicalBaseUrl(a) === canonicalBaseUrl(b);

/**
 * The credentials an edit or a test of a saved connection uses: the stored ones overlaid with the
 * non-blank values typed (blank secret = keep). With a new base URL no stored secret is used: every
 * stored secret must be typed again, or the answer is a 400 naming each one.
 */
export function mergeCredentials(connector: Connector, row: ConnectionRow, baseUrl: string | undefined, input: Credentials | undefined): Credentials {
  const typed = Object.fromEntries(Object.entries(input ?? {}).filter(([, v]) => !isBlank(v)));
  const settings = row.settings as Credentials;
  const stored = storedSecrets(row);
  if (baseUrl === undefined || sameUrl(baseUrl, row.baseUrl)) return { ...settings, ...stored, ...typed };
  const missing = connector.meta.credentialFields.filter((f) => f.secret && !isBlank(stored?.[f.key]) && isBlank(typed[f.key]));
  if (missing.length > 0) {
    throw new ApiError(
      "validation_failed",
      message("api.secretsForNewBaseUrl", { labels: missing.map((f) => f.label), labelsEn: missing.map((f) => f.labelEn) }),
      missing.map((f) => ({
        path: ["credentials", f.key],
        message: `接口地址已修改，请重新输入${f.label}`,
        messageEn: `The base URL changed: enter ${f.labelEn} again`,
      })),
    );
  }
  return { ...settings, ...typed };
}

/**
 * Refuses (400 on `baseUrl`, naming the rule) an address the outbound policy forbids, before
 * anything is sent. A name that does not resolve here is left to the connector, which checks the
 * address again when it connects.
 */
export async function checkBaseUrl(baseUrl: string, resolve: Resolve = systemResolve, path: (string | number)[] = ["baseUrl"]): Promise<void> {
  try {
    await checkTarget(targetOf(new URL(baseUrl)), outboundPolicy(), resolve);
  } catch (error) {
    if (!(error instanceof AddressRefusedError)) return;
    throw fieldError(path, message("api.worded", { zh: error.message, en: error.messageEn }));
  }
}

export async function findConnection(db: Db, id: string): Promise<ConnectionRow> {
  const row = await getConnection(db, id);
  if (!row) throw notFound("连接");
  return row;
}

/** Schemes whose definition refers to each connection id. */
export async function connectionUsage(db: Db): Promise<Map<string, { id: string; name: string }[]>> {
  const schemes = await listSchemeDefinitions(db);
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
  // One connection whose secrets no longer open (key removed, row altered, its base URL changed
  // behind the API since they were saved) must not fail the list.
  const opened = openStoredSecrets(row);
  const stored = "secrets" in opened ? opened.secrets : undefined;
  const secretKeys = connector?.meta.credentialFields.filter((f) => f.secret).map((f) => f.key) ?? [];
  return {
    id: row.id,
    platform: row.platform,
    name: row.name,
    // A row saved before session 25 may hold user:password@ in it: never shown (nor used: the connectors refuse it).
    baseUrl: withoutUserinfo(row.baseUrl),
    settings: row.settings as Record<string, unknown>,
    secrets: Object.fromEntries(secretKeys.map((k) => [k, !isBlank(stored?.[k])])),
    secretsUnreadable: stored === undefined,
    secretsAddressChanged: "unreadable" in opened && opened.unreadable.reason === "address_changed",
    usedBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function splitFor(connector: Connector, credentials: Credentials) {
  return splitCredentials(connector.meta, credentials);
}

/**
 * What an edit writes, worked out from the connection as locked (@qiao/db updateConnection's
 * `credentialsFrom`): the values typed laid over what is stored *now* and checked, then split. Only
 * the secrets typed are handed on (updateConnection keeps the stored ones for the rest), so a secret
 * someone else saved meanwhile is never written back over with the one this request's read held.
 */
export function editedCredentials(connector: Connector, locked: ConnectionRow, baseUrl: string | undefined, typed: Credentials | undefined) {
  const { settings, secrets } = splitFor(connector, checkCredentials(connector, mergeCredentials(connector, locked, baseUrl, typed)));
  const typedSecrets = Object.fromEntries(Object.entries(secrets).filter(([key]) => !isBlank(typed?.[key])));
  return { settings, secrets: typedSecrets };
}

/**
 * One authenticated call through the real client; a failure is a result, not an API error. What it
 * says is in the caller's language: the connector words its finding in both, and a connector's
 * failure is said as a run's is (its own zh-CN words, in English the platform, kind and code).
 */
export async function testCredentials(
  connector: Connector,
  baseUrl: string,
  credentials: Credentials,
  locale: Locale,
): Promise<z.infer<typeof connectionTestResultSchema>> {
  const started = Date.now();
  try {
    const said = await connector.testConnection({
      baseUrl,
      credentials,
      outbound: outboundPolicy(),
      timeoutMs: 10_000,
      maxRetries: 0,
      signal: AbortSignal.timeout(15_000),
    });
    return { ok: true, message: render(message("api.worded", { zh: said.message, en: said.messageEn }), locale), durationMs: Date.now() - started };
  } catch (error) {
    const durationMs = Date.now() - started;
    if (isConnectorError(error)) {
      // The test is one call, not retried, and its words stay the connector's own (no platform words appended).
      const failed = message("run.connectorFailed", {
        detail: error.message,
        platformWords: null,
        retried: false,
        platform: error.platform,
        kind: error.kind,
        platformCode: error.platformCode ?? null,
      });
      return { ok: false, message: render(failed, locale), kind: error.kind, durationMs };
    }
    const text = error instanceof Error ? error.message : String(error);
    return { ok: false, message: render(message("api.connectionTestFailed", { text }), locale), durationMs };
  }
}
