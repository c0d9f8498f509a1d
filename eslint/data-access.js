// The database behind one door (issue #15): the web's routes and server code, and the engine, reach
// Postgres through @qiao/db's repositories (packages/db/src/repositories and the modules beside
// them), never through the Prisma client's model delegates (`db.scheme.findMany`, `tx.run.update`)
// or its raw queries and transactions (`db.$queryRaw`, `db.$transaction`). A query a route needs
// becomes a repository function whose name says what it does, with a test against real Postgres.
// Tests and `testing/` harnesses may set up rows directly. eslint/data-access.test.ts proves the
// rule refuses a wrong file and lets a right one through.
//
// The model names come from prisma/schema.prisma, so a new model is covered the day it is added.
// Only `<anything>.<model>.<delegate method>` is refused: `row.scheme.name` (a relation on a row)
// and `seen.delete(id)` (a Map) are not Prisma calls and pass.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const schema = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../prisma/schema.prisma"), "utf8");

/** The Prisma client's delegate names: each model's name with a lower-case first letter. */
export const PRISMA_MODELS = [...schema.matchAll(/^model (\w+) \{/gm)].map(([, name]) => name[0].toLowerCase() + name.slice(1));

const DELEGATE_METHODS = [
  "findUnique",
  "findUniqueOrThrow",
  "findFirst",
  "findFirstOrThrow",
  "findMany",
  "create",
  "createMany",
  "createManyAndReturn",
  "update",
  "updateMany",
  "updateManyAndReturn",
  "upsert",
  "delete",
  "deleteMany",
  "count",
  "aggregate",
  "groupBy",
];

const CLIENT_METHODS = ["$queryRaw", "$queryRawUnsafe", "$executeRaw", "$executeRawUnsafe", "$transaction"];

/** Production code that must use the repositories. */
export const ONE_DOOR_FILES = ["apps/web/src/app/**/*.{ts,tsx}", "apps/web/src/server/**/*.{ts,tsx}", "packages/engine/src/**/*.ts"];

const TESTS = ["**/*.test.ts", "**/*.spec.ts", "**/testing/**"];

const WHY = "(see packages/db/README.md). Add or reuse a repository function in packages/db whose name says what it does, and call that.";

const any = (names) => names.map((n) => n.replace(/\$/g, "\\$")).join("|");

export function dataAccessConfigs() {
  return [
    {
      files: ONE_DOOR_FILES,
      ignores: TESTS,
      rules: {
        "no-restricted-syntax": [
          "error",
          {
            selector: `MemberExpression[property.name=/^(${any(DELEGATE_METHODS)})$/][object.type='MemberExpression'][object.property.name=/^(${any(PRISMA_MODELS)})$/]`,
            message: `Prisma model delegates are not called here: the database is reached through @qiao/db's repositories ${WHY}`,
          },
          {
            selector: `MemberExpression[property.name=/^(${any(CLIENT_METHODS)})$/]`,
            message: `Raw queries and transactions belong in @qiao/db's repositories ${WHY}`,
          },
        ],
      },
    },
  ];
}
