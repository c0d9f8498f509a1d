// 金蝶云星空 (Kingdee K/3 Cloud) WebAPI connector: the 客户新增 target (BatchSave on BD_Customer).
// Protocol: ../../../../../shared/protocols/kingdee.md.
import type { Connector } from "../types";
import { testKingdeeConnection } from "./client";
import { kingdeeCredentialsSchema, kingdeeMeta } from "./meta";
import { createKingdeeTarget } from "./target";

export const kingdee: Connector = {
  meta: kingdeeMeta,
  credentials: kingdeeCredentialsSchema,
  testConnection: testKingdeeConnection,
  createTarget: createKingdeeTarget,
};
