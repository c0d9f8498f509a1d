// 管易云 (Guanyi C-ERP): metadata, signer and source client, as the registry sees them. Only a
// source: no createTarget, so neither writes nor TargetClient.queryValues (erp_lookup reads the
// target's ERP, never 管易云).
import type { Connector } from "../types";
import { createGuanyiSource, testGuanyiConnection } from "./source";
import { credentialsSchema, meta } from "./meta";
import { sign } from "./sign";

export { createGuanyiSource, testGuanyiConnection };
export type { GuanyiCredentials } from "./meta";

export const guanyi: Connector & { sign(fields: Record<string, unknown>, secret: string): string } = {
  meta,
  credentials: credentialsSchema,
  sign,
  testConnection: testGuanyiConnection,
  createSource: createGuanyiSource,
};
