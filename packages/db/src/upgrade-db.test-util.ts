// An upgrade test's database: migrated without the migration under test (as the code before it left
// it), with a client; closed and dropped after the file. The test applies the migration itself
// (`upgrade()`), after writing the rows the code before it would have.
import { afterAll, beforeAll } from "vitest";
import { createPrisma, type Db } from "./client";
import { migrate } from "./migrate";
import { MIGRATIONS_DIR } from "./paths";
import { createTestDatabaseWithout, type TestDatabase } from "./testing";

export interface UpgradeDb {
  readonly db: Db;
  readonly tdb: TestDatabase;
  /** Applies the missing migration (and any after it); returns the names applied. */
  upgrade(): Promise<string[]>;
}

export function useDatabaseWithout(label: string, migration: string): UpgradeDb {
  let tdb: TestDatabase | undefined;
  let db: Db | undefined;
  beforeAll(async () => {
    tdb = await createTestDatabaseWithout(label, migration);
    db = createPrisma(tdb.url, 2);
  }, 120_000);
  afterAll(async () => {
    await db?.$disconnect();
    await tdb?.drop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the upgrade database is opened in beforeAll");
    return value;
  };
  return {
    get db() {
      return ready(db);
    },
    get tdb() {
      return ready(tdb);
    },
    upgrade: async () => (await migrate(ready(tdb).url, MIGRATIONS_DIR)).applied,
  };
}
