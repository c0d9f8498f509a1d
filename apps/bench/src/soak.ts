// `npm run soak -- --minutes N` (issue 7): two schemes scheduled every 5 seconds (6-field cron) —
// 客户新增 (create) reading everything, and an upsert reading incrementally from LAST_SYNC_TIME — run
// by worker processes against the simulators while the world misbehaves: random 5xx, dropped
// answers, saves that commit after the worker timed out, expiring sessions, throttling and malformed pages; shops added and renamed between runs;
// workers SIGKILLed or stopped; their Postgres connections killed. Then the faults stop, a last run
// of each scheme drains what is left, and every shop is accounted for. Exits 1 on any duplicate or
// lost record. Its own database and Redis prefix, removed at the end. Not part of `npm test`.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { config, createPrisma, type Db, type RunStatus } from "@qiao/db";
import { createTestDatabase } from "@qiao/db/testing";
import { ledgerOf, simulate, simulatorShops, type LedgerReport, type Simulated } from "@qiao/engine/testing";
import { createRunQueue, deleteRedisPrefix, requestRun, syncSchemeSchedule } from "@qiao/jobs";
import { runToEnd, waitUntil } from "./processes";
import { seededRandom } from "@qiao/simulators";
import { Chaos } from "./soak/chaos";
import { WorkerPool } from "./soak/workers";
import { ROOT, Teardown } from "./stack";

const USAGE = `npm run soak -- [--minutes 2] [--shops 300] [--workers 2] [--concurrency 2] [--seed n]`;
const EVERY_5_SECONDS = "*/5 * * * * *";
const WORKER_APP = "qiao-soak-worker";

