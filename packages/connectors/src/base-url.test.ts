// A user name or password in a connection's base URL (rows saved before session 25 may hold one) is
// never sent: node's client would send it as Basic auth to the ERP, and a viewer would read it. The
// clients refuse such an address before any request (BaseUrlUserinfoError, asking for the address
// again), and the API shows it without the user info (withoutUserinfo). Session 31's audit.
// Nothing leaves loopback: the "ERP" is a listener on 127.0.0.1 that counts what reaches it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BaseUrlUserinfoError, hasUserinfo, withoutUserinfo } from "./base-url";
import { guanyi } from "./guanyi";
import { kingdee } from "./kingdee";
import { simulatorPolicy as outbound } from "./testing";

let heard = 0;
const server = createServer((req, res) => {
  heard += 1;
  req.resume();
  res.writeHead(401).end();
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("user info in a base URL", () => {
  it("is found as URL parsing reads the address, and taken out keeping the rest", () => {
    expect(hasUserinfo("http://admin:hunter2@127.0.0.1:9/k3cloud/")).toBe(true);
    expect(hasUserinfo("http://admin@erp.example.com/k3cloud/")).toBe(true);
    expect(hasUserinfo("http://:pw@erp.example.com/")).toBe(true);
    expect(hasUserinfo("http://erp.example.com/k3cloud/?at=a@b")).toBe(false);
    // A backslash ends an http host: "@evil" is in the path, the host stays erp.example.com.
    expect(hasUserinfo("http://erp.example.com\\@evil/")).toBe(false);
    expect(withoutUserinfo("http://admin:hunter2@127.0.0.1:9/k3cloud/")).toBe("http://127.0.0.1:9/k3cloud/");
    expect(withoutUserinfo("https://a:p@ss@erp.example.com/rest/erp_open")).toBe("https://erp.example.com/rest/erp_open");
    // Without any: as it is, not normalised.
    expect(withoutUserinfo("HTTP://ERP.example.com:80/k3cloud")).toBe("HTTP://ERP.example.com:80/k3cloud");
  });

  it("makes the 金蝶 and 管易云 clients refuse the address before sending anything, asking for it again", async () => {
    const baseUrl = (path: string) => `http://administrator:pw-in-url@127.0.0.1:${port}${path}`;
    const calls: (() => Promise<unknown>)[] = [
      () => kingdee.testConnection({ baseUrl: baseUrl("/k3cloud/"), credentials: { acctId: "dc", username: "u", password: "p" }, outbound, maxRetries: 0 }),
      () => kingdee.createTarget!({ baseUrl: baseUrl("/k3cloud/"), credentials: { acctId: "dc", username: "u", password: "p" }, outbound }).findExisting("BD_Customer", ["C1"]),
      () => guanyi.testConnection({ baseUrl: baseUrl("/rest/erp_open"), credentials: { appkey: "a", sessionkey: "s", secret: "k" }, outbound, maxRetries: 0 }),
    ];
    for (const call of calls) {
      const error = await Promise.resolve()
        .then(call)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(BaseUrlUserinfoError);
      expect((error as Error).message).toContain("重新填写");
      expect((error as Error).message).not.toContain("pw-in-url");
    }
    expect(heard).toBe(0);
  });
});
