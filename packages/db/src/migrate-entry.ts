// Migration API for Node processes (CLI, tests, benchmarks). Not part of the main entry because
// bundlers (Next) would try to resolve the migrations folder as an asset.
export { migrate, ensureDatabase, readMigrations, MigrationError, type MigrateResult } from "./migrate";
export { MIGRATIONS_DIR } from "./paths";
