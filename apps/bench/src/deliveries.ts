// `npm run bench -- --scheme deliveries`: documents with entry rows. On a stack of its own (N
// deliveries naming 200 shops and 500 items), 店铺→客户 and 商品→物料 run first through the REST API
// (timed and reported, not part of the numbers), then the 发货单→销售出库单 full sync is timed and its
// result checked in the 金蝶 simulator: exactly the expected bills and entry rows, 0 duplicate attempts.
// The floor is the bare script (src/floor-documents.ts) on a fresh 金蝶, before the platform runs.
import { DEMO_VALUE_MAPS, seedDeliveriesSchemeDefinition, seedItemsSchemeDefinition, seedSchemeDefinition, type SchemeDefinition, type SeedConnections } from "@qiao/core";
import { createGuanyiSimulator } from "@qiao/simulators";
import { DELIVERIES_DATASET, type BenchOptions } from "./args";
import { runDocumentsFloor, writeMasterData } from "./floor-documents";
import { measureRun } from "./measure";
import { RssSampler, statusMb } from "./processes";
import { checkDeliveriesGoals, deliveriesExact, type BillsFound, type DeliveriesExpected, type DeliveriesFloor, type DeliveriesReport } from "./report-deliveries";
import { startStack, type Stack, type Teardown } from "./stack";

/** The entry that carries a bill's rows (seedDeliveriesSchemeDefinition's entries). */
const ENTRY = "FEntity";
const BILL_FORM = "SAL_OUTSTOCK";

export interface Credentials {
  guanyi: Record<string, unknown>;
  kingdee: Record<string, unknown>;
}

/**
 * What the simulator child process generates (same counts, its default seed: the benchmark passes
 * no GUANYI_SIM_SEED) and what the scheme must make of it: the reading of documents.test.ts in
 * @qiao/engine — 作废 deliveries are hidden by the query, and so are those not shipped (the scheme
 * asks `delivery` 1, 发货成功), a delivery whose lines are all qty 0 has
 * no entry row (its record fails before any call), every other one is a bill with one row per
 * line of qty > 0.
 */
export function expectedDeliveries(n: number): DeliveriesExpected & { codes: Set<string> } {
  const { deliveries } = createGuanyiSimulator({ shops: DELIVERIES_DATASET.shops, items: DELIVERIES_DATASET.items, deliveries: n, orders: 0 }).state;
  const out = { deliveries: deliveries.size, cancelled: 0, unshipped: 0, rowless: 0, bills: 0, rows: 0, codes: new Set<string>() };
  for (let i = 0; i < deliveries.size; i++) {
    const d = deliveries.get(i);
    if (d.cancel !== 0) out.cancelled++;
    else if (d.delivery_statusInfo.delivery !== 2) out.unshipped++;
    else {
      const kept = d.details.filter((l) => l.qty > 0).length;
      if (kept === 0) out.rowless++;
      else {
        out.bills++;
        out.rows += kept;
        out.codes.add(d.code);
      }
    }
  }
  return out;
}

/** SAL_OUTSTOCK in the 金蝶 simulator: bills, entry rows, numbers that are not an expected code. */
async function billsFound(stack: Stack, codes: Set<string>): Promise<BillsFound> {
  const records = await stack.sims.kingdeeRecords(BILL_FORM);
  const stats = await stack.sims.kingdeeStats();
  let rows = 0;
  let unexpected = 0;
  for (const bill of records) {
    const entry = bill[ENTRY];
    rows += Array.isArray(entry) ? entry.length : 0;
    if (!codes.has(String(bill.FBillNo))) unexpected++;
  }
  return { bills: records.length, rows, unexpected, duplicates: stats.duplicateAttempts };
}

/** The benchmark's names of the master-data schemes (the 出库单 scheme's lookups name them). */
const NAMES = { shops: "基准测试：店铺→客户", items: "基准测试：商品→物料", warehouses: DEMO_VALUE_MAPS[0].name } as const;

/**
 * The three demo schemes with the benchmark's page size; the bills' batch size is `--batch-size`.
 * The platform's 出库单 scheme looks its customer and materials up in what the other two wrote and
 * maps the warehouse (as the seed does); the floor's bare clients have no staging to look in, so
 * `floorDeliveries` writes the same references as plain templates (the codes the lookups return).
 */
