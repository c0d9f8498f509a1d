// QIAO_ALLOWED_HOSTS may name a host *and port* ("erp.corp.local:443"): loopback and private
// addresses are then allowed for that port only (outbound.ts isAllowedHost). httpPost's keep-alive
// agents are kept per target (host and port as the call uses them), and their guarded lookup is bound
// to it. Before session 25 (its audit) they were kept per `url.host`, which drops a default port:
// after one https call, a plain-http call to port 80 was judged as port 443 and let through.
// Only loopback is ever reached: the fake DNS answers 127.0.0.1 for every name, and the policy
// under test treats loopback as a refused ("private") address unless the host:port is listed.
import { describe, expect, it } from "vitest";
import { httpPost } from "./http";
import { AddressRefusedError, DEFAULT_MAX_RESPONSE_BYTES, type OutboundPolicy, type Resolve } from "./outbound";

const policy: OutboundPolicy = {
  allowPrivateTargets: false,
  allowedHosts: ["erp.corp.local:443"],
  maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
};

const settle = (p: Promise<unknown>) =>
  p.then(
    (answer) => ({ answer }),
    (error: unknown) => ({ error }),
  );

describe("QIAO_ALLOWED_HOSTS with a port is honoured whatever was called before", () => {
  it("refuses http://host/ (port 80) when only host:443 is allowed, also after a call to https://host/", async () => {
    // Fresh resolvers: cache entries of their own. Every answer is loopback.
    const loopbackOnly = (): Resolve => async () => [{ address: "127.0.0.1", family: 4 }];

    // Alone, port 80 is refused by the policy before anything connects.
    const alone = await settle(httpPost(new URL("http://erp.corp.local/"), "{}", {}, { timeoutMs: 2000, policy, resolve: loopbackOnly() }));
    expect(alone).toMatchObject({ error: expect.any(AddressRefusedError) });

    const resolve = loopbackOnly();
    const post = (url: string) => httpPost(new URL(url), "{}", {}, { timeoutMs: 2000, policy, resolve });
    // The allowed https call passes the policy (whatever 127.0.0.1:443 then answers).
    const allowed = await settle(post("https://erp.corp.local/"));
    expect((allowed as { error?: unknown }).error).not.toBeInstanceOf(AddressRefusedError);

    // Port 80 on the same host must still be refused by the policy.
    const second = await settle(post("http://erp.corp.local/"));
    expect(second, "http://erp.corp.local/ (port 80) passed the policy, judged as port 443").toMatchObject({ error: expect.any(AddressRefusedError) });
  });
});
