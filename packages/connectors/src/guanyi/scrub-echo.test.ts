// What the 管易云 client scrubs from the texts it produces when a server or proxy echoes what it was
// sent (audits; each failing before its fix):
// - session 32: credential values as they were SENT, not only as they were saved. The client sends
//   the trimmed credentials (credentialsSchema trims them) but scrubbed the raw saved values, so a
//   value saved with surrounding spaces was not scrubbed when the platform quoted it;
// - session 36: the sign of a request (an md5 over the secret and the params, as good as a one-off
//   credential), which was not scrubbed at all.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejection, simulatorPolicy as outbound } from "../testing";
import type { ConnectionConfig, ReadRequest } from "../types";
import { guanyi } from "./index";

const SENT = { appkey: "ak-5521907", sessionkey: "9c1e0d7a2b6f4e11a0c3d5b7e9f1a2c4", secret: "s3cr3t-77aa91bb" };
/** The requests the stub received, parsed and raw. */
let seen: { body: Record<string, unknown>; raw: string }[] = [];
/** The stub's errorDesc for a request: what it echoes back. */
let describeError: (body: Record<string, unknown>, raw: string) => string = () => "";
const stub = createServer((req, res) => {
  let raw = "";
  req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
  req.on("end", () => {
    const body = JSON.parse(raw) as Record<string, unknown>;
    seen.push({ body, raw });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ success: false, errorCode: "40001", subErrorCode: "", errorDesc: describeError(body, raw), subErrorDesc: "" }));
  });
});
let baseUrl = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/rest/erp_open`;
});
afterAll(() => new Promise<void>((resolve) => stub.close(() => resolve())));

const request: ReadRequest = { api: "gy.erp.shop.get", params: {}, pageSize: 10, startPage: 1 };

/** The texts of the error a read with these credentials ends in (one request), and that request's sign. */
async function readError(credentials: Record<string, string>): Promise<{ texts: string; sign: string }> {
  seen = [];
  const config: ConnectionConfig = { baseUrl, credentials, outbound, qps: 1000, maxRetries: 0 };
  const error = await rejection((async () => {
    for await (const _ of guanyi.createSource!(config).readPages(request)) void _;
  })());
  expect(seen).toHaveLength(1);
  return { texts: `${error.message} ${error.platformMessage ?? ""} ${error.platformCode ?? ""}`, sign: String(seen[0]!.body.sign) };
}

describe("guanyi scrubbing of what a server echoes (audits)", () => {
  it("scrubs a credential quoted by the platform as it was sent, when the saved value has surrounding spaces", async () => {
    describeError = () => `店铺已停用：appkey=${SENT.appkey}，sessionkey=${SENT.sessionkey}`;
    // Saved with spaces around each value; the client sends them trimmed.
    const { texts } = await readError({ appkey: ` ${SENT.appkey} `, sessionkey: `${SENT.sessionkey}\n`, secret: ` ${SENT.secret}` });
    // What went on the wire is the trimmed value…
    expect(seen[0]!.body).toMatchObject({ appkey: SENT.appkey, sessionkey: SENT.sessionkey });
    // …and that value must not come back in the error a person (and the run log) sees.
    expect(texts).not.toContain(SENT.sessionkey);
    expect(texts).not.toContain(SENT.appkey);
  });

  it("scrubs the sign a refusal quotes", async () => {
    describeError = (body) => `店铺不存在（sign=${String(body.sign)}）`;
    const { texts, sign } = await readError(SENT);
    expect(sign).toMatch(/^[0-9A-F]{32}$/);
    expect(texts).toContain("店铺不存在");
    expect(texts).not.toContain(sign);
  });

  it("scrubs the sign of a request echoed whole, and in lower case", async () => {
    describeError = (body, raw) => `bad request ${raw} (${String(body.sign).toLowerCase()})`;
    const { texts, sign } = await readError(SENT);
    expect(texts.toUpperCase()).not.toContain(sign);
    expect(texts).not.toContain(SENT.secret);
    expect(texts).not.toContain(SENT.sessionkey);
  });
});
