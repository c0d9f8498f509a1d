// `npm run bench`: the platform against the bare-HTTP floor, memory, no-op and incremental reruns,
// and scale-out, on a stack of its own (see README.md). Prints tables; writes results/<time>.json.
// `--scheme deliveries` runs the documents benchmark instead (src/deliveries.ts).
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { seedSchemeDefinition, type SchemeDefinition, type SourceNode, type TargetNode } from "@qiao/core";
import { parseBenchArgs, USAGE, type BenchOptions } from "./args";
import { benchDeliveries } from "./deliveries";
import { runFloor, type FloorResult } from "./floor";
import { latencySweep, profileUsed } from "./latency";
import { measureRun } from "./measure";
import { RssSampler, statusMb } from "./processes";
import { checkGoals, formatReport, pgUsPerRecord, walBytesPerRecord, type BenchReport, type RunMeasure, type ScaleOutMeasure } from "./report";
import { formatDeliveriesReport, type DeliveriesBenchFile } from "./report-deliveries";
import { formatSchemesReport } from "./report-schemes";
import { benchSchemes, type SchemesBenchFile } from "./schemes";
import { ROOT, startStack, Teardown, type Stack } from "./stack";

const RESULTS_DIR = fileURLToPath(new URL("../results", import.meta.url));

const GUANYI_CREDENTIALS = { appkey: "112194", sessionkey: "754a424bb6874a1fb8a7371f05e83974", secret: "7d3330562019420da7f3098aa630556b" };
const KINGDEE_CREDENTIALS = { authType: "password", acctId: "qiao-demo", username: "administrator", password: "888888", lcid: 2052 };

const say = (line: string) => console.error(`[bench] ${line}`);

const machine = (): BenchReport["machine"] => ({ cores: cpus().length, cpu: cpus()[0]?.model ?? "unknown", node: process.version, platform: `${process.platform}-${process.arch}` });

function gitCommit(): string {
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain"], { cwd: ROOT, encoding: "utf8" }).trim() !== "";
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return "unknown";
  }
}

/** The seed's scheme (管易云店铺查询 → 金蝶客户新增) with the benchmark's page and batch sizes. */
function benchDefinition(ids: { sourceConnectionId: string; targetConnectionId: string }, opts: BenchOptions): SchemeDefinition {
  const def = seedSchemeDefinition(ids);
  for (const node of def.nodes) {
    if (node.type === "source") node.config.pageSize = opts.pageSize;
    else if (node.type === "target") node.config.batchSize = opts.batchSize;
  }
  return def;
}

function withChange(def: SchemeDefinition, change: (d: SchemeDefinition) => void): SchemeDefinition {
  const copy = structuredClone(def);
  change(copy);
  return copy;
}

const sourceOf = (d: SchemeDefinition) => d.nodes.find((n): n is SourceNode => n.type === "source")!.config;
const targetOf = (d: SchemeDefinition) => d.nodes.find((n): n is TargetNode => n.type === "target")!.config;

/** The latest earlier result with another N, the same sizes, worker flags and latency profile (for "RSS flat in N"). */
function otherN(report: { n: number; options: BenchOptions }): BenchReport["rss_other_n"] {
  let best: { n: number; worker_peak_rss_mb: number; file: string; at: string } | null = null;
  for (const file of readdirSync(RESULTS_DIR).filter((f) => f.endsWith(".json"))) {
    try {
      const r = JSON.parse(readFileSync(join(RESULTS_DIR, file), "utf8")) as BenchReport;
      if (!("platform_records_per_s" in r)) continue; // a deliveries result
      if ((r.latency_profile?.name ?? "none") !== report.options.latency) continue; // RSS under another latency profile
      const sameFlags = (r.options.workerNodeOptions ?? []).join(" ") === report.options.workerNodeOptions.join(" ");
      if (r.n === report.n || r.options.pageSize !== report.options.pageSize || r.options.batchSize !== report.options.batchSize || !sameFlags) continue;
      if (!best || r.startedAt > best.at) best = { n: r.n, worker_peak_rss_mb: r.worker_peak_rss_mb, file, at: r.startedAt };
    } catch {
      // Not one of ours.
    }
  }
  return best && { n: best.n, worker_peak_rss_mb: best.worker_peak_rss_mb, file: best.file };
}

