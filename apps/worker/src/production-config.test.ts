// The worker refuses to start in production with a public development secret (issue #11, item 7).
import { randomBytes } from "node:crypto";
import { config } from "@qiao/db";
import { createTestDatabase, testRedisPrefix, type TestDatabase } from "@qiao/db/testing";
import { deleteRedisPrefix } from "@qiao/jobs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { spawnWorker, type WorkerProcess } from "./testing";

let database: TestDatabase;
const prefix = testRedisPrefix("prodcfg");
const started: WorkerProcess[] = [];

const proper = {
  NODE_ENV: "production",
  BETTER_AUTH_SECRET: randomBytes(32).toString("base64"),
  QIAO_SECRET_KEYS: `k1:${randomBytes(32).toString("base64")}`,
  ADMIN_PASSWORD: randomBytes(18).toString("base64"),
  LOG_LEVEL: "info",
};

beforeAll(async () => {
  database = await createTestDatabase("prodcfg");
});

afterAll(async () => {
  for (const w of started) if (w.child.exitCode === null) w.child.kill("SIGKILL");
  await Promise.all(started.map((w) => w.exited));
  await database?.drop();
  await deleteRedisPrefix(config().REDIS_URL, prefix);
});

function start(env: Record<string, string>): WorkerProcess {
  const w = spawnWorker({ DATABASE_URL: database.url, REDIS_PREFIX: prefix, ...env });
  started.push(w);
  return w;
}

test.each([
  ["BETTER_AUTH_SECRET", "qiao-dev-auth-secret-change-me", "is the public development default"],
  ["QIAO_SECRET_KEYS", "dev:cWlhby1kZXZlbG9wbWVudC1rZXktZG8tbm90LXVzZSE=", "is the public development default"],
  ["ADMIN_PASSWORD", "", "is not set"],
])("with NODE_ENV=production and %s = %j it exits 1 saying how to generate one", async (name, value, why) => {
  const w = start({ ...proper, [name]: value });
  expect(await w.exited).toBe(1);
  const output = w.lines.join("\n");
  expect(output).toContain(`${name} ${why}; generate one, e.g.`);
  expect(output).toContain("openssl rand");
  expect(output).not.toContain("worker ready");
}, 30_000);

test("with NODE_ENV=production and its own secrets it starts", async () => {
  const w = start(proper);
  await w.waitFor("worker ready, waiting for jobs", 30_000);
  expect(w.child.exitCode).toBeNull();
}, 40_000);