const { values: args } = parseArgs({
  options: {
    minutes: { type: "string", default: "2" },
    shops: { type: "string", default: "300" },
    workers: { type: "string", default: "2" },
    // The 金蝶 connection's concurrent calls (docs/concurrent-calls.md): batches in flight per run.
    concurrency: { type: "string", default: "2" },
    seed: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const minutes = Number(args.minutes);
const shops = Number(args.shops);
const workerCount = Number(args.workers);
const concurrency = Number(args.concurrency);
const seed = args.seed !== undefined ? Number(args.seed) : Math.floor(Math.random() * 2 ** 31);
if (![minutes, shops, workerCount, concurrency, seed].every(Number.isFinite) || minutes <= 0 || shops < 1 || workerCount < 1 || concurrency < 1 || concurrency > 16) {
  console.error(USAGE);
  process.exit(2);
}

const started = Date.now();
const say = (line: string) => console.log(`[soak ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface SchemeUnderTest {
  id: string;
  label: string;
  mode: "create" | "upsert";
  numberOf: (shop: { code: string }) => string;
}

async function createSchemes(sim: Simulated): Promise<SchemeUnderTest[]> {
  const create = await sim.createScheme((def) => {
    for (const node of def.nodes) if (node.type === "target") node.config.batchSize = 50;
    def.schedule = { cron: EVERY_5_SECONDS, enabled: true };
  });
  const upsert = await sim.createScheme((def) => {
    for (const node of def.nodes) {
      if (node.type === "source") node.config.params.modify_start_date = "{{LAST_SYNC_TIME datetime}}";
      if (node.type === "target") {
        node.config.mode = "upsert";
        node.config.batchSize = 50;
        node.config.mapping.FNumber = "U{{code}}";
      }
    }
    def.schedule = { cron: EVERY_5_SECONDS, enabled: true };
  });
  return [
    { id: create.id, label: "客户新增 (create, full read)", mode: "create", numberOf: (s) => s.code },
    { id: upsert.id, label: "upsert (incremental read)", mode: "upsert", numberOf: (s) => `U${s.code}` },
  ];
}

async function setSchedule(db: Db, queue: ReturnType<typeof createRunQueue>, schemeId: string, enabled: boolean): Promise<void> {
  const scheme = await db.scheme.update({ where: { id: schemeId }, data: { cron: EVERY_5_SECONDS, timezone: "Asia/Shanghai", enabled } });
  await syncSchemeSchedule(queue, scheme);
}

async function runCounts(db: Db): Promise<Record<string, number>> {
  const groups = await db.run.groupBy({ by: ["status"], _count: { _all: true } });
  return Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
}

const finished = (counts: Record<string, number>) =>
  (["succeeded", "partial", "failed", "cancelled"] as RunStatus[]).reduce((n, s) => n + (counts[s] ?? 0), 0);

/** Customers of an upsert scheme whose name is not the shop's current one (an update that never arrived). */
function staleUpdates(sim: Simulated, scheme: SchemeUnderTest, report: LedgerReport): string[] {
  const failed = new Set(report.failed.map((f) => f.sourceId));
  const names = new Map(sim.kingdee.store.list().map((c) => [String(c.FNumber), c.FName]));
  return simulatorShops(sim.guanyi)
    .filter((shop) => !failed.has(String(shop.id)) && names.has(scheme.numberOf(shop)) && names.get(scheme.numberOf(shop)) !== shop.name)
    .map((shop) => `${scheme.numberOf(shop)}: 金蝶 "${String(names.get(scheme.numberOf(shop)))}", 管易云 "${shop.name}"`);
}

async function main(): Promise<number> {
  const teardown = new Teardown();
  process.once("SIGINT", () => void teardown.run().then(() => process.exit(130)));
  try {
    const cfg = config();
    const stamp = `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
    const prefix = `qiao-soak:${stamp}`;
    const logDir = join(tmpdir(), `qiao-soak-${stamp}`);
    mkdirSync(logDir, { recursive: true });
    say(`${minutes} min, ${shops} shops, ${workerCount} workers, 金蝶 concurrent calls ${concurrency}, seed ${seed}; logs in ${logDir}`);

    const database = await createTestDatabase("soak");
    teardown.add("drop the database", () => database.drop());
    teardown.add("delete the Redis prefix", () => deleteRedisPrefix(cfg.REDIS_URL, prefix));
    const db = createPrisma(database.url, 4);
    teardown.add("disconnect", () => db.$disconnect());
    const sim = await simulate(db, { shops, seed, concurrency });
    teardown.add("stop the simulators", () => sim.close());
    const queue = createRunQueue({ REDIS_URL: cfg.REDIS_URL, REDIS_PREFIX: prefix });
    queue.on("error", () => undefined);
    teardown.add("close the queue", () => queue.close());

    const workerDbUrl = new URL(database.url);
    workerDbUrl.searchParams.set("application_name", WORKER_APP);
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(GUANYI_SIM_|KINGDEE_SIM_|WORKER_|E2E_)/.test(k)));
    const pool = new WorkerPool({
      cwd: ROOT,
      logDir,
      env: {
        ...env,
        DATABASE_URL: workerDbUrl.toString(),
        REDIS_URL: cfg.REDIS_URL,
        REDIS_PREFIX: prefix,
        WORKER_CONCURRENCY: "2",
        WORKER_LOCK_DURATION_MS: "3000",
        WORKER_STALLED_INTERVAL_MS: "1000",
        WORKER_RECONCILE_INTERVAL_MS: "2000",
        WORKER_RECONCILE_AFTER_MS: "5000",
        WORKER_CONNECTION_QPS: "1000",
        // Slow commits (up to 5 s) outlast the call's timeout, and the lookup waits them out.
        WORKER_CONNECTOR_TIMEOUT_MS: "2000",
        QIAO_UNKNOWN_OUTCOME_WAIT_S: "8",
        LOG_LEVEL: "info",
      },
    });
    teardown.add("stop the workers", () => pool.stopAll());

    const schemes = await createSchemes(sim);
    for (const s of schemes) await setSchedule(db, queue, s.id, true);
    // The workers run as deployed (`npm start`): the bundle, built from the sources as they are.
    await runToEnd("worker-build", "npm", ["run", "-s", "build", "-w", "@qiao/worker"], { cwd: ROOT, logDir, env });
    await pool.start(workerCount);
    say(`schemes scheduled every 5 s: ${schemes.map((s) => s.label).join("; ")}`);

    // ---- chaos until the time is up
    const chaos = new Chaos(seededRandom(seed), sim.guanyi, sim.kingdee);
    let connectionsKilled = 0;
    const deadline = started + minutes * 60_000;
    let nextProgress = Date.now() + 15_000;
    while (Date.now() < deadline) {
      await sleep(1500 + chaos.random() * 2500);
      chaos.churnShops();
      if (chaos.chance(0.35)) chaos.shuffleFaults();
      if (chaos.chance(0.07)) await pool.stopOne((w) => chaos.pick(w), "SIGKILL");
      else if (chaos.chance(0.03)) await pool.stopOne((w) => chaos.pick(w), "SIGTERM");
      await pool.refill(workerCount);
      if (chaos.chance(0.08)) {
        const [{ n }] = await db.$queryRaw<[{ n: number }]>`
          SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = ${WORKER_APP} AND datname = current_database()`;
        if (n > 0) connectionsKilled++;
      }
      if (Date.now() >= nextProgress) {
        nextProgress += 15_000;
        const counts = await runCounts(db);
        say(`runs done ${finished(counts)} (${JSON.stringify(counts)}), 金蝶 customers ${sim.kingdee.stats().customers}, shops ${sim.guanyi.state.shops.size}`);
      }
    }

    // ---- drain: faults off, schedules off, the active runs end, then last runs until nothing is left
    say("time is up: faults off, schedules off, draining");
    chaos.heal();
    await pool.refill(workerCount);
    for (const s of schemes) await setSchedule(db, queue, s.id, false);
    await waitUntil("the active runs to end", 300_000, async () => (await db.run.count({ where: { status: { in: ["queued", "running"] } } })) === 0);
    for (let pass = 1; pass <= 4; pass++) {
      const trigger = pass === 2 ? "retry" : "manual";
      const runs = await Promise.all(
        schemes.map((s) => requestRun(db, queue, { schemeId: s.id, trigger, ...(trigger === "retry" && { options: { scope: "scheme" } }) })),
      );
      await waitUntil(`drain pass ${pass}`, 300_000, async () => (await db.run.count({ where: { id: { in: runs.map((r) => r.id) }, status: { in: ["queued", "running"] } } })) === 0);
      const done = await db.run.findMany({ where: { id: { in: runs.map((r) => r.id) } } });
      const open = await db.sourceRecord.count({ where: { status: { in: ["pending", "sending", "unknown"] } } });
      say(`drain pass ${pass} (${trigger}): ${done.map((r) => `${r.status}, ${r.written} written, ${r.failed} failed`).join("; ")}; ${open} records still pending, sending or unknown`);
      if (pass >= 3 && open === 0 && done.every((r) => r.status === "succeeded" || r.status === "partial") && done.every((r) => r.written === 0)) break;
    }

    // ---- the account
    const counts = await runCounts(db);
    const moved = (await db.run.aggregate({ _sum: { written: true } }))._sum.written ?? 0;
    const kd = sim.kingdee.stats();
    const gy = sim.guanyi.state.stats;
    let lost = 0;
    let stale = 0;
    let duplicates = kd.duplicateAttempts;
    const lines: string[] = [];
    for (const s of schemes) {
      const report = await ledgerOf(db, sim, s.id, { numberOf: s.numberOf, mode: s.mode });
      const notUpdated = s.mode === "upsert" ? staleUpdates(sim, s, report) : [];
      lost += report.lost.length + report.inconsistent.length;
      stale += notUpdated.length;
      duplicates += report.duplicates.length;
      const reasons = new Map<string, number>();
      for (const f of report.failed) reasons.set(f.reason.slice(0, 60), (reasons.get(f.reason.slice(0, 60)) ?? 0) + 1);
      lines.push(
        `  ${s.label}: ${report.shops} shops — ${report.written} written exactly once, ${report.failed.length} listed failed with a reason, ` +
          `${report.lost.length + report.inconsistent.length} lost` +
          (s.mode === "upsert" ? `, ${notUpdated.length} updates not applied` : ""),
        ...[...reasons].map(([reason, n]) => `      failed × ${n}: ${reason}`),
        ...[...report.lost, ...report.inconsistent].slice(0, 10).map((p) => `      LOST ${p.sourceId} (${p.number}): ${p.why}`),
        ...notUpdated.slice(0, 10).map((line) => `      NOT UPDATED ${line}`),
        ...report.duplicates.slice(0, 10).map((d) => `      DUPLICATE ${d.number} × ${d.copies}`),
      );
    }
    const injectedKd = Object.entries(kd.faultsInjected).map(([k, v]) => `${k} ${v}`).join(", ");
    const injectedGy = Object.entries(gy.errorsInjected).map(([k, v]) => `${k} ${v}`).join(", ");
    console.log("");
    console.log(`soak: ${((Date.now() - started) / 60_000).toFixed(1)} min (seed ${seed}), ${workerCount} worker processes`);
    console.log(`runs done: ${finished(counts)} (${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(", ")})`);
    // Why runs failed (a fault the connectors' retries did not outlast, say): the next run takes over.
    const failedRuns = await db.run.groupBy({ by: ["error"], where: { status: "failed" }, _count: { _all: true } });
    for (const f of failedRuns) console.log(`      failed × ${f._count._all}: ${(f.error ?? "(no reason)").slice(0, 160)}`);
    console.log(`records moved: ${moved} written to 金蝶 (creates and updates); 金蝶 holds ${kd.customers} customers`);
    console.log(`shops: ${sim.guanyi.state.shops.size} (${shops} generated, ${chaos.counts.added} added, ${chaos.counts.modified} modifications of which ${chaos.counts.blanked} blank names)`);
    const unknownRecords = await db.runOutcome.count({ where: { response: { path: ["lookedUp"], equals: true } } });
    console.log(`unknown outcomes: ${kd.slowCommits} slow commits; ${unknownRecords} records looked up after the wait (none resent before)`);
    console.log(`faults: 金蝶 ${injectedKd || "none"}, ${kd.logins} logins; 管易云 ${injectedGy}, throttled ${gy.throttled}; fault settings changed ${chaos.counts.faultChanges}×`);
    console.log(`        workers SIGKILLed ${pool.counts.killed}, stopped ${pool.counts.stopped}; worker Postgres connections killed ${connectionsKilled}×`);
    for (const line of lines) console.log(line);
    console.log(`duplicates: ${duplicates} (must be 0: 金蝶 duplicate create attempts ${kd.duplicateAttempts})`);
    console.log(`lost records: ${lost} (must be 0)${stale > 0 ? `; updates not applied: ${stale} (must be 0)` : ""}`);
    const ok = duplicates === 0 && lost === 0 && stale === 0 && finished(counts) > 0;
    console.log(ok ? "OK" : `FAILED — worker logs in ${logDir}`);
    return ok ? 0 : 1;
  } finally {
    await teardown.run();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
