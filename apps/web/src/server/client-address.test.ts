import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { clientAddress, PEER_ADDRESS_HEADER, recordPeerAddresses } from "./client-address";

describe("clientAddress", () => {
  const headers = (h: Record<string, string>) => new Headers(h);

  test("without trusted proxies it is the socket's address, whatever X-Forwarded-For says", () => {
    expect(clientAddress(headers({ [PEER_ADDRESS_HEADER]: "10.1.1.1", "x-forwarded-for": "6.6.6.6" }), 0)).toBe("10.1.1.1");
  });

  test("with N trusted proxies it is the Nth address from the right of X-Forwarded-For", () => {
    const h = headers({ [PEER_ADDRESS_HEADER]: "10.0.0.2", "x-forwarded-for": "6.6.6.6, 203.0.113.7, 10.0.0.1" });
    expect(clientAddress(h, 1)).toBe("10.0.0.1");
    expect(clientAddress(h, 2)).toBe("203.0.113.7");
    expect(clientAddress(h, 3)).toBe("6.6.6.6");
    // Fewer entries than proxies: the furthest one there is.
    expect(clientAddress(h, 5)).toBe("6.6.6.6");
  });

  test("with trusted proxies but no X-Forwarded-For it is the socket's address", () => {
    expect(clientAddress(headers({ [PEER_ADDRESS_HEADER]: "10.0.0.2" }), 1)).toBe("10.0.0.2");
  });
});

describe("recordPeerAddresses", () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    recordPeerAddresses();
    server = createServer((req, res) => res.end(String(req.headers[PEER_ADDRESS_HEADER])));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function peerSeen(localAddress: string, sent: Record<string, string>): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, localAddress, headers: sent }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve(body));
      });
      req.on("error", reject);
      req.end();
    });
  }

  test("stamps each request with its socket's address, replacing one the client sent", async () => {
    expect(await peerSeen("127.0.0.1", {})).toBe("127.0.0.1");
    expect(await peerSeen("127.0.0.2", { [PEER_ADDRESS_HEADER]: "6.6.6.6" })).toBe("127.0.0.2");
  });
});
