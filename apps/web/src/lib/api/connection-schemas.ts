// Connectors and connections at the REST boundary (re-exported by ./schemas.ts): the connectors'
// metadata as @qiao/core declares it, and the connections (an address and credentials) made with
// them. Secrets go in, never out: the answer says only whether each is stored.
import { connectorMetaSchema, refuseHiddenCharacters } from "@qiao/core";
import { z } from "zod";
import { isoTime, uuid } from "./shared-schemas";

export const connectorListSchema = z.object({ connectors: z.array(connectorMetaSchema) });

const connectionName = z.string().trim().min(1, "请填写名称").max(100, "名称最多 100 个字符").superRefine(refuseHiddenCharacters);
const baseUrl = z
  .string()
  .trim()
  .url("请填写完整的接口地址，例如 https://erp.example.com/k3cloud/")
  .refine((u) => /^https?:\/\//i.test(u), {
    message: "接口地址应以 http:// 或 https:// 开头",
    params: { messageEn: "The base URL must start with http:// or https://" },
  })
  // A base URL is kept in plain text and shown to every viewer; a user name or password in it
  // (http://user:pw@host/) would be too, and sent as Basic auth. Credentials go in their own fields.
  .refine((u) => !URL.canParse(u) || (new URL(u).username === "" && new URL(u).password === ""), {
    message: "接口地址里不能包含用户名或密码（user:password@）：请把它们填在连接的认证字段里",
    params: { messageEn: "The base URL cannot contain a user name or password (user:password@): put them in the connection's credential fields" },
  });
const credentials = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

export const connectionSchema = z.object({
  id: uuid,
  platform: z.string(),
  name: z.string(),
  baseUrl: z.string(),
  /** Non-secret credential fields. */
  settings: z.record(z.string(), z.unknown()),
  /** Secret credential fields: whether a value is stored. The value itself never leaves the server. */
  secrets: z.record(z.string(), z.boolean()),
  /** The stored secrets cannot be decrypted (key removed, row altered): they must be typed again. */
  secretsUnreadable: z.boolean(),
  /** Why (with secretsUnreadable): they were saved for another base URL than the one stored now, changed outside this API. */
  secretsAddressChanged: z.boolean(),
  /** Schemes whose definition uses this connection. */
  usedBy: z.array(z.object({ id: uuid, name: z.string() })),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type ConnectionDto = z.infer<typeof connectionSchema>;

export const connectionListSchema = z.object({ connections: z.array(connectionSchema) });

export const createConnectionBody = z.object({
  platform: z.string().min(1).max(64),
  name: connectionName,
  baseUrl,
  credentials,
});

/**
 * Secret fields left blank keep their stored value, unless baseUrl changes: then every stored secret
 * must be typed again. Fields left out keep their value as stored when the edit is written.
 */
export const updateConnectionBody = z.object({
  name: connectionName.optional(),
  baseUrl: baseUrl.optional(),
  credentials: credentials.optional(),
  /**
   * The connection's `updatedAt` as the editor read it (the form sends it): if someone changed the
   * connection since, the edit is refused (409) instead of writing back values they replaced. Left
   * out (API clients), the fields sent are laid over the connection as it is when written.
   */
  updatedAt: isoTime.optional(),
});

/** Test a saved connection; values given here are laid over the stored ones (blank secret = stored, unless baseUrl changes). */
export const testConnectionBody = z.object({
  baseUrl: baseUrl.optional(),
  credentials: credentials.optional(),
});

/** Test credentials that are not saved yet. */
export const testNewConnectionBody = createConnectionBody.omit({ name: true });

export const connectionTestResultSchema = z.object({
  ok: z.boolean(),
  message: z.string(),
  /** ConnectorError kind when the test failed (auth, network, timeout …). */
  kind: z.string().optional(),
  durationMs: z.number().int(),
});
