// Everything a benchmark talks to, isolated from a developer's running instance and torn down at the
// end (also on Ctrl-C or failure): a fresh database, its own Redis prefix, the simulators without
// injected faults, `next start` with an API token, and worker processes on demand.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { config, createPrisma, type Db } from "@qiao/db";
import { createTestDatabase, type TestDatabase } from "@qiao/db/testing";
import type { LatencyProfile } from "@qiao/simulators";
import { deleteRedisPrefix } from "@qiao/jobs";
import { QiaoApi, SimulatorAdmin } from "./api";
import { cpuSeconds, freePort, runToEnd, spawnChild, waitUntil, type Child } from "./processes";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const WEB_DIR = join(ROOT, "apps/web");

/** Cleanup steps, run once in reverse order of registration. */
export class Teardown {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = [];
  private running: Promise<void> | undefined;

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.run();
        } catch (error) {
          console.error(`cleanup: ${step.name} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
    return this.running;
  }
}

export interface StackOptions {
  /** Shops the Guanyi simulator generates. */
  shops: number;
  /** Items and deliveries it generates (GUANYI_SIM_ITEMS / GUANYI_SIM_DELIVERIES; default the simulator's). */
  documents?: { items: number; deliveries: number };
  /** Calls per second per connection in the workers (WORKER_CONNECTION_QPS). */
  qps: number;
  /** Both simulators' latency profile (`--latency`; default none). */
  latencyProfile?: LatencyProfile;
  skipBuild: boolean;
  label: string;
  teardown: Teardown;
  /** Progress lines for a person watching. */
  say(line: string): void;
}

/** CPU seconds used so far by each part of the stack. */
export interface CpuSnapshot {
  /** By worker pid. */
  workers: Map<number, number>;
  /** Postgres backends connected to the benchmark's database (the platform's database work). */
  postgres: Map<number, number>;
  simulators: number;
  web: number;
}

export interface Stack {
  dbUrl: string;
  database: TestDatabase;
  /** A small client on the benchmark's database (row counts, staged ids). */
  db: Db;
  redisPrefix: string;
  logDir: string;
  guanyiUrl: string;
  kingdeeUrl: string;
  sims: SimulatorAdmin;
  api: QiaoApi;
  /** Starts k worker processes and waits until each is ready. */
  startWorkers(k: number, opts?: { cpuProfDir?: string; nodeOptions?: string[]; env?: Record<string, string> }): Promise<Child[]>;
  stopWorkers(workers: Child[]): Promise<void>;
  cpu(): Promise<CpuSnapshot>;
}

/** The environment of every child: no injected faults, no developer ports, our database and prefix. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(GUANYI_SIM_|KINGDEE_SIM_|WORKER_|E2E_)/.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    NEXT_TELEMETRY_DISABLED: "1",
    TURBO_TELEMETRY_DISABLED: "1",
    CHECKPOINT_DISABLE: "1",
    ...extra,
  };
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const { teardown, say } = opts;
  const stamp = `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
  const logDir = join(tmpdir(), `qiao-${opts.label}-${stamp}`);
  mkdirSync(logDir, { recursive: true });
  const cfg = config();
  const redisPrefix = `qiao-${opts.label}:${stamp}`;
  const token = `qiao_${opts.label}_${randomBytes(16).toString("hex")}`;
  const [guanyiPort, kingdeePort, webPort] = [await freePort(), await freePort(), await freePort()];
  // The simulators' process also starts the alert receiver: on free ports too, or a developer's
  // `npm run simulators` (or another benchmark) on 4030 / 4025 would stop this one starting.
  const [alertsPort, smtpPort] = [await freePort(), await freePort()];

  say(`database: creating and migrating a fresh one`);
  const database = await createTestDatabase(opts.label);
  teardown.add("drop the database", () => database.drop());
  teardown.add("delete the Redis prefix", () => deleteRedisPrefix(cfg.REDIS_URL, redisPrefix));

  const env = childEnv({
    NODE_ENV: "production",
    // Production refuses the public development secrets: this stack gets its own.
    BETTER_AUTH_SECRET: randomBytes(32).toString("base64"),
    QIAO_SECRET_KEYS: `bench:${randomBytes(32).toString("base64")}`,
    ADMIN_PASSWORD: randomBytes(18).toString("base64"),
    // The simulators are on 127.0.0.1, which production refuses by default.
    QIAO_ALLOW_PRIVATE_TARGETS: "true",
    DATABASE_URL: database.url,
    REDIS_URL: cfg.REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    QIAO_API_TOKEN: token,
    BETTER_AUTH_URL: `http://127.0.0.1:${webPort}`,
    GUANYI_SIM_PORT: String(guanyiPort),
    KINGDEE_SIM_PORT: String(kingdeePort),
    ALERTS_SIM_PORT: String(alertsPort),
    ALERTS_SIM_SMTP_PORT: String(smtpPort),
    GUANYI_SIM_SHOPS: String(opts.shops),
    GUANYI_SIM_LATENCY_PROFILE: opts.latencyProfile ?? "none",
    KINGDEE_SIM_LATENCY_PROFILE: opts.latencyProfile ?? "none",
    ...(opts.documents && { GUANYI_SIM_ITEMS: String(opts.documents.items), GUANYI_SIM_DELIVERIES: String(opts.documents.deliveries) }),
    // The shared per-connection limiter stays in the path, with a quota it never reaches.
    WORKER_CONNECTION_QPS: String(opts.qps),
    LOG_LEVEL: "info",
  });
  const spawnOpts = { cwd: ROOT, env, logDir };
  const children: Child[] = [];
  teardown.add("stop the web app and the simulators", () => Promise.all(children.map((c) => c.stop())));

  const documents = opts.documents ? `, ${opts.documents.items} items, ${opts.documents.deliveries} deliveries` : "";
  say(`simulators: Guanyi with ${opts.shops} shops${documents} on :${guanyiPort}, Kingdee on :${kingdeePort} (latency profile ${opts.latencyProfile ?? "none"}, no faults, no QPS limit)`);
  const simulators = spawnChild("simulators", process.execPath, ["--import", "tsx", "apps/simulators/src/main.ts"], spawnOpts);
  children.push(simulators);
  const sims = new SimulatorAdmin(`http://127.0.0.1:${guanyiPort}`, `http://127.0.0.1:${kingdeePort}`);
  await Promise.race([
    waitUntil("the simulators", 60_000, async () => (await sims.guanyiShopCount()) === opts.shops && (await sims.kingdeeStats()).customers === 0),
    simulators.exited.then((how) => Promise.reject(new Error(`the simulators exited (${how}); see ${simulators.logFile}`))),
  ]);

  say("seed: admin user and API token");
  await runToEnd("seed", process.execPath, ["--import", "tsx", "packages/db/src/cli/seed.ts"], spawnOpts);

  // The worker's bundle takes a second to build: always from the sources as they are.
  say("worker: npm run build -w @qiao/worker (apps/worker/dist/main.mjs)");
  await runToEnd("worker-build", "npm", ["run", "-s", "build", "-w", "@qiao/worker"], spawnOpts);
  if (opts.skipBuild) {
    say("web: reusing apps/web/.next (--skip-build)");
  } else {
    say("web: npx turbo run build --filter=@qiao/web (cached when nothing changed)");
    await runToEnd("web-build", "npx", ["turbo", "run", "build", "--filter=@qiao/web", "--output-logs=errors-only"], spawnOpts);
  }
  // apps/web/.next is shared with whoever else builds the web app on this machine: wait out a
  // build that another process is writing (it removes BUILD_ID until it is done).
  await waitUntil("a complete web build (apps/web/.next/BUILD_ID)", 300_000, async () => existsSync(join(WEB_DIR, ".next/BUILD_ID")));
  const nextBin = createRequire(join(WEB_DIR, "package.json")).resolve("next/dist/bin/next");
  const web = spawnChild("web", process.execPath, [nextBin, "start", "-p", String(webPort), "-H", "127.0.0.1"], { ...spawnOpts, cwd: WEB_DIR });
  children.push(web);
  const webUrl = `http://127.0.0.1:${webPort}`;
  await Promise.race([
    waitUntil("the web app", 120_000, async () => (await fetch(`${webUrl}/api/health`)).ok),
    web.exited.then((how) => Promise.reject(new Error(`the web app exited (${how}); see ${web.logFile}`))),
  ]);
  say(`web: ${webUrl} (logs in ${logDir})`);

  let workerNo = 0;
  const live = new Set<Child>();
  teardown.add("stop the workers", () => Promise.all([...live].map((w) => w.stop())));
  const db = createPrisma(database.url, 2);
  teardown.add("disconnect from the database", () => db.$disconnect());

  return {
    dbUrl: database.url,
    database,
    db,
    redisPrefix,
    logDir,
    guanyiUrl: `http://127.0.0.1:${guanyiPort}/rest/erp_open`,
    kingdeeUrl: `http://127.0.0.1:${kingdeePort}/k3cloud/`,
    sims,
    api: new QiaoApi(webUrl, token),
    async startWorkers(k, workerOpts = {}) {
      const started: Child[] = [];
      for (let i = 0; i < k; i++) {
        const name = `worker-${++workerNo}`;
        const flags = [...(workerOpts.nodeOptions ?? []), ...(workerOpts.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", workerOpts.cpuProfDir] : [])];
        // The worker as deployed (its `start` script): node on the bundle, so the pid measured is the worker itself.
        const worker = spawnChild(name, process.execPath, [...flags, "apps/worker/dist/main.mjs"], { ...spawnOpts, env: { ...spawnOpts.env, ...workerOpts.env } });
        live.add(worker);
        started.push(worker);
      }
      await Promise.all(started.map((w) => w.waitForLine(/worker ready, waiting for jobs/, 60_000)));
      return started;
    },
    async stopWorkers(workers) {
      await Promise.all(workers.map((w) => w.stop()));
      for (const w of workers) live.delete(w);
    },
    async cpu() {
      const backends = await db.$queryRaw<{ pid: number }[]>`
        SELECT pid FROM pg_stat_activity WHERE datname = ${database.name} AND pid <> pg_backend_pid()`;
      return {
        workers: new Map([...live].map((w) => [w.pid, cpuSeconds(w.pid) ?? 0])),
        postgres: new Map(backends.map((b) => [b.pid, cpuSeconds(b.pid) ?? 0])),
        simulators: cpuSeconds(simulators.pid) ?? 0,
        web: cpuSeconds(web.pid) ?? 0,
      };
    },
  };
}
