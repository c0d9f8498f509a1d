import type { NextConfig } from "next";

const config: NextConfig = {
  transpilePackages: ["@qiao/core", "@qiao/connectors", "@qiao/db", "@qiao/worker", "@qiao/engine"],
  serverExternalPackages: ["bullmq", "ioredis", "pino", "pg", "@prisma/adapter-pg", "rate-limiter-flexible"],
  allowedDevOrigins: ["127.0.0.1", "localhost"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default config;
