// The outbound address policy: which addresses a connection may reach, checked on the address the
// socket connects to. DNS answers are fake and every socket's connect step is spied on: nothing
// here leaves the machine, even if the policy were broken.
import type { LookupAddress } from "node:dns";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { httpPost } from "./http";
import { AddressRefusedError, checkTarget, refusalOf, type OutboundPolicy, type Resolve } from "./outbound";
import { simulatorPolicy, spyOnConnect } from "./testing";

const strict: OutboundPolicy = { ...simulatorPolicy, allowPrivateTargets: false };
const at = (host: string, port = 80) => ({ host, port });

describe("refusalOf", () => {
  it.each([
    ["169.254.169.254", "metadata"],
    ["100.100.100.200", "metadata"],
    ["fd00:ec2::254", "metadata"],
    ["169.254.0.1", "link_local"],
    ["fe80::1", "link_local"],
    ["::ffff:169.254.10.10", "link_local"],
    ["::ffff:a9fe:a9fe", "metadata"],
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["0.0.0.0", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["::ffff:10.0.0.1", "private"],
  ])("refuses %s as %s under the production default", (address, rule) => {
    expect(refusalOf(address, at("erp.example.com"), strict)).toBe(rule);
  });

  it.each(["8.8.8.8", "172.32.0.1", "192.169.0.1", "2001:db8::1", "::ffff:8.8.8.8"])("allows the public address %s", (address) => {
    expect(refusalOf(address, at("erp.example.com"), strict)).toBeUndefined();
  });

  it("allows loopback and private ranges when QIAO_ALLOW_PRIVATE_TARGETS is on, never link-local or metadata", () => {
    for (const a of ["127.0.0.1", "::1", "10.0.0.1", "192.168.0.10", "fc00::2"]) expect(refusalOf(a, at("erp"), simulatorPolicy)).toBeUndefined();
    expect(refusalOf("169.254.169.254", at("erp"), simulatorPolicy)).toBe("metadata");
    expect(refusalOf("fe80::1", at("erp"), simulatorPolicy)).toBe("link_local");
  });

  it("allows private addresses for the hosts in QIAO_ALLOWED_HOSTS, with and without port", () => {
    const policy = { ...strict, allowedHosts: ["erp.corp.local", "k3.corp.local:8080", "[fd00::5]:443"] };
    expect(refusalOf("10.0.0.5", at("erp.corp.local", 80), policy)).toBeUndefined();
    expect(refusalOf("10.0.0.5", at("erp.corp.local", 8443), policy)).toBeUndefined();
    expect(refusalOf("10.0.0.6", at("k3.corp.local", 8080), policy)).toBeUndefined();
    expect(refusalOf("10.0.0.6", at("k3.corp.local", 80), policy)).toBe("private");
    expect(refusalOf("fd00::5", at("fd00::5", 443), policy)).toBeUndefined();
    expect(refusalOf("10.0.0.7", at("other.corp.local"), policy)).toBe("private");
    expect(refusalOf("169.254.169.254", at("erp.corp.local"), policy)).toBe("metadata");
  });

  // NAT64 (RFC 6052): on an IPv6-only host behind DNS64/NAT64 the gateway translates
  // 64:ff9b::a.b.c.d to the IPv4 address a.b.c.d, so it is judged as that address.
  it.each([
    ["64:ff9b::a00:5", "private"], // 10.0.0.5
    ["64:ff9b::10.0.0.5", "private"],
    ["64:ff9b::c0a8:101", "private"], // 192.168.1.1
    ["64:ff9b::7f00:1", "loopback"], // 127.0.0.1
    ["64:ff9b::", "loopback"], // 0.0.0.0
    ["64:ff9b::a9fe:a9fe", "metadata"], // 169.254.169.254
    ["64:ff9b::6464:64c8", "metadata"], // 100.100.100.200
    ["64:ff9b::a9fe:1", "link_local"], // 169.254.0.1
    ["64:ff9b:1::a00:5", "private"], // RFC 8215 local-use NAT64: private as a whole
    ["64:ff9b:1:ffff::1", "private"],
  ])("refuses the NAT64 address %s as %s, like the IPv4 address it reaches", (address, rule) => {
    expect(refusalOf(address, at("erp.example.com"), strict)).toBe(rule);
  });

  // Session 35's audit: other IPv6 forms that reach an IPv4 address, and ranges no ERP answers on.
  it.each([
    ["::a9fe:a9fe", "metadata"], // IPv4-compatible ::169.254.169.254
    ["::7f00:1", "loopback"], // ::127.0.0.1
    ["::a00:5", "private"], // ::10.0.0.5
    ["::ffff:0:a9fe:a9fe", "metadata"], // SIIT ::ffff:0:169.254.169.254
    ["::ffff:0:a00:5", "private"],
    ["2002:a9fe:a9fe::", "metadata"], // 6to4 of 169.254.169.254
    ["2002:a00:5::1", "private"], // 6to4 of 10.0.0.5
    ["2002:7f00:1::", "loopback"],
    ["fec0::1", "private"], // site-local (deprecated)
    ["ff02::1", "private"], // multicast
    ["198.18.0.1", "private"], // benchmarking
    ["198.19.255.254", "private"],
    ["224.0.0.1", "private"], // multicast
    ["239.255.255.250", "private"],
    ["255.255.255.255", "private"], // broadcast
    ["240.0.0.1", "private"], // reserved
  ])("refuses %s as %s", (address, rule) => {
    expect(refusalOf(address, at("erp.example.com"), strict)).toBe(rule);
  });

  it("allows the 6to4 and IPv4-compatible forms of a public IPv4 address", () => {
    expect(refusalOf("2002:808:808::1", at("erp.example.com"), strict)).toBeUndefined(); // 8.8.8.8
    expect(refusalOf("::808:808", at("erp.example.com"), strict)).toBeUndefined();
    expect(refusalOf("198.20.0.1", at("erp.example.com"), strict)).toBeUndefined();
    expect(refusalOf("223.255.255.255", at("erp.example.com"), strict)).toBeUndefined();
  });

  it("allows a NAT64 address of a public IPv4 address; NAT64 of metadata is refused whatever the policy", () => {
    expect(refusalOf("64:ff9b::808:808", at("erp.example.com"), strict)).toBeUndefined(); // 8.8.8.8
    expect(refusalOf("64:ff9b::a9fe:a9fe", at("erp.example.com"), simulatorPolicy)).toBe("metadata");
    expect(refusalOf("64:ff9b::a00:5", at("erp.example.com"), simulatorPolicy)).toBeUndefined();
  });
});

describe("checkTarget (save and test time)", () => {
  const fake =
    (answers: Record<string, string[]>): Resolve =>
    async (hostname) =>
      (answers[hostname] ?? []).map((address): LookupAddress => ({ address, family: address.includes(":") ? 6 : 4 }));

  it("refuses a name when any of its addresses is refused, naming the rule", async () => {
    const resolve = fake({ "metadata.test": ["169.254.169.254"], "mixed.test": ["8.8.8.8", "10.0.0.1"], "erp.test": ["8.8.4.4"] });
    await expect(checkTarget(at("metadata.test"), simulatorPolicy, resolve)).rejects.toMatchObject({ rule: "metadata", address: "169.254.169.254" });
    await expect(checkTarget(at("mixed.test"), strict, resolve)).rejects.toMatchObject({ rule: "private", address: "10.0.0.1" });
    await expect(checkTarget(at("erp.test"), strict, resolve)).resolves.toBeUndefined();
  });

  it("checks IP literals and cloud metadata host names without asking DNS", async () => {
    const resolve: Resolve = async () => {
      throw new Error("DNS must not be asked");
    };
    await expect(checkTarget(at("169.254.169.254"), simulatorPolicy, resolve)).rejects.toBeInstanceOf(AddressRefusedError);
    await expect(checkTarget(at("::ffff:169.254.1.1"), simulatorPolicy, resolve)).rejects.toMatchObject({ rule: "link_local" });
    await expect(checkTarget(at("metadata.google.internal"), simulatorPolicy, resolve)).rejects.toMatchObject({ rule: "metadata" });
    await expect(checkTarget(at("127.0.0.1"), strict, resolve)).rejects.toMatchObject({ rule: "loopback" });
    await expect(checkTarget(at("64:ff9b::a9fe:a9fe"), simulatorPolicy, resolve)).rejects.toMatchObject({ rule: "metadata" });
  });

  it("refuses a name that DNS64 answers with the NAT64 address of a private host", async () => {
    const resolve = fake({ "erp.internal.example": ["64:ff9b::a00:5"] });
    await expect(checkTarget(at("erp.internal.example"), strict, resolve)).rejects.toMatchObject({ rule: "private", address: "64:ff9b::a00:5" });
  });

  it("says the rule in both languages", () => {
    const error = new AddressRefusedError("169.254.1.1", "link_local");
    expect(error.message).toBe("地址 169.254.1.1 属于链路本地地址，始终禁止");
    expect(error.messageEn).toContain("link-local addresses are always refused");
  });
});

describe("httpPost under the policy", () => {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end("{}");
  });
  let port = 0;
  let guard: ReturnType<typeof spyOnConnect>;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    hits = 0;
    guard = spyOnConnect();
  });
  afterEach(() => guard.restore());

  const post = (url: string, policy: OutboundPolicy, resolve?: Resolve) => httpPost(new URL(url), "{}", {}, { timeoutMs: 2000, policy, resolve });

  it("refuses IP literals before any socket is opened", async () => {
    for (const url of ["http://169.254.169.254/latest/meta-data", "http://[::ffff:169.254.169.254]/", "http://100.100.100.200/", "http://[fe80::1]:8080/"]) {
      await expect(post(url, simulatorPolicy)).rejects.toBeInstanceOf(AddressRefusedError);
    }
    await expect(post(`http://127.0.0.1:${port}/`, strict)).rejects.toMatchObject({ rule: "loopback" });
    expect(guard.attempted).toEqual([]);
    expect(hits).toBe(0);
  });

  it("checks the address the socket connects to, so DNS rebinding finds nothing to connect to", async () => {
    const answers = ["127.0.0.1", "169.254.169.254"];
    const asked: string[] = [];
    const rebinding: Resolve = async (hostname) => {
      asked.push(hostname);
      const address = answers[Math.min(asked.length - 1, answers.length - 1)]!;
      return [{ address, family: 4 }];
    };
    // Checked at save time: the name resolved to loopback, which this policy allows.
    await expect(checkTarget(at("rebind.test", port), simulatorPolicy, rebinding)).resolves.toBeUndefined();
    // At connect time the same name answers the metadata address: refused before connecting.
    await expect(post(`http://rebind.test:${port}/`, simulatorPolicy, rebinding)).rejects.toMatchObject({ rule: "metadata", address: "169.254.169.254" });
    expect(asked).toEqual(["rebind.test", "rebind.test"]);
    expect(guard.attempted).toEqual([]);
    expect(hits).toBe(0);
  });

  it("refuses a name that resolves to loopback under the production default, and allows it when listed", async () => {
    const local: Resolve = async () => [{ address: "127.0.0.1", family: 4 }];
    await expect(post(`http://erp.test:${port}/`, strict, local)).rejects.toMatchObject({ rule: "loopback" });
    expect(hits).toBe(0);
    await expect(post(`http://erp.test:${port}/`, { ...strict, allowedHosts: [`erp.test:${port}`] }, local)).resolves.toMatchObject({ status: 200 });
    expect(hits).toBe(1);
    expect(guard.attempted).toEqual([]);
  });

  it("does not lend a socket opened under a lenient policy to a call under a strict one", async () => {
    const local: Resolve = async () => [{ address: "127.0.0.1", family: 4 }];
    await expect(post(`http://keepalive.test:${port}/`, simulatorPolicy, local)).resolves.toMatchObject({ status: 200 });
    await expect(post(`http://keepalive.test:${port}/`, strict, local)).rejects.toMatchObject({ rule: "loopback" });
    expect(hits).toBe(1);
  });
});
