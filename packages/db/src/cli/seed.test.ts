// `npm run db:seed` in production (issue #11, item 7): it refuses the public admin password, and
// creates the demo connections and scheme only when QIAO_SEED_DEMO=true.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { DEMO_NAMES, DEMO_SCHEMES } from "@qiao/core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";

const SEED = fileURLToPath(new URL("./seed.ts", import.meta.url));
let tdb: TestDatabase;
let db: Db;

beforeAll(async () => {
  tdb = await createTestDatabase("seed");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

const production = () => ({
  NODE_ENV: "production",
  DATABASE_URL: tdb.url,
  BETTER_AUTH_SECRET: randomBytes(32).toString("base64"),
  QIAO_SECRET_KEYS: `k1:${randomBytes(32).toString("base64")}`,
  ADMIN_PASSWORD: randomBytes(18).toString("base64"),
});

function seed(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", SEED], { env: { ...process.env, QIAO_SEED_DEMO: "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

test("in production with the public admin password it exits 1 and creates nothing", async () => {
  const { code, output } = await seed({ ...production(), ADMIN_PASSWORD: "qiao-admin-2026" });
  expect(code).toBe(1);
  expect(output).toContain("ADMIN_PASSWORD is the public development default; generate one, e.g.");
  expect(await db.user.count()).toBe(0);
}, 60_000);

test("in production it creates the admin only; QIAO_SEED_DEMO=true adds the demo connections and scheme", async () => {
  const env = production();
  const plain = await seed(env);
  expect(plain).toMatchObject({ code: 0 });
  expect(await db.user.count()).toBe(1);
  expect(await db.connection.count()).toBe(0);
  expect(await db.scheme.count()).toBe(0);

  const demo = await seed({ ...env, QIAO_SEED_DEMO: "true" });
  expect(demo).toMatchObject({ code: 0 });
  expect(await db.connection.count()).toBe(2);
  // The three demo schemes, runnable in order (店铺→客户, 商品→物料, 发货单→销售出库单).
  expect((await db.scheme.findMany()).map((s) => s.name).sort()).toEqual(DEMO_SCHEMES.map((d) => d.name).sort());
  // 发货单→销售出库单 runs after the other two, and its warehouse value map exists.
  const schemes = await db.scheme.findMany({ select: { id: true, name: true, definition: true } });
  const idOf = (name: string) => schemes.find((s) => s.name === name)!.id;
  const deliveries = schemes.find((s) => s.name === DEMO_NAMES.deliveries)!;
  expect((deliveries.definition as { runAfter?: string[] }).runAfter?.sort()).toEqual([idOf(DEMO_NAMES.shops), idOf(DEMO_NAMES.items)].sort());
  expect((await db.valueMap.findMany()).map((m) => [m.name, m.entryCount])).toEqual([[DEMO_NAMES.warehouses, 3]]);
  // Seeding again changes nothing.
  expect(await seed({ ...env, QIAO_SEED_DEMO: "true" })).toMatchObject({ code: 0 });
  expect(await db.valueMap.count()).toBe(1);
}, 60_000);
