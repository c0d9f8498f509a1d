import type { ConnectorMeta } from "@qiao/core";

/** Splits a credentials object by the connector's metadata: secret fields are sealed at rest. */
export function splitCredentials(
  meta: ConnectorMeta,
  credentials: Record<string, unknown>,
): { settings: Record<string, unknown>; secrets: Record<string, unknown> } {
  const secretKeys = new Set(meta.credentialFields.filter((f) => f.secret).map((f) => f.key));
  const settings: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(credentials)) (secretKeys.has(key) ? secrets : settings)[key] = value;
  return { settings, secrets };
}
