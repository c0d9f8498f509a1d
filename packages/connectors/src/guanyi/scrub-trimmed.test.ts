// Session 32 (audit of the connectors; failing before its fix): credential values are scrubbed from 管易云's error texts as they were SENT, not only as
// they were saved. The client sends the trimmed credentials (credentialsSchema trims them) but
// scrubs the raw saved values (credentialValues reads config.credentials), so a value saved with
// surrounding spaces (a row saved before the API trimmed, a pasted value) is not scrubbed when the
// platform quotes it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejection, simulatorPolicy as outbound } from "../testing";
import type { ConnectionConfig, ReadRequest } from "../types";
import { guanyi } from "./index";

const SENT = { appkey: "ak-5521907", sessionkey: "9c1e0d7a2b6f4e11a0c3d5b7e9f1a2c4", secret: "s3cr3t-77aa91bb" };
let seen: Record<string, unknown>[] = [];
let errorDesc = "";
const stub = createServer((req, res) => {
  let raw = "";
  req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
  req.on("end", () => {
    seen.push(JSON.parse(raw) as Record<string, unknown>);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ success: false, errorCode: "40001", subErrorCode: "", errorDesc, subErrorDesc: "" }));
  });
});
let baseUrl = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/rest/erp_open`;
});
afterAll(() => new Promise<void>((resolve) => stub.close(() => resolve())));

const request: ReadRequest = { api: "gy.erp.shop.get", params: {}, pageSize: 10, startPage: 1 };

describe("guanyi scrubbing (audit)", () => {
  it("scrubs a credential quoted by the platform as it was sent, when the saved value has surrounding spaces", async () => {
    seen = [];
    // Saved with spaces around each value; the client sends them trimmed.
    const credentials = { appkey: ` ${SENT.appkey} `, sessionkey: `${SENT.sessionkey}\n`, secret: ` ${SENT.secret}` };
    errorDesc = `店铺已停用：appkey=${SENT.appkey}，sessionkey=${SENT.sessionkey}`;
    const config: ConnectionConfig = { baseUrl, credentials, outbound, qps: 1000, maxRetries: 0 };
    const source = guanyi.createSource!(config);
    const error = await rejection((async () => {
      for await (const _ of source.readPages(request)) void _;
    })());
    // What went on the wire is the trimmed value…
    expect(seen[0]).toMatchObject({ appkey: SENT.appkey, sessionkey: SENT.sessionkey });
    // …and that value must not come back in the error a person (and the run log) sees.
    const texts = `${error.message} ${error.platformMessage ?? ""} ${error.platformCode ?? ""}`;
    expect(texts).not.toContain(SENT.sessionkey);
    expect(texts).not.toContain(SENT.appkey);
  });
});
