// The tests' own network guard (spyOnConnect) stops every way a socket is connected. Before session
// 25 it only saw the options object tls.connect passes: plain http (net.createConnection's
// normalised argument array) went by unchecked. Proved on loopback only: the guard is told that
// 127.0.0.2 is "foreign", and a server listening there must see no connection.
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spyOnConnect } from "./testing";

let server: net.Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.2", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The error a request ends with (or null if it got an answer). */
function outcome(request: http.ClientRequest): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    request.on("error", (error: NodeJS.ErrnoException) => resolve(error));
    request.on("response", (res) => {
      res.resume();
      resolve(null);
    });
    request.end();
  });
}

describe("spyOnConnect", () => {
  const onlyFirstLoopback = { permitted: (address: string) => address === "127.0.0.1" };

  it.each([
    ["plain http to an address", () => http.request({ host: "127.0.0.2", port, method: "POST", agent: false })],
    ["plain http through a keep-alive agent", () => http.request({ host: "127.0.0.2", port, method: "POST", agent: new http.Agent({ keepAlive: true }) })],
    [
      "plain http to a name its lookup answers",
      () =>
        http.request({
          host: "erp.example.test",
          port,
          method: "POST",
          agent: false,
          lookup: ((_h: string, _o: unknown, cb: (e: null, a: string, f: number) => void) => cb(null, "127.0.0.2", 4)) as unknown as net.LookupFunction,
        }),
    ],
    ["https to an address", () => https.request({ host: "127.0.0.2", port, method: "POST", agent: false })],
  ])("blocks %s, records it, and nothing reaches the server", async (_what, request) => {
    const guard = spyOnConnect(onlyFirstLoopback);
    try {
      const before = connections;
      const error = await outcome(request());
      expect(error?.code).toBe("ETESTBLOCKED");
      expect(guard.attempted).toEqual(["127.0.0.2"]);
      await new Promise((r) => setTimeout(r, 50));
      expect(connections).toBe(before);
    } finally {
      guard.restore();
    }
  });

  it("lets loopback through", async () => {
    const guard = spyOnConnect();
    try {
      const before = connections;
      const error = await outcome(http.request({ host: "127.0.0.2", port, method: "POST", agent: false }));
      // The server hangs up at once: a reset, not the guard.
      expect(error?.code).not.toBe("ETESTBLOCKED");
      expect(guard.attempted).toEqual([]);
      await new Promise((r) => setTimeout(r, 50));
      expect(connections).toBe(before + 1);
    } finally {
      guard.restore();
    }
  });
});
