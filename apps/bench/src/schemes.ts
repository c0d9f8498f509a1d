// `npm run bench -- --schemes K` (issue #16 item 5): K schemes of 500 shops each on a once-a-minute
// schedule, run by `--workers` processes for `--minutes`; then whether every tick ran once, how long
// from the cron slot to the run's start, whether 金蝶 holds every shop exactly once, and how fast
// Postgres grows. See README.md ("Many schemes") for the decisions.
import { readFileSync } from "node:fs";
import { seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { runRetention } from "@qiao/db";
import { createGuanyiSimulator } from "@qiao/simulators";
import type { BenchOptions } from "./args";
import { RssSampler, statusMb, waitUntil } from "./processes";
import { analyseTicks, minuteSlots, partitionWindows, perDay, slotOfKey, type ShopWindow, type TickAnalysis } from "./schemes-ticks";
import { startStack, type Stack, type Teardown } from "./stack";

export const SHOPS_PER_SCHEME = 500;
const EVERY_MINUTE = "* * * * *";

export interface SchemesReport extends TickAnalysis {
  count: number;
  shops_per_scheme: number;
  minutes: number;
  workers: number;
  worker_concurrency: number;
  /** Shops that must be in 金蝶, found there once, missing, more than once, numbers of no window; duplicate create attempts. */
  records: { expected: number; in_kingdee: number; written_by_runs: number; unexpected: number };
  duplicates: number;
  lost: number;
  /** From the first slot until its last run finished (every scheme's shops written at once). */
  first_tick_s: number | null;
  /** Bytes of the database a day at the rate of the ticks after the first, and per table. */
  pg_growth_bytes_per_day: number;
  pg_tables_bytes_per_day: Record<string, number>;
  pg_bytes: { before_first_tick: number; after_first_tick: number; end: number };
  /**
   * The worker's RUN_RETENTION_DAYS and RUN_RETENTION_QUIET_DAYS, the share of the runs after the
   * first tick that were quiet (scheduled, succeeded, changed nothing: pruned after the quiet days),
   * and the database's size once pruning keeps up (estimate: the growth, its quiet share kept for the
   * quiet days, the rest for the retention days).
   */
  retention_days: number;
  retention_quiet_days: number;
  quiet_run_share: number;
  pg_bytes_at_retention: number;
  worker_peak_rss_mb: number;
  cpu_s: { workers: number; postgres: number; simulators: number; web: number };
}

export interface SchemesBenchFile {
  startedAt: string;
  machine: { cores: number; cpu: string; node: string; platform: string };
  commit: string;
  schemes: SchemesReport;
  logs: string;
  notes: string[];
}

type Say = (line: string) => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The windows the simulator's shops fall into, computed from the same generator (same count, default seed). */
function shopWindows(count: number): ShopWindow[] {
  const shops = count * SHOPS_PER_SCHEME;
  const { state } = createGuanyiSimulator({ shops, items: 0, deliveries: 0 });
  const sorted = state.shops.query({}, 0, shops).shops.map((s) => ({ code: s.code, modifyDate: s.modify_date }));
  return partitionWindows(sorted, count, SHOPS_PER_SCHEME);
}

function windowDefinition(ids: { sourceConnectionId: string; targetConnectionId: string }, opts: BenchOptions, w: ShopWindow): SchemeDefinition {
  const def = seedSchemeDefinition(ids);
  def.schedule = { cron: EVERY_MINUTE, enabled: false };
  for (const node of def.nodes) {
    if (node.type === "source") {
      node.config.pageSize = opts.pageSize;
      node.config.params.modify_start_date = w.from;
      node.config.params.modify_end_date = w.to;
    } else if (node.type === "target") node.config.batchSize = opts.batchSize;
  }
  return def;
}

async function inBatches<T>(items: T[], size: number, each: (item: T, i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map((item, j) => each(item, i + j)));
}

async function tableBytes(stack: Stack): Promise<{ total: number; tables: Map<string, number> }> {
  const rows = await stack.db.$queryRaw<{ name: string; bytes: bigint }[]>`
    SELECT relname AS name, pg_total_relation_size(oid) AS bytes FROM pg_class
    WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace`;
  const [{ total }] = await stack.db.$queryRaw<[{ total: bigint }]>`SELECT pg_database_size(current_database()) AS total`;
  return { total: Number(total), tables: new Map(rows.map((r) => [r.name, Number(r.bytes)])) };
}

async function activeRuns(stack: Stack): Promise<number> {
  return stack.db.run.count({ where: { status: { in: ["queued", "running"] } } });
}

/** The concurrency a worker says it runs with, from its "worker ready" log line (once the log file has it). */
async function readyConcurrency(logFile: string): Promise<number> {
  let concurrency: number | undefined;
  await waitUntil(`the "worker ready" line in ${logFile}`, 10_000, async () => {
    const line = readFileSync(logFile, "utf8").split("\n").find((l) => l.includes("worker ready"));
    const parsed = line ? (JSON.parse(line) as { concurrency?: unknown }).concurrency : undefined;
    if (typeof parsed === "number") concurrency = parsed;
    return concurrency !== undefined;
  });
  return concurrency!;
}

/**
 * CPU seconds of the stack over a long stretch: Postgres backends come and go (the pools close idle
 * connections), so they are sampled as it goes; a backend born and gone between two samples is missed.
 */
class CpuTracker {
  private readonly base = new Map<string, number>();
  private readonly last = new Map<string, number>();

  constructor(private readonly stack: Stack) {}

  async sample(initial = false): Promise<void> {
    const snap = await this.stack.cpu();
    const seen: [string, number][] = [
      ...[...snap.workers].map(([pid, s]) => [`workers:${pid}`, s] as [string, number]),
      ...[...snap.postgres].map(([pid, s]) => [`postgres:${pid}`, s] as [string, number]),
      ["simulators:0", snap.simulators],
      ["web:0", snap.web],
    ];
    for (const [key, s] of seen) {
      if (!this.base.has(key)) this.base.set(key, initial ? s : 0);
      this.last.set(key, s);
    }
  }

  totals(): SchemesReport["cpu_s"] {
    const out = { workers: 0, postgres: 0, simulators: 0, web: 0 };
    for (const [key, s] of this.last) out[key.split(":")[0] as keyof typeof out] += s - (this.base.get(key) ?? 0);
    return out;
  }
}

async function untilMs(at: number): Promise<void> {
  if (at > Date.now()) await sleep(at - Date.now());
}

export async function benchSchemes(
  opts: BenchOptions,
  credentials: { guanyi: Record<string, unknown>; kingdee: Record<string, unknown> },
  teardown: Teardown,
  say: Say,
): Promise<{ report: SchemesReport; logs: string; notes: string[] }> {
  const count = opts.schemes!;
  const notes: string[] = [];
  const windows = shopWindows(count);
  const expected = windows.reduce((n, w) => n + w.codes.length, 0);
  const stack = await startStack({ shops: count * SHOPS_PER_SCHEME, qps: opts.qps, skipBuild: opts.skipBuild, label: "schemes", teardown, say });
  const { api, sims } = stack;

  const ids = {
    sourceConnectionId: await api.createConnection({ platform: "guanyi", name: "管易云（基准测试模拟器）", baseUrl: stack.guanyiUrl, credentials: credentials.guanyi }),
    targetConnectionId: await api.createConnection({ platform: "kingdee", name: "金蝶云星空（基准测试模拟器）", baseUrl: stack.kingdeeUrl, credentials: credentials.kingdee }),
  };
  say(`schemes: creating ${count} schemes of ${SHOPS_PER_SCHEME} shops (one modify_date window each), schedule "${EVERY_MINUTE}" switched off`);
  const schemeIds: string[] = new Array<string>(count);
  await inBatches(windows, 8, async (w, i) => {
    schemeIds[i] = await api.createScheme({ name: `基准测试 ${i + 1}/${count}：${w.from} — ${w.to}`, definition: windowDefinition(ids, opts, w) });
  });

  const workers = await stack.startWorkers(opts.workers, {
    nodeOptions: opts.workerNodeOptions,
    env: {
      ...(opts.workerConcurrency !== undefined && { WORKER_CONCURRENCY: String(opts.workerConcurrency) }),
      ...(opts.workerRecordBudget !== undefined && { WORKER_RECORD_BUDGET: String(opts.workerRecordBudget) }),
    },
  });
  const concurrency = await readyConcurrency(workers[0]!.logFile);
  const sampler = new RssSampler(workers.map((w) => w.pid), 1000);
  // Switch every schedule on early in a minute, so that they all have the same first slot.
  if (new Date().getSeconds() > 30) await untilMs(Math.ceil(Date.now() / 60_000) * 60_000 + 2_000);
  say(`schemes: switching ${count} schedules on (${opts.workers} workers, WORKER_CONCURRENCY ${concurrency})`);
  await inBatches(schemeIds, 8, (id) => api.setEnabled(id, true));
  const enabledAt = Date.now();
  const slots = minuteSlots(enabledAt + 1, Math.ceil(enabledAt / 60_000) * 60_000 + (opts.minutes - 1) * 60_000);
  const first = slots[0]!;
  const last = slots[slots.length - 1]!;
  say(`schemes: ${slots.length} ticks expected, ${new Date(first).toISOString()} … ${new Date(last).toISOString()}`);

  const cpu = new CpuTracker(stack);
  await cpu.sample(true);
  await untilMs(first - 1_000);
  const beforeFirst = await tableBytes(stack);
  let afterFirst: { at: number; sizes: Awaited<ReturnType<typeof tableBytes>> } | null = null;
  let firstTickS: number | null = null;
  // Watch until the last slot has fired and its runs have been created (sampling CPU as it goes).
  while (Date.now() < last + 20_000) {
    await sleep(Math.min(5_000, Math.max(0, (afterFirst || firstTickS === null || slots.length < 2 ? Infinity : slots[1]! - 1_000) - Date.now())));
    await cpu.sample();
    if (firstTickS !== null && !afterFirst && (slots.length < 2 || Date.now() >= slots[1]! - 1_000)) {
      // The growth is measured from just before the second tick: the first one's writes are the initial load.
      afterFirst = { at: Date.now(), sizes: await tableBytes(stack) };
      continue;
    }
    const [done, active] = [await stack.db.run.count({ where: { trigger: "schedule", status: { notIn: ["queued", "running"] } } }), await activeRuns(stack)];
    say(`schemes: ${done} scheduled runs finished, ${active} active; worker RSS ${workers.map((w) => (statusMb(w.pid, "VmRSS") ?? 0).toFixed(0)).join(" / ")} MB`);
    if (firstTickS === null && Date.now() > first && active === 0 && done >= count) {
      const lastFinished = await stack.db.run.aggregate({ _max: { finishedAt: true } });
      firstTickS = lastFinished._max.finishedAt ? (lastFinished._max.finishedAt.getTime() - first) / 1000 : NaN;
    }
  }
  say("schemes: switching the schedules off, waiting for the last runs");
  await inBatches(schemeIds, 8, (id) => api.setEnabled(id, false));
  const drainDeadline = Date.now() + 300_000;
  while ((await activeRuns(stack)) > 0 && Date.now() < drainDeadline) await sleep(1_000);
  // The end sample: a whole number of minutes after the one before the second tick.
  while (Date.now() < last + 59_000) {
    await sleep(Math.min(5_000, last + 59_000 - Date.now()));
    await cpu.sample();
  }
  const end = { at: Date.now(), sizes: await tableBytes(stack) };
  await cpu.sample();
  const peaks = sampler.stop();
  const peakRssMb = Math.max(...workers.map((w) => Math.max(peaks.get(w.pid) ?? 0, statusMb(w.pid, "VmHWM") ?? 0)));
  await stack.stopWorkers(workers);

  const rows = await stack.db.run.findMany({
    where: { trigger: "schedule" },
    select: { schemeId: true, idempotencyKey: true, createdAt: true, startedAt: true, status: true, written: true, failed: true, unknown: true, saved: true, waiting: true },
  });
  const ticks = analyseTicks(
    rows.map((r) => ({ schemeId: r.schemeId, slotMs: slotOfKey(r.idempotencyKey), createdMs: r.createdAt.getTime(), startedMs: r.startedAt?.getTime() ?? null, status: r.status })),
    schemeIds,
    slots,
  );

  // The ledger: every window's shops in 金蝶 exactly once, nothing else.
  const numbers = new Map<string, number>();
  for (const c of await sims.kingdeeRecords("BD_Customer")) numbers.set(String(c.FNumber), (numbers.get(String(c.FNumber)) ?? 0) + 1);
  const all = new Set(windows.flatMap((w) => w.codes));
  let lost = 0;
  let doubled = 0;
  for (const code of all) {
    const n = numbers.get(code) ?? 0;
    if (n === 0) lost++;
    if (n > 1) doubled += n - 1;
  }
  const unexpected = [...numbers.keys()].filter((k) => !all.has(k)).length;
  const stats = await sims.kingdeeStats();

  const base = afterFirst ?? { at: first - 1_000, sizes: beforeFirst };
  const growth = perDay(base.sizes.total, end.sizes.total, end.at - base.at);
  const tables = Object.fromEntries(
    [...end.sizes.tables]
      .map(([name, bytes]) => [name, perDay(base.sizes.tables.get(name) ?? 0, bytes, end.at - base.at)] as const)
      .filter(([, b]) => b !== 0)
      .sort((a, b) => b[1] - a[1]),
  );
  if (!afterFirst) notes.push("the first tick's runs did not all finish before the end: growth is measured from before the first tick");
  if (slots.length < 3) notes.push("fewer than 3 ticks: the growth rate rests on one or two minutes");
  const { days: retentionDays, quietDays } = runRetention();
  // The runs the growth was measured over, and how many of them pruning takes at the quiet days.
  const steady = rows.filter((r) => r.createdAt.getTime() >= base.at);
  const quiet = steady.filter((r) => r.status === "succeeded" && r.written + r.failed + r.unknown + r.saved + r.waiting === 0).length;
  const quietShare = steady.length > 0 ? quiet / steady.length : 0;
  const report: SchemesReport = {
    count,
    shops_per_scheme: SHOPS_PER_SCHEME,
    minutes: slots.length,
    workers: opts.workers,
    worker_concurrency: concurrency,
    ...ticks,
    records: { expected, in_kingdee: numbers.size, written_by_runs: rows.reduce((n, r) => n + r.written, 0), unexpected },
    duplicates: stats.duplicateAttempts + doubled,
    lost,
    first_tick_s: firstTickS,
    pg_growth_bytes_per_day: growth,
    pg_tables_bytes_per_day: tables,
    pg_bytes: { before_first_tick: beforeFirst.total, after_first_tick: base.sizes.total, end: end.sizes.total },
    retention_days: retentionDays,
    retention_quiet_days: quietDays,
    quiet_run_share: quietShare,
    pg_bytes_at_retention: base.sizes.total + Math.max(0, growth) * (quietShare * quietDays + (1 - quietShare) * retentionDays),
    worker_peak_rss_mb: peakRssMb,
    cpu_s: cpu.totals(),
  };
  return { report, logs: stack.logDir, notes };
}
