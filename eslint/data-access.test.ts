// The one-door rule refuses Prisma used directly where repositories must be, and nothing else, run
// through ESLint's Node API with the repository's own configuration on small fixtures.
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { PRISMA_MODELS } from "./data-access.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const eslint = new ESLint({ cwd: root });

async function doorErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`declare const db: any, tx: any, row: any, seen: Map<string, number>, prisma: () => any;\n${source}\n`, {
    filePath: `${root}${file}`,
  });
  const fatal = (result?.messages ?? []).filter((m) => m.fatal);
  expect(fatal).toEqual([]);
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-syntax").map((m) => m.message);
}

// The first lint loads the whole configuration (typescript-eslint included): seconds on a loaded machine.
describe("the database behind one door", { timeout: 30_000 }, () => {
  it("knows every model of the schema", () => {
    expect(PRISMA_MODELS).toEqual(expect.arrayContaining(["user", "apiToken", "connection", "scheme", "schemeVersion", "run", "runLog", "runRecord", "sourceRecord", "valueMap"]));
  });

  it.each([
    ["apps/web/src/app/api/fixture/route.ts", "export const rows = db.scheme.findMany({});", "Prisma model delegates"],
    ["apps/web/src/app/api/fixture/[id]/route.ts", "export const gone = db.connection.delete({ where: { id: 'x' } });", "Prisma model delegates"],
    ["apps/web/src/server/fixture.ts", "export const n = db.run.count({});", "Prisma model delegates"],
    ["apps/web/src/server/fixture.ts", "export const t = db.$transaction(async (t2: any) => t2.schemeVersion.create({}));", "Raw queries and transactions"],
    ["apps/web/src/app/api/health/fixture.ts", "export const ok = prisma().$queryRaw`SELECT 1`;", "Raw queries and transactions"],
    ["packages/engine/src/fixture.ts", "export const row = db.schemeVersion.findUnique({});", "Prisma model delegates"],
    ["packages/engine/src/fixture.ts", "export const n = db.$executeRaw`UPDATE runs SET phase = 'done'`;", "Raw queries and transactions"],
  ])("%s: %s is refused", async (file, source, says) => {
    const errors = await doorErrors(file, source);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toContain(says);
    expect(errors[0]).toContain("repositor");
  });

  it("refuses a delegate inside a transaction too", async () => {
    const errors = await doorErrors("apps/web/src/server/fixture.ts", "export const t = tx.scheme.update({});");
    expect(errors).toHaveLength(1);
  });

  it.each([
    // Repository calls, rows' relations and Maps are not Prisma calls.
    ["apps/web/src/app/api/fixture/route.ts", "export const rows = listSchemesWithLastRun(db);\ndeclare function listSchemesWithLastRun(db: unknown): unknown;"],
    ["apps/web/src/server/fixture.ts", "export const name = row.scheme.name;"],
    ["apps/web/src/server/fixture.ts", "seen.delete('a');\nexport const n = row.runs.count;"],
    // Tests, harnesses and the repositories themselves may use the client.
    ["apps/web/src/server/fixture.test.ts", "export const rows = db.scheme.findMany({});"],
    ["packages/engine/src/testing/fixture.ts", "export const row = db.scheme.create({});"],
    ["packages/db/src/repositories/fixture.ts", "export const rows = db.$queryRaw`SELECT 1`;"],
  ])("%s: %s is allowed", async (file, source) => {
    expect(await doorErrors(file, source)).toEqual([]);
  });
});
