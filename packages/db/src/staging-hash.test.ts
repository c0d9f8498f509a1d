// The migration that shortened staging's hashes (20261207100000_staging_short_hashes) turns every hex
// digest the code before it stored into exactly what stagingHash computes now for the same text, and
// leaves anything else alone. packages/engine's hash-upgrade.test.ts runs a whole upgrade.
import { hash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPrisma, poolOf, type Db } from "./client";
import { stagingHash } from "./staging-hash";
import { applyMigrationAgain, createTestDatabase, type TestDatabase } from "./testing";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("staginghash");
  db = createPrisma(tdb.url, 1);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

const TEXTS = ["", "abc", '{"code":"TM000001","name":"北京旗舰店","note":""}', "multi-byte: 😀 é ü 漢", "x".repeat(10_000)];
const MIGRATION = "20261207100000_staging_short_hashes";

async function stagedHashes(): Promise<{ sourceId: string; dataHash: string | null; payloadHash: string; mappedWith: string | null; writtenHash: string | null }[]> {
  return db.sourceRecord.findMany({ orderBy: { sourceId: "asc" }, select: { sourceId: true, dataHash: true, payloadHash: true, mappedWith: true, writtenHash: true } });
}

it("converts each hex digest to the 128-bit base64url stagingHash of the same text, once; NULL and other values stay", async () => {
  const schemeId = (await db.scheme.create({ data: { name: "hashes", definition: {} } })).id;
  const rows: (string | null)[][] = TEXTS.map((text, i) => [
    `r${i}`,
    hash("md5", text, "hex"),
    hash("sha256", text, "hex"),
    hash("sha256", `key ${text}`, "hex"),
    i % 2 === 0 ? hash("sha256", text, "hex") : null,
  ]);
  // What no code wrote, left as it is: a value that is not a whole lowercase hex digest.
  rows.push(["s1", null, "h", null, "ABCDEF0123456789ABCDEF0123456789"]);
  const column = (k: number) => rows.map((r) => r[k]);
  await poolOf(db).query(
    `INSERT INTO source_records (scheme_id, source_id, data_hash, payload_hash, mapped_with, written_hash, data, status)
     SELECT $1::uuid, r.*, '{}', 'written' FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
       AS r(source_id, data_hash, payload_hash, mapped_with, written_hash)`,
    [schemeId, column(0), column(1), column(2), column(3), column(4)],
  );

  await applyMigrationAgain(tdb.url, MIGRATION);
  const expected = [
    ...TEXTS.map((text, i) => ({
      sourceId: `r${i}`,
      dataHash: stagingHash("md5", text),
      payloadHash: stagingHash("sha256", text),
      mappedWith: stagingHash("sha256", `key ${text}`),
      writtenHash: i % 2 === 0 ? stagingHash("sha256", text) : null,
    })),
    { sourceId: "s1", dataHash: null, payloadHash: "h", mappedWith: null, writtenHash: "ABCDEF0123456789ABCDEF0123456789" },
  ];
  expect(await stagedHashes()).toEqual(expected);
  expect(expected[1]!.payloadHash).toMatch(/^[\w-]{22}$/);

  await applyMigrationAgain(tdb.url, MIGRATION);
  expect(await stagedHashes()).toEqual(expected);
});

it("is the first 16 bytes of the digest as base64url, for every last digit and both alphabets' extra digits", () => {
  // Texts enough that every value of the 22nd digit and digits + / (- _ in base64url) occur.
  const texts = [...TEXTS, ...Array.from({ length: 4000 }, (_, i) => `{"id":${i},"name":"店铺 ${i} ✓ ${"é".repeat(i % 7)}"}`)];
  const lastDigits = new Set<string>();
  for (const algorithm of ["md5", "sha256"] as const) {
    for (const text of texts) {
      const expected = hash(algorithm, text, "buffer").subarray(0, 16).toString("base64url");
      expect(stagingHash(algorithm, text)).toBe(expected);
      lastDigits.add(expected[21]!);
    }
  }
  expect([...lastDigits].sort().join("")).toBe("AQgw");
  expect(texts.some((t) => /[-_]/.test(stagingHash("md5", t)))).toBe(true);
});
