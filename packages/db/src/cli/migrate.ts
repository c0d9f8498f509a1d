// `npm run db:migrate`: create the database if needed, then apply pending migrations.
import { config, redactUrl } from "../config";
import { ensureDatabase, migrate, MigrationError } from "../migrate";
import { MIGRATIONS_DIR } from "../paths";

const url = config().DATABASE_URL;
try {
  if (await ensureDatabase(url)) console.log(`Created database ${redactUrl(url)}`);
  const result = await migrate(url, MIGRATIONS_DIR);
  for (const w of result.warnings) console.warn(`warning: ${w}`);
  if (result.applied.length === 0) {
    console.log(`Database is up to date (${result.alreadyApplied} migrations applied).`);
  } else {
    for (const name of result.applied) console.log(`Applied ${name}`);
  }
} catch (error) {
  if (error instanceof MigrationError) {
    console.error(error.message);
  } else {
    console.error(`Could not migrate ${redactUrl(url)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
}
