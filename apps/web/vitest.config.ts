import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Unit tests, and route handlers called directly (against a database of their own); e2e/*.spec.ts
// belong to Playwright. `@/` is the app's src, as in tsconfig.json.
export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  test: { include: ["src/**/*.test.ts"] },
});