interface Sequence {
  runs: RunMeasure[];
  full: RunMeasure;
  noopFull: RunMeasure;
  noopIncremental: RunMeasure;
  incremental: RunMeasure;
  changed: number;
  customers: number;
  duplicates: number;
  peakRssMb: number;
  idleRssMb: number;
  bytes: { staging: number; runRecords: number };
}

/** Full sync, no-op reruns (full read, then incremental), then 1 % changed in upsert mode. */
async function mainSequence(stack: Stack, opts: BenchOptions, definition: SchemeDefinition): Promise<Sequence> {
  const { api, sims, db } = stack;
  const timeoutMs = Math.max(300_000, opts.n * 20);
  say(`main: starting ${opts.workers} worker process(es)`);
  const workers = await stack.startWorkers(opts.workers, { nodeOptions: opts.workerNodeOptions, ...(opts.cpuProf && { cpuProfDir: opts.cpuProf }) });
  const idleRssMb = Math.max(...workers.map((w) => statusMb(w.pid, "VmRSS") ?? 0));
  const sampler = new RssSampler(workers.map((w) => w.pid));
  const schemeId = await api.createScheme({ name: `基准测试 ${opts.n}：管易云店铺 → 金蝶客户`, definition });

  say(`main: full sync of ${opts.n} shops`);
  const full = await measureRun(stack, { label: "full sync", schemeId, workers, timeoutMs });
  const afterFull = await sims.kingdeeStats();
  const bytes = await bytesPerRecord(stack);
  say(`main: full sync ${full.status} in ${full.seconds.toFixed(2)} s; Kingdee holds ${afterFull.customers} customers, ${afterFull.duplicateAttempts} duplicate attempts`);

  say("main: no-op rerun, full read");
  const noopFull = await measureRun(stack, { label: "no-op, full read", schemeId, workers, timeoutMs });

  const incrementalDef = withChange(definition, (d) => {
    sourceOf(d).params.modify_start_date = "{{LAST_SYNC_TIME datetime}}";
  });
  await api.saveDefinition(schemeId, incrementalDef);
  say("main: no-op rerun, incremental read (modify_start_date = {{LAST_SYNC_TIME datetime}})");
  const noopIncremental = await measureRun(stack, { label: "no-op, incremental", schemeId, workers, timeoutMs });

  // Every 100th staged shop gets a new name (a mapped field: FName ← {{name}}).
  const staged = await db.$queryRaw<{ id: string; name: string }[]>`
    SELECT source_id AS id, data->>'name' AS name FROM source_records WHERE scheme_id = ${schemeId}::uuid ORDER BY id`;
  const picked = staged.filter((_, i) => i % 100 === 99).map((s) => ({ id: s.id, name: `${s.name}（已改名）` }));
  const changed = await sims.renameShops(picked);
  await api.saveDefinition(
    schemeId,
    withChange(incrementalDef, (d) => {
      targetOf(d).mode = "upsert";
    }),
  );
  say(`main: ${changed} shops renamed in Guanyi; incremental run in upsert mode`);
  const incremental = await measureRun(stack, { label: "1% changed, upsert", schemeId, workers, timeoutMs });
  const end = await sims.kingdeeStats();

  const peaks = sampler.stop();
  const peakRssMb = Math.max(...workers.map((w) => Math.max(peaks.get(w.pid) ?? 0, statusMb(w.pid, "VmHWM") ?? 0)));
  await stack.stopWorkers(workers);
  return {
    runs: [full, noopFull, noopIncremental, incremental],
    full,
    noopFull,
    noopIncremental,
    incremental,
    changed,
    customers: afterFull.customers,
    duplicates: end.duplicateAttempts,
    peakRssMb,
    idleRssMb,
    bytes,
  };
}

/**
 * Bytes of staging (the staged rows, and the target numbers they claimed: target_number_claims) and
 * of the RunRecords (run_records and the batch rows of written records), tables, indexes and TOAST,
 * per row: only the main scheme and its full sync exist yet.
 */
async function bytesPerRecord(stack: Stack): Promise<{ staging: number; runRecords: number }> {
  const [row] = await stack.db.$queryRaw<{ staging: number; runRecords: number }[]>`
    SELECT (pg_total_relation_size('source_records') + pg_total_relation_size('target_number_claims'))::float8
        / GREATEST(1, (SELECT count(*) FROM source_records)) AS staging,
      (pg_total_relation_size('run_records') + pg_total_relation_size('run_written_batches'))::float8
        / GREATEST(1, (SELECT count(*) FROM run_outcomes)) AS "runRecords"`;
  return row!;
}

