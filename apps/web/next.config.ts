import type { NextConfig } from "next";
import { API_CONTENT_SECURITY_POLICY, COMMON_SECURITY_HEADERS, HSTS_HEADER } from "./src/server/security-headers";

const config: NextConfig = {
  transpilePackages: ["@qiao/alerts", "@qiao/core", "@qiao/connectors", "@qiao/db", "@qiao/jobs"],
  serverExternalPackages: ["bullmq", "prom-client", "ioredis", "pino", "pg", "@prisma/adapter-pg", "rate-limiter-flexible", "nodemailer"],
  allowedDevOrigins: ["127.0.0.1", "localhost"],
  poweredByHeader: false,
  typedRoutes: false,
  // Page CSPs carry a per-request nonce and are set in src/proxy.ts.
  async headers() {
    return [
      { source: "/:path*", headers: COMMON_SECURITY_HEADERS },
      { source: "/api/:path*", headers: [{ key: "Content-Security-Policy", value: API_CONTENT_SECURITY_POLICY }] },
      { source: "/:path*", has: [{ type: "header", key: "x-forwarded-proto", value: "https" }], headers: [HSTS_HEADER] },
    ];
  },
};

export default config;
