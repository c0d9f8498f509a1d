// Starts everything the e2e suite talks to, isolated from a developer's running instance:
// a fresh database (dropped on exit), its own Redis prefix (deleted on exit), the simulators, the worker and
// `next start` on E2E_WEB_PORT. Playwright runs this as its webServer and stops it with SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { ensureDatabase, migrate, MIGRATIONS_DIR } from "@qiao/db/migrate";
import { startSimulatorsFromEnv, type RunningSimulator } from "@qiao/simulators";
import { deleteRedisPrefix } from "@qiao/jobs";
import { SERVER_LOG } from "./leaks";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const webDir = fileURLToPath(new URL("..", import.meta.url));
const port = process.env.E2E_WEB_PORT ?? "3100";
const dbName = process.env.E2E_DATABASE_NAME ?? `qiao_e2e_${Date.now().toString(36)}`;
const base = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/qiao");
const dbUrl = new URL(base);
dbUrl.pathname = `/${dbName}`;

const env: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: "production",
  // The specs use the demo connections and scheme (production seeds only the admin by default).
  QIAO_SEED_DEMO: "true",
  // The simulators (and the specs' own stub servers) are on 127.0.0.1, which production refuses by default.
  QIAO_ALLOW_PRIVATE_TARGETS: "true",
  // The simulators' SMTP receiver (127.0.0.1) offers no STARTTLS: logins to it go in plain text.
  QIAO_SMTP_ALLOW_PLAIN_LOOPBACK: "true",
  DATABASE_URL: dbUrl.toString(),
  REDIS_PREFIX: process.env.E2E_REDIS_PREFIX ?? `qiao-e2e:${Date.now().toString(36)}`,
  BETTER_AUTH_URL: `http://127.0.0.1:${port}`,
  GUANYI_SIM_PORT: process.env.E2E_GUANYI_PORT ?? "4110",
  KINGDEE_SIM_PORT: process.env.E2E_KINGDEE_PORT ?? "4120",
  ALERTS_SIM_PORT: process.env.E2E_ALERTS_PORT ?? "4130",
  ALERTS_SIM_SMTP_PORT: process.env.E2E_ALERTS_SMTP_PORT ?? "4131",
  // Links in alerts point at the e2e web app.
  QIAO_PUBLIC_URL: `http://127.0.0.1:${port}`,
  NEXT_TELEMETRY_DISABLED: "1",
  // unknown-outcome.spec.ts watches a 待确认 batch wait and be looked up: 20 s, not the default 5
  // minutes, and long enough for the run page to show the wait on a busy machine.
  QIAO_UNKNOWN_OUTCOME_WAIT_S: "20",
  LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
};

// Everything the children print also goes to a file, which the e2e run scans for secrets (e2e/leak-scan.ts).
mkdirSync(dirname(SERVER_LOG), { recursive: true });
const serverLog = createWriteStream(SERVER_LOG, { flags: "a" });
function spawnLogged(command: string, args: string[], cwd: string): ChildProcess {
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
    from?.on("data", (chunk: Buffer) => {
      to.write(chunk);
      serverLog.write(chunk);
    });
  }
  return child;
}

const children: ChildProcess[] = [];
function run(name: string, command: string, args: string[], cwd: string): ChildProcess {
  const child = spawnLogged(command, args, cwd);
  children.push(child);
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`[e2e] ${name} exited (${code ?? signal}); stopping`);
      void stop(1);
    }
  });
  return child;
}

function runToEnd(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnLogged(command, args, cwd);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited ${code}`))));
  });
}

let stopping = false;
const simulators: RunningSimulator[] = [];
async function stop(code: number): Promise<never> {
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on("exit", r)))));
  await Promise.all(simulators.map((s) => s.close()));
  if (!process.env.E2E_REDIS_PREFIX) await deleteRedisPrefix(env.REDIS_URL ?? "redis://127.0.0.1:6379", env.REDIS_PREFIX!).catch(() => undefined);
  if (!process.env.E2E_KEEP_DATABASE) {
    const admin = new URL(base);
    admin.pathname = "/postgres";
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    await client.end();
  }
  process.exit(code);
}
process.on("SIGTERM", () => void stop(0));
process.on("SIGINT", () => void stop(0));

await ensureDatabase(dbUrl.toString());
await migrate(dbUrl.toString(), MIGRATIONS_DIR);
await runToEnd("npx", ["tsx", "packages/db/src/cli/seed.ts"], root);
simulators.push(...(await startSimulatorsFromEnv(env)));
for (const s of simulators) console.log(`[e2e] ${s.name} at ${s.url}`);
// turbo caches the build: a second run with unchanged sources skips it.
await runToEnd("npx", ["turbo", "run", "build", "--filter=@qiao/web", "--output-logs=errors-only"], root);
run("worker", "npx", ["tsx", "apps/worker/src/main.ts"], root);
run("web", "npx", ["next", "start", "-p", port, "-H", "127.0.0.1"], webDir);
