// The 金蝶 client against answers that are not Kingdee's protocol, platform texts that quote the
// credentials, answers over the size limit and addresses the policy refuses.
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ConnectorError } from "../errors";
import { rejection, simulatorPolicy as outbound } from "../testing";
import type { ConnectionConfig, WriteRequest } from "../types";
import { kingdee } from "./index";

const credentials = { acctId: "dc-7d01e2", username: "zhang.wei.finance", password: "Pw-9f3e-unique" };
const DISTINCTIVE = "NGINX-GATEWAY-Q7731";
const htmlPage = `<html><head><title>${DISTINCTIVE}</title></head><body>502 Bad Gateway</body></html>`;

type Answer = (res: ServerResponse) => void;
const json = (body: unknown): Answer => (res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
const login = json({ LoginResultType: 1, KDSVCSessionId: "kd-1", Context: { SessionId: "asp-1" } });
let answers: Record<string, Answer> = {};
let calls = 0;
const server = createServer((req, res) => {
  calls++;
  req.resume();
  req.on("end", () => {
    const service = /\.([A-Za-z]+)\.common\.kdsvc$/.exec(req.url ?? "")?.[1] ?? "";
    (answers[service] ?? json(null))(res);
  });
});
let baseUrl = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/k3cloud/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  answers = { ValidateUser: login };
  calls = 0;
});

const config = (extra: Partial<ConnectionConfig> = {}): ConnectionConfig => ({ baseUrl, credentials, outbound, qps: 1000, maxRetries: 0, ...extra });
const save: WriteRequest = { api: "batchSave", formId: "BD_Customer", records: [{ FNumber: "C1", FName: "甲" }], options: {}, mode: "create" };

/** Everything of an error that could reach a person or a log (pino serialises the cause chain). */
const everything = (error: ConnectorError) => JSON.stringify({ error, message: error.message, cause: String(error.cause), causeOfCause: String((error.cause as Error | undefined)?.cause) });

describe("answers that are not Kingdee's protocol", () => {
  it.each([
    ["an HTML page with status 200", 200],
    ["an HTML 502 page", 502],
    ["an HTML 403 page", 403],
  ])("describes %s by status, type and size only", async (_name, status) => {
    answers.ValidateUser = (res) => res.writeHead(status, { "content-type": "text/html; charset=utf-8" }).end(htmlPage);
    const error = await rejection(kingdee.testConnection(config()));
    expect(error.message).toContain(`HTTP ${status}，text/html，${Buffer.byteLength(htmlPage)} 字节`);
    expect(everything(error)).not.toContain(DISTINCTIVE);
  });

  it("describes JSON of another shape by status, type and size only", async () => {
    const body = JSON.stringify({ welcome: DISTINCTIVE });
    answers.ValidateUser = (res) => res.writeHead(200, { "content-type": "application/json" }).end(body);
    const error = await rejection(kingdee.testConnection(config()));
    expect(error).toMatchObject({ kind: "protocol" });
    expect(error.message).toContain(`HTTP 200，application/json，${Buffer.byteLength(body)} 字节`);
    expect(everything(error)).not.toContain(DISTINCTIVE);
  });
});

describe("platform texts", () => {
  it("scrub every credential value out of login failures and per-record errors", async () => {
    answers.ValidateUser = json({ LoginResultType: 0, Message: `用户 ${credentials.username} 在 ${credentials.acctId} 的密码 ${credentials.password} 错误` });
    const loginError = await rejection(kingdee.testConnection(config()));
    answers.ValidateUser = login;
    answers.BatchSave = json({
      Result: { ResponseStatus: { IsSuccess: false, MsgCode: 11, Errors: [{ FieldName: "FName", Message: `${credentials.username} 无权保存（${credentials.password}）`, DIndex: 0 }] } },
    });
    const [outcome] = await kingdee.createTarget!(config()).write(save);
    const texts = everything(loginError) + JSON.stringify(outcome);
    expect(texts).toContain("***");
    for (const value of Object.values(credentials)) expect(texts).not.toContain(value);
  });
});

describe("limits and refusals", () => {
  it("turns a BatchSave answer over the size limit into an unknown outcome: not resent, not looked up at once", async () => {
    answers.BatchSave = (res) => res.writeHead(200, { "content-type": "application/json" }).end(`{"Result":"${"x".repeat(8192)}"}`);
    answers.ExecuteBillQuery = json([]);
    const outcomes = await kingdee.createTarget!(config({ outbound: { ...outbound, maxResponseBytes: 4096 }, maxRetries: 3 })).write(save);
    expect(outcomes).toEqual([{ ok: false, unknown: true, index: 0, message: expect.stringContaining("超过 4096 字节的上限"), response: null }]);
    // ValidateUser and one BatchSave: retries left, yet nothing resent and nothing looked up here (the engine does, later).
    expect(calls).toBe(2);
  });

  it("refuses an address the policy forbids before sending anything", async () => {
    const error = await rejection(kingdee.testConnection(config({ outbound: { ...outbound, allowPrivateTargets: false } })));
    expect(error).toMatchObject({ kind: "request" });
    expect(error.message).toContain("地址 127.0.0.1 属于本机回环地址");
    expect(calls).toBe(0);
  });
});