/** One full sync with k worker processes, on a fresh Kingdee and a new scheme (fresh staging). */
async function scaleOut(stack: Stack, opts: BenchOptions, definition: SchemeDefinition, k: number): Promise<ScaleOutMeasure> {
  const { api, sims } = stack;
  await sims.resetKingdee();
  const schemeId = await api.createScheme({ name: `基准测试 ${opts.n}：${k} 个工作进程`, definition });
  const workers = await stack.startWorkers(k, { nodeOptions: opts.workerNodeOptions });
  try {
    say(`scale-out: full sync with ${k} worker process(es)`);
    const m = await measureRun(stack, { label: `full sync, ${k} workers`, schemeId, workers, timeoutMs: Math.max(300_000, opts.n * 20) });
    const stats = await sims.kingdeeStats();
    return {
      workers: k,
      seconds: m.seconds,
      recordsPerSecond: opts.n / m.seconds,
      customers: stats.customers,
      duplicates: stats.duplicateAttempts,
      workerCpuS: m.cpuS.workers,
      exact: m.status === "succeeded" && stats.customers === opts.n && stats.duplicateAttempts === 0,
    };
  } finally {
    await stack.stopWorkers(workers);
  }
}

async function bench(opts: BenchOptions, teardown: Teardown): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const stack = await startStack({ shops: opts.n, qps: opts.qps, skipBuild: opts.skipBuild, label: "bench", teardown, say, latencyProfile: opts.latency });
  const { api, sims } = stack;

  const sourceConnectionId = await api.createConnection({ platform: "guanyi", name: "管易云（基准测试模拟器）", baseUrl: stack.guanyiUrl, credentials: GUANYI_CREDENTIALS });
  // The main sequence makes one call at a time, as the (serial) floor beside it: its ratio is the
  // platform's own cost per record, comparable across versions; the latency sweep sets C.
  const targetConnectionId = await api.createConnection({
    platform: "kingdee",
    name: "金蝶云星空（基准测试模拟器）",
    baseUrl: stack.kingdeeUrl,
    credentials: { ...KINGDEE_CREDENTIALS, concurrency: 1 },
  });
  const definition = benchDefinition({ sourceConnectionId, targetConnectionId }, opts);
  const notes: string[] = [];

  let floor: FloorResult | null = null;
  let floorCpu = { client: 0, simulators: 0 };
  if (!opts.skipFloor) {
    say(`floor: ${opts.n} shops through the bare connector clients`);
    const simCpu = (await stack.cpu()).simulators;
    const clientCpu = process.cpuUsage();
    floor = await runFloor({
      definition,
      guanyi: { baseUrl: stack.guanyiUrl, credentials: GUANYI_CREDENTIALS },
      kingdee: { baseUrl: stack.kingdeeUrl, credentials: KINGDEE_CREDENTIALS },
      qps: opts.qps,
    });
    const used = process.cpuUsage(clientCpu);
    floorCpu = { client: (used.user + used.system) / 1e6, simulators: (await stack.cpu()).simulators - simCpu };
    const stats = await sims.kingdeeStats();
    say(`floor: ${floor.seconds.toFixed(2)} s, ${floor.recordsPerSecond.toFixed(0)} records/s; Kingdee holds ${stats.customers}`);
    if (stats.customers !== opts.n || floor.failed > 0) notes.push(`the floor left ${stats.customers} customers and ${floor.failed} failures (expected ${opts.n}, 0)`);
  }
  await sims.resetKingdee();

  const seq = await mainSequence(stack, opts, definition);
  const scale: ScaleOutMeasure[] = [];
  for (const k of opts.scale) {
    if (k === opts.workers) {
      // The main sequence's full sync already is this measurement (fresh Kingdee, fresh scheme).
      scale.push({
        workers: k,
        seconds: seq.full.seconds,
        recordsPerSecond: opts.n / seq.full.seconds,
        customers: seq.customers,
        duplicates: seq.duplicates,
        workerCpuS: seq.full.cpuS.workers,
        exact: seq.full.status === "succeeded" && seq.customers === opts.n && seq.duplicates === 0,
      });
      continue;
    }
    scale.push(await scaleOut(stack, opts, definition, k));
  }

  const credentials = { guanyi: GUANYI_CREDENTIALS, kingdee: KINGDEE_CREDENTIALS };
  const latency = opts.latency === "none" ? undefined : await latencySweep({ stack, opts, definition, targetConnectionId, credentials, say });
  const platform = opts.n / seq.full.seconds;
  const exact = seq.incremental.written === seq.changed && seq.incremental.failed === 0 && seq.changed === Math.floor(opts.n / 100);
  const partial: Omit<BenchReport, "goals"> = {
    startedAt,
    machine: machine(),
    commit: gitCommit(),
    n: opts.n,
    options: { workers: opts.workers, pageSize: opts.pageSize, batchSize: opts.batchSize, qps: opts.qps, workerNodeOptions: opts.workerNodeOptions },
    platform_records_per_s: platform,
    floor_records_per_s: floor ? floor.recordsPerSecond : null,
    ratio: floor ? platform / floor.recordsPerSecond : null,
    worker_peak_rss_mb: seq.peakRssMb,
    worker_idle_rss_mb: seq.idleRssMb,
    first_run_s: seq.full.seconds,
    pg_us_per_record: pgUsPerRecord(seq.full),
    pg_wal_bytes_per_record: walBytesPerRecord(seq.full),
    noop_full_read_s: seq.noopFull.seconds,
    noop_rerun_s: seq.noopIncremental.seconds,
    staging_bytes_per_record: Math.round(seq.bytes.staging),
    run_records_bytes_per_record: Math.round(seq.bytes.runRecords),
    incremental_1pct_s: seq.incremental.seconds,
    incremental_1pct: { changed: seq.changed, written: seq.incremental.written, exact },
    duplicates: seq.duplicates + scale.filter((s) => s.workers !== opts.workers).reduce((sum, s) => sum + s.duplicates, 0),
    customers_after_full_sync: seq.customers,
    phases_ms: seq.full.timingsMs,
    floor: floor && { seconds: floor.seconds, records: floor.records, written: floor.written, failed: floor.failed, phasesMs: floor.phasesMs, cpuS: floorCpu },
    runs: [...seq.runs],
    scale_out: scale,
    rss_other_n: otherN({ n: opts.n, options: opts }),
    logs: stack.logDir,
    notes,
    ...(latency && opts.latency !== "none" && { latency_profile: profileUsed(opts.latency), latency }),
  };
  if (scale.length > 1) {
    notes.push(
      "one run is one BullMQ job: extra worker processes idle during a single run (see their CPU seconds); the write phase is not yet split into child jobs (DESIGN.md, Runs)",
    );
  }
  return { ...partial, goals: checkGoals(partial) };
}

