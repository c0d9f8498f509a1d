// Issue #11, item 7: `next start` with NODE_ENV=production refuses the public development secrets
// (src/instrumentation.ts). The build is the one e2e/serve.ts made; the running e2e instance itself
// shows that proper values start.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { expect, test } from "./fixtures";

const webDir = fileURLToPath(new URL("..", import.meta.url));
const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function nextStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: webDir,
    env: { ...process.env, NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (b: Buffer) => (output += b.toString()));
  child.stderr.on("data", (b: Buffer) => (output += b.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output };
}

test("with NODE_ENV=production and the development BETTER_AUTH_SECRET the web app exits 1, saying what to set", async () => {
  const { code, output } = await nextStart({ BETTER_AUTH_SECRET: "qiao-dev-auth-secret-change-me" });
  expect(code).toBe(1);
  expect(output).toContain("Qiao web app refuses to start with NODE_ENV=production");
  expect(output).toContain('BETTER_AUTH_SECRET is the public development default; generate one, e.g. BETTER_AUTH_SECRET="$(openssl rand -base64 32)"');
});

test("with NODE_ENV=production and no QIAO_SECRET_KEYS the web app exits 1", async () => {
  const { code, output } = await nextStart({ QIAO_SECRET_KEYS: "" });
  expect(code).toBe(1);
  expect(output).toContain("QIAO_SECRET_KEYS is not set; generate one");
});
