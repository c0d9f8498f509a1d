// 金蝶云星空 (Kingdee K/3 Cloud) WebAPI connector: the 客户新增 target (BatchSave on BD_Customer).
// Protocol: ../../../../../shared/protocols/kingdee.md.
import type { Connector } from "../types";
import { KingdeeClient } from "./client";
import { kingdeeCredentialsSchema, kingdeeMeta } from "./meta";
import { createKingdeeTarget } from "./target";

export const kingdee: Connector = {
  meta: kingdeeMeta,
  credentials: kingdeeCredentialsSchema,

  async testConnection(config) {
    const client = new KingdeeClient(config);
    const login = await client.login();
    await client.logout(config.signal).catch(() => undefined);
    const acctId = client.credentials.acctId;
    const name = login.Context?.DataCenterName;
    return { message: `登录成功（数据中心 ${name && name !== acctId ? `${name}，${acctId}` : acctId}）` };
  },

  createTarget: createKingdeeTarget,
};
