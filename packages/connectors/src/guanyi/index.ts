// 管易云 (Guanyi C-ERP): metadata, signer and source client, as the registry sees them.
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
