// The response size cap of the one HTTP POST both connectors use, against a local server.
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpPost, ResponseTooLargeError } from "./http";
import { simulatorPolicy } from "./testing";

let answer: (res: ServerResponse) => void = (res) => res.end();
const server = createServer((_req, res) => answer(res));
let url: URL;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const limit = 1024;
const post = () => httpPost(url, "{}", {}, { timeoutMs: 5000, policy: { ...simulatorPolicy, maxResponseBytes: limit } });

describe("httpPost's size cap", () => {
  it("reads an answer of exactly the limit, with its type and size", async () => {
    answer = (res) => res.writeHead(200, { "content-type": "application/json" }).end("x".repeat(limit));
    await expect(post()).resolves.toMatchObject({ status: 200, bytes: limit, contentType: "application/json" });
  });

  it("refuses an announced Content-Length over the limit without reading the body", async () => {
    answer = (res) => res.writeHead(200, { "content-length": String(limit * 4) }).end("y".repeat(limit * 4));
    const error = await post().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({ limitBytes: limit });
  });

  it("stops a chunked answer once it passes the limit", async () => {
    answer = (res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const timer = setInterval(() => res.write("z".repeat(300)), 5);
      res.on("close", () => clearInterval(timer));
    };
    await expect(post()).rejects.toBeInstanceOf(ResponseTooLargeError);
  });
});