async function benchDocuments(opts: BenchOptions, teardown: Teardown): Promise<DeliveriesBenchFile> {
  const startedAt = new Date().toISOString();
  const { report, notes, logs } = await benchDeliveries(opts, { guanyi: GUANYI_CREDENTIALS, kingdee: KINGDEE_CREDENTIALS }, teardown, say);
  return { startedAt, machine: machine(), commit: gitCommit(), deliveries: report, logs, notes };
}

async function benchManySchemes(opts: BenchOptions, teardown: Teardown): Promise<SchemesBenchFile> {
  const startedAt = new Date().toISOString();
  const { report, notes, logs } = await benchSchemes(opts, { guanyi: GUANYI_CREDENTIALS, kingdee: KINGDEE_CREDENTIALS }, teardown, say);
  return { startedAt, machine: machine(), commit: gitCommit(), schemes: report, logs, notes };
}

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const teardown = new Teardown();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    say(`${signal}: stopping processes, dropping the database, deleting the Redis prefix`);
    void teardown.run().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const result = opts.schemes ? await benchManySchemes(opts, teardown) : opts.scheme === "deliveries" ? await benchDocuments(opts, teardown) : await bench(opts, teardown);
    const file = opts.out ?? join(RESULTS_DIR, `${result.startedAt.replaceAll(":", "-").replace(/\.\d+Z$/, "Z")}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log("schemes" in result ? formatSchemesReport(result) : "deliveries" in result ? formatDeliveriesReport(result) : formatReport(result));
    console.log(`\nJSON: ${file}`);
    return 0;
  } catch (error) {
    if (interrupted) return 130;
    console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    if (!interrupted) {
      say("cleaning up");
      await teardown.run();
    }
  }
}

process.exit(await main());
