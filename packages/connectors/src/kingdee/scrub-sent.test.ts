// Session 32 (audit of the connectors; failing before its fix): credential values in 金蝶's texts and in the client's own log lines.
// 1. The client logs in with the trimmed credentials (kingdeeCredentialsSchema trims them) but scrubs
//    the raw saved values (credentialValues reads config.credentials): a value saved with surrounding
//    spaces is sent trimmed and, quoted back by 金蝶, is not scrubbed.
// 2. Every login writes the data center id (acctId, a credential value the client scrubs out of every
//    error text) into an info log line, where the worker's pino redaction (LOG_REDACTION) does not
//    cover it.
// Session 35 (audit of the secrets promise; failing before its fix):
// 3. The connection test's success message put the server's DataCenterName in as it came: a server or
//    proxy quoting what it was sent showed an admin (who may never read it) the stored password.
// 4. The session's ids (KDSVCSessionId, the session cookies: bearer credentials) were not scrubbed out
//    of the texts that become errors.
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rejection, simulatorPolicy as outbound } from "../testing";
import type { ConnectionConfig, ConnectorLogger } from "../types";
import { kingdee } from "./index";

const SENT = { acctId: "dc-5f0e91c2", username: "li.na.acct", password: "Pw-41c8-unique" };
type Answer = (res: ServerResponse, body: Record<string, unknown>) => void;
const json = (body: unknown): Answer => (res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
let login: Answer = json(null);
let other: Answer = json({ Result: { ResponseStatus: { IsSuccess: true, Errors: [], SuccessEntitys: [], MsgCode: 0 } } });
const server = createServer((req, res) => {
  let raw = "";
  req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
  req.on("end", () => {
    const service = /\.([A-Za-z]+)\.common\.kdsvc$/.exec(req.url ?? "")?.[1] ?? "";
    if (service === "ValidateUser") login(res, JSON.parse(raw) as Record<string, unknown>);
    else other(res, {});
  });
});
let baseUrl = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/k3cloud/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
let logged: unknown[] = [];
const logger: ConnectorLogger = {
  debug: (msg, data) => void logged.push([msg, data]),
  info: (msg, data) => void logged.push([msg, data]),
  warn: (msg, data) => void logged.push([msg, data]),
};
beforeEach(() => {
  logged = [];
});
const config = (credentials: Record<string, unknown>): ConnectionConfig => ({ baseUrl, credentials, outbound, qps: 1000, maxRetries: 0, logger });

describe("kingdee credentials in texts and logs (audit)", () => {
  it("scrubs the password as it was sent out of a login failure, when the saved value has surrounding spaces", async () => {
    let sentPassword: unknown;
    login = (res, body) => {
      sentPassword = body.password;
      json({ LoginResultType: 0, Message: `用户 ${String(body.username)} 的密码“${String(body.password)}”错误` })(res, body);
    };
    const error = await rejection(kingdee.testConnection(config({ ...SENT, password: ` ${SENT.password} ` })));
    expect(sentPassword).toBe(SENT.password);
    expect(`${error.message} ${error.platformMessage ?? ""}`).not.toContain(SENT.password);
  });

  it("writes no credential value (acctId included) into its log lines", async () => {
    login = json({ LoginResultType: 1, KDSVCSessionId: "kd-1", Context: { SessionId: "asp-1" } });
    await kingdee.testConnection(config(SENT));
    expect(logged.length).toBeGreaterThan(0);
    const text = JSON.stringify(logged);
    for (const value of Object.values(SENT)) expect(text).not.toContain(value);
  });

  it("scrubs a credential value the server echoed in the data center's name out of the test's success message", async () => {
    login = (res, body) => json({ LoginResultType: 1, KDSVCSessionId: "kd-1", Context: { SessionId: "asp-1", DataCenterName: `dc (login ${String(body.acctID)}/${String(body.password)})` } })(res, body);
    const said = await kingdee.testConnection(config(SENT));
    expect(said.message).toMatch(/^已登录数据中心 dc \(login \*\*\*\/\*\*\*\)（dc-5f0e91c2）$/);
    expect(`${said.message} ${said.messageEn}`).not.toContain(SENT.password);
  });

  it("scrubs the session's ids out of a 金蝶 text that becomes an error", async () => {
    const ids = { kd: "kd-session-7a1b2c3d4e5f", asp: "asp-session-0f9e8d7c6b5a" };
    login = json({ LoginResultType: 1, KDSVCSessionId: ids.kd, Context: { SessionId: ids.asp } });
    other = json({ Result: { ResponseStatus: { IsSuccess: false, MsgCode: 0, Errors: [{ FieldName: "FName", Message: `会话 ${ids.kd} / ${ids.asp} 无权保存`, DIndex: 0 }], SuccessEntitys: [] } } });
    try {
      const outcomes = await kingdee.createTarget!(config(SENT)).write({
        api: "batchSave",
        formId: "BD_Customer",
        records: [{ FNumber: "A", FName: "店铺A", FCreateOrgId: "100", FUseOrgId: "100" }],
        options: { IsAutoSubmitAndAudit: true, IsVerifyBaseDataField: false },
        mode: "create",
      });
      const text = JSON.stringify(outcomes);
      expect(text).toContain("无权保存");
      expect(text).not.toContain(ids.kd);
      expect(text).not.toContain(ids.asp);
    } finally {
      other = json({ Result: { ResponseStatus: { IsSuccess: true, Errors: [], SuccessEntitys: [], MsgCode: 0 } } });
    }
  });
});