function definitions(ids: SeedConnections, opts: BenchOptions): { shops: SchemeDefinition; items: SchemeDefinition; deliveries: SchemeDefinition; floorDeliveries: SchemeDefinition } {
  const sized = (def: SchemeDefinition, batchSize?: number) => {
    for (const node of def.nodes) {
      if (node.type === "source") node.config.pageSize = opts.pageSize;
      else if (node.type === "target" && batchSize !== undefined) node.config.batchSize = batchSize;
    }
    return def;
  };
  const floorDeliveries = sized(seedDeliveriesSchemeDefinition(ids, NAMES), opts.batchSize);
  for (const node of floorDeliveries.nodes) {
    if (node.type !== "target") continue;
    node.config.mapping.FCustomerID = "{{shop_code}}";
    const entry = node.config.entries[ENTRY]!;
    entry.mapping.FMaterialID = "{{item_code}}";
    entry.mapping.FStockID = "{{$parent.warehouse_code | replace('WH', 'CK0')}}";
  }
  return {
    shops: sized(seedSchemeDefinition(ids)),
    items: sized(seedItemsSchemeDefinition(ids)),
    deliveries: sized(seedDeliveriesSchemeDefinition(ids, NAMES), opts.batchSize),
    floorDeliveries,
  };
}

export async function benchDeliveries(
  opts: BenchOptions,
  credentials: Credentials,
  teardown: Teardown,
  say: (line: string) => void,
): Promise<{ report: DeliveriesReport; notes: string[]; logs: string }> {
  const { shops, items } = DELIVERIES_DATASET;
  const stack = await startStack({ shops, documents: { items, deliveries: opts.n }, qps: opts.qps, skipBuild: opts.skipBuild, label: "bench", teardown, say });
  const { api, sims } = stack;
  const notes: string[] = [];
  const { codes, ...expected } = expectedDeliveries(opts.n);
  say(`deliveries: expecting ${expected.bills} bills with ${expected.rows} entry rows (${expected.cancelled} cancelled, ${expected.unshipped} not shipped, ${expected.rowless} without kept lines)`);

  const sourceConnectionId = await api.createConnection({ platform: "guanyi", name: "管易云（基准测试模拟器）", baseUrl: stack.guanyiUrl, credentials: credentials.guanyi });
  const targetConnectionId = await api.createConnection({ platform: "kingdee", name: "金蝶云星空（基准测试模拟器）", baseUrl: stack.kingdeeUrl, credentials: credentials.kingdee });
  const defs = definitions({ sourceConnectionId, targetConnectionId }, opts);

  let floor: DeliveriesFloor | null = null;
  if (!opts.skipFloor) {
    const connections = {
      guanyi: { baseUrl: stack.guanyiUrl, credentials: credentials.guanyi },
      kingdee: { baseUrl: stack.kingdeeUrl, credentials: credentials.kingdee },
      qps: opts.qps,
    };
    say("floor: 店铺→客户 and 商品→物料 through the bare connector clients (not timed)");
    const master = await writeMasterData(connections, [defs.shops, defs.items]);
    if (master[0]!.written !== shops || master[1]!.written !== items) throw new Error(`the floor's master data: ${master.map((m) => `${m.written} written, ${m.failed} failed`).join("; ")}`);
    say(`floor: ${opts.n} deliveries through the bare connector clients`);
    const simCpu = (await stack.cpu()).simulators;
    const clientCpu = process.cpuUsage();
    const f = await runDocumentsFloor({ ...connections, deliveries: defs.floorDeliveries, entryKey: ENTRY });
    const used = process.cpuUsage(clientCpu);
    const found = await billsFound(stack, codes);
    floor = {
      seconds: f.seconds,
      records: f.records,
      written: f.written,
      failed: f.failed,
      rows: f.rows,
      documentsPerSecond: f.written / f.seconds,
      rowsPerSecond: f.rowsPerSecond,
      phasesMs: f.phasesMs,
      cpuS: { client: (used.user + used.system) / 1e6, simulators: (await stack.cpu()).simulators - simCpu },
      masterDataS: master.map((m) => m.seconds),
      bills: found.bills,
    };
    say(`floor: ${f.seconds.toFixed(2)} s, ${floor.documentsPerSecond.toFixed(0)} bills/s, ${f.rowsPerSecond.toFixed(0)} rows/s; 金蝶 holds ${found.bills} bills, ${found.rows} rows`);
    if (found.bills !== expected.bills || found.rows !== expected.rows || f.failed !== expected.rowless) {
      notes.push(`the floor left ${found.bills} bills, ${found.rows} rows and ${f.failed} failures (expected ${expected.bills}, ${expected.rows}, ${expected.rowless})`);
    }
    await sims.resetKingdee();
  }

  const timeoutMs = Math.max(300_000, opts.n * 50);
  say(`platform: starting ${opts.workers} worker process(es)`);
  const workers = await stack.startWorkers(opts.workers, { nodeOptions: opts.workerNodeOptions, ...(opts.cpuProf && { cpuProfDir: opts.cpuProf }) });
  const idleRssMb = Math.max(...workers.map((w) => statusMb(w.pid, "VmRSS") ?? 0));
  const sampler = new RssSampler(workers.map((w) => w.pid));
  try {
    const runs = [];
    for (const [label, definition, records] of [
      ["店铺→客户", defs.shops, shops],
      ["商品→物料", defs.items, items],
    ] as const) {
      const schemeId = await api.createScheme({ name: label === "店铺→客户" ? NAMES.shops : NAMES.items, definition });
      say(`platform: ${label} (master data, not timed)`);
      const m = await measureRun(stack, { label, schemeId, workers, timeoutMs });
      // Bills need every customer and material: a gap here would show as failed bills, not as speed.
      if (m.status !== "succeeded" || m.written !== records) throw new Error(`${label}: ${m.status}, ${m.written} of ${records} written, ${m.failed} failed`);
      runs.push(m);
    }
    const map = DEMO_VALUE_MAPS[0];
    await api.createValueMap({ name: map.name, description: map.description, defaultValue: map.defaultValue, entries: [...map.entries] });
    const schemeId = await api.createScheme({ name: `基准测试 ${opts.n}：发货单→销售出库单`, definition: defs.deliveries });
    say(`platform: 发货单→销售出库单, full sync of ${opts.n} deliveries`);
    const full = await measureRun(stack, { label: "发货单→销售出库单", schemeId, workers, timeoutMs });
    runs.push(full);
    const found = await billsFound(stack, codes);
    say(`platform: ${full.status} in ${full.seconds.toFixed(2)} s; 金蝶 holds ${found.bills} bills, ${found.rows} rows, ${found.duplicates} duplicate attempts`);

    const peaks = sampler.stop();
    const peakRssMb = Math.max(...workers.map((w) => Math.max(peaks.get(w.pid) ?? 0, statusMb(w.pid, "VmHWM") ?? 0)));
    const documents = full.written / full.seconds;
    const partial: Omit<DeliveriesReport, "goals"> = {
      n: opts.n,
      shops,
      items,
      options: { workers: opts.workers, pageSize: opts.pageSize, batchSize: opts.batchSize, qps: opts.qps, workerNodeOptions: opts.workerNodeOptions },
      expected,
      documents_per_s: documents,
      rows_per_s: found.rows / full.seconds,
      floor_documents_per_s: floor ? floor.documentsPerSecond : null,
      floor_rows_per_s: floor ? floor.rowsPerSecond : null,
      ratio: floor ? documents / floor.documentsPerSecond : null,
      full_sync_s: full.seconds,
      master_data_s: { shops: runs[0]!.seconds, items: runs[1]!.seconds },
      found,
      exact: deliveriesExact({ expected, found, runs }),
      worker_peak_rss_mb: peakRssMb,
      worker_idle_rss_mb: idleRssMb,
      phases_ms: full.timingsMs,
      runs,
      floor,
    };
    return { report: { ...partial, goals: checkDeliveriesGoals(partial) }, notes, logs: stack.logDir };
  } finally {
    sampler.stop();
    await stack.stopWorkers(workers);
  }
}
