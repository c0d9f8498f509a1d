// The engine's test files' database: one fresh database per file, opened before its tests and
// dropped after them. Vitest-only (not exported from @qiao/engine/testing, which the soak uses too).
import { afterAll, beforeAll } from "vitest";
import { openTestDb, type TestDb } from "./harness";

export function useTestDb(label: string): TestDb {
  let opened: TestDb | undefined;
  beforeAll(async () => {
    opened = await openTestDb(label);
  });
  afterAll(async () => {
    await opened?.close();
  });
  const get = (): TestDb => {
    if (!opened) throw new Error("useTestDb: the database is opened in beforeAll, use it inside tests");
    return opened;
  };
  return {
    get db() {
      return get().db;
    },
    get database() {
      return get().database;
    },
    close: () => get().close(),
  };
}
