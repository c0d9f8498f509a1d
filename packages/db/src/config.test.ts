import { describe, expect, it } from "vitest";
import { config, outboundPolicy } from "./config";

describe("outboundPolicy", () => {
  const base = { ...config(), QIAO_ALLOW_PRIVATE_TARGETS: undefined };

  it("allows private targets by default outside production only", () => {
    expect(outboundPolicy({ ...base, NODE_ENV: "development" }).allowPrivateTargets).toBe(true);
    expect(outboundPolicy({ ...base, NODE_ENV: "test" }).allowPrivateTargets).toBe(true);
    expect(outboundPolicy({ ...base, NODE_ENV: "production" }).allowPrivateTargets).toBe(false);
  });

  it("follows QIAO_ALLOW_PRIVATE_TARGETS when it is set, and passes the allowed hosts and size limit on", () => {
    expect(outboundPolicy({ ...base, NODE_ENV: "production", QIAO_ALLOW_PRIVATE_TARGETS: true }).allowPrivateTargets).toBe(true);
    expect(outboundPolicy({ ...base, NODE_ENV: "development", QIAO_ALLOW_PRIVATE_TARGETS: false }).allowPrivateTargets).toBe(false);
    expect(outboundPolicy({ ...base, QIAO_ALLOWED_HOSTS: ["erp.corp:8080"], QIAO_MAX_RESPONSE_BYTES: 2048 })).toMatchObject({
      allowedHosts: ["erp.corp:8080"],
      maxResponseBytes: 2048,
    });
    expect(outboundPolicy(base).maxResponseBytes).toBe(64 * 1024 * 1024);
  });
});
