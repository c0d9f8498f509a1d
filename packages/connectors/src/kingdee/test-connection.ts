// 金蝶's 测试连接: the connection page's check of saved credentials.
import type { ConnectionConfig } from "../types";
import { KingdeeClient } from "./client";

/** Logs in and out again: the credentials work, and the data center is named. */
export async function testKingdeeConnection(config: ConnectionConfig): Promise<{ message: string; messageEn: string }> {
  const client = new KingdeeClient(config);
  const login = await client.login();
  await client.logout(config.signal).catch(() => undefined);
  const acctId = client.credentials.acctId;
  // The server's words go to the browser: scrubbed as its error texts are (session 35's audit: a
  // server or proxy quoting what it was sent would show an admin the stored password).
  const raw = login.Context?.DataCenterName;
  const name = raw && raw !== acctId ? client.scrubbed(raw) : undefined;
  const named = name !== undefined;
  return {
    // The page puts "连接成功：" / "Connected: " before it (connections.testOk).
    message: `已登录数据中心 ${named ? `${name}（${acctId}）` : acctId}`,
    messageEn: `logged in to data center ${named ? `"${name}" (${acctId})` : acctId}`,
  };
}
