// 金蝶云星空 (Kingdee K/3 Cloud) WebAPI connector: the targets 客户新增 (BD_Customer), 物料新增
// (BD_MATERIAL) and 销售出库单新增 (SAL_OUTSTOCK, a bill with rows that can be audited separately),
// all BatchSave. Protocol: ../../../../../shared/protocols/kingdee.md and kingdee-documents.md.
import type { Connector } from "../types";
import { kingdeeCredentialsSchema, kingdeeMeta } from "./meta";
import { createKingdeeTarget } from "./target";
import { testKingdeeConnection } from "./test-connection";

export const kingdee: Connector = {
  meta: kingdeeMeta,
  credentials: kingdeeCredentialsSchema,
  testConnection: testKingdeeConnection,
  createTarget: createKingdeeTarget,
};
