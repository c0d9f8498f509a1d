// Integration-test fixtures shared by the engine's and the worker's tests: a fresh migrated database,
// in-process 管易云 and 金蝶 simulators, connections to them and schemes built from the seed.
import { randomUUID } from "node:crypto";
import { DEMO_NAMES, DEMO_SCHEMES, DEMO_VALUE_MAPS, normalizeRunOptions, seedSchemeDefinition, type ConditionRule, type SchemeDefinition, type SeedConnections } from "@qiao/core";
import { getConnector, guanyi, kingdee, splitCredentials, type Connector, type SourceClient, type TargetClient } from "@qiao/connectors";
import { createConnection, createPrisma, createRun, createValueMap, findValueMapsByName, isUniqueViolation, type Db, type RunTrigger } from "@qiao/db";
import { createTestDatabase, type TestDatabase } from "@qiao/db/testing";
import {
  createGuanyiSimulator,
  createKingdeeSimulator,
  type GuanyiSimulator,
  type KingdeeSimOptions,
  type KingdeeSimulator,
} from "@qiao/simulators";
import { silentLogger, type EngineContext } from "../context";
import { executeRun, type RunOutcome } from "../execute-run";

export * from "./bills";
export * from "./ledger";
export * from "./waits";

export const GUANYI_DEMO = { appkey: "112194", sessionkey: "754a424bb6874a1fb8a7371f05e83974", secret: "7d3330562019420da7f3098aa630556b" };
export const KINGDEE_DEMO = { authType: "password", acctId: "qiao-demo", username: "administrator", password: "888888", lcid: 2052 };

export interface TestDb {
  db: Db;
  database: TestDatabase;
  close(): Promise<void>;
}

export async function openTestDb(label: string): Promise<TestDb> {
  const database = await createTestDatabase(label);
  const db = createPrisma(database.url, 5);
  return {
    db,
    database,
    async close() {
      await db.$disconnect();
      await database.drop();
    },
  };
}

export interface Simulated {
  guanyi: GuanyiSimulator;
  kingdee: KingdeeSimulator;
  guanyiUrl: string;
  kingdeeUrl: string;
  sourceConnectionId: string;
  targetConnectionId: string;
  /** A scheme made from the seed definition, or `base` (version 1), adjusted by `change`. */
  createScheme(
    change?: (def: SchemeDefinition) => void,
    base?: (ids: SeedConnections) => SchemeDefinition,
    name?: string,
  ): Promise<{ id: string; definition: SchemeDefinition }>;
  /** Saves a new version of a scheme's definition (as the editor would). */
  saveVersion(schemeId: string, change: (def: SchemeDefinition) => void): Promise<number>;
  requestRun(schemeId: string, trigger: RunTrigger, extra?: { options?: Record<string, unknown>; retryOfId?: string }): Promise<{ id: string }>;
  close(): Promise<void>;
}

/** Simulators with `shops` generated shops (and items and deliveries), and connections to them in `db`. */
export async function simulate(
  db: Db,
  opts: {
    shops: number;
    seed?: number;
    items?: number;
    deliveries?: number;
    kingdee?: KingdeeSimOptions;
    /** The 金蝶 connection's concurrent calls (default: the connector's, 2). */
    concurrency?: number;
  },
): Promise<Simulated> {
  const guanyiSim = createGuanyiSimulator({
    shops: opts.shops,
    ...(opts.seed !== undefined && { seed: opts.seed }),
    ...(opts.items !== undefined && { items: opts.items }),
    ...(opts.deliveries !== undefined && { deliveries: opts.deliveries }),
  });
  const kingdeeSim = createKingdeeSimulator(opts.kingdee);
  const guanyiUrl = await guanyiSim.listen(0, "127.0.0.1");
  const kingdeeUrl = await kingdeeSim.listen(0, "127.0.0.1");
  const source = await createConnection(db, {
    platform: "guanyi",
    name: "管易云（模拟器）",
    baseUrl: guanyiUrl,
    ...splitCredentials(guanyi.meta, GUANYI_DEMO),
  });
  const target = await createConnection(db, {
    platform: "kingdee",
    name: "金蝶（模拟器）",
    baseUrl: kingdeeUrl,
    ...splitCredentials(kingdee.meta, { ...KINGDEE_DEMO, ...(opts.concurrency !== undefined && { concurrency: opts.concurrency }) }),
  });

  const definitions = new Map<string, SchemeDefinition>();
  return {
    guanyi: guanyiSim,
    kingdee: kingdeeSim,
    guanyiUrl,
    kingdeeUrl,
    sourceConnectionId: source.id,
    targetConnectionId: target.id,
    async createScheme(change, base = seedSchemeDefinition, name) {
      const definition = base({ sourceConnectionId: source.id, targetConnectionId: target.id });
      // A demo definition gets its demo name (the 出库单 scheme's lookups name the other two), and
      // the value maps the demo schemes use exist (unless a test made its own first).
      const demo = DEMO_SCHEMES.find((d) => d.definition === base);
      if (demo?.name === DEMO_NAMES.deliveries) {
        const existing = new Set((await findValueMapsByName(db, DEMO_VALUE_MAPS.map((m) => m.name))).map((m) => m.name));
        for (const map of DEMO_VALUE_MAPS) {
          if (!existing.has(map.name)) await createValueMap(db, { name: map.name, description: map.description, defaultValue: map.defaultValue, entries: [...map.entries] });
        }
      }
      const sourceNode = definition.nodes.find((n) => n.type === "source")!;
      if (sourceNode.type === "source") sourceNode.config.pageSize = 100;
      change?.(definition);
      const create = (schemeName: string) =>
        db.scheme.create({ data: { name: schemeName, definition: definition as object, versions: { create: { version: 1, definition: definition as object } } } });
      // Names are unique (lookups name schemes): a scheme that cannot have its demo name (one created
      // before, or alongside) gets a test name of its own, as one with no demo name does.
      const testName = () => `测试方案 ${randomUUID().slice(0, 8)}`;
      const scheme = await create(name ?? demo?.name ?? testName()).catch((error: unknown) => {
        if (name !== undefined || !demo || !isUniqueViolation(error, "schemes_name_key")) throw error;
        return create(testName());
      });
      definitions.set(scheme.id, definition);
      return { id: scheme.id, definition };
    },
    async saveVersion(schemeId, change) {
      const definition = structuredClone(definitions.get(schemeId)!);
      change(definition);
      definitions.set(schemeId, definition);
      const scheme = await db.scheme.findUniqueOrThrow({ where: { id: schemeId } });
      const version = scheme.currentVersion + 1;
      await db.scheme.update({
        where: { id: schemeId },
        data: { definition: definition as object, currentVersion: version, versions: { create: { version, definition: definition as object } } },
      });
      return version;
    },
    async requestRun(schemeId, trigger, extra = {}) {
      const scheme = await db.scheme.findUniqueOrThrow({ where: { id: schemeId } });
      return createRun(db, {
        schemeId,
        schemeVersion: scheme.currentVersion,
        trigger,
        options: normalizeRunOptions(trigger, extra.options ?? {}),
        retryOfId: extra.retryOfId ?? null,
      });
    },
    async close() {
      await Promise.all([guanyiSim.close(), kingdeeSim.close()]);
    },
  };
}

/**
 * Executes a run to its end as the worker does: a run that waits for unknown write outcomes is
 * resumed when their lookup is due (the worker delays its job until then). Tests give the context a
 * short `leaseMs` and `unknownOutcomeWaitMs`.
 */
export async function runToEnd(ctx: EngineContext, runId: string, maxResumes = 20): Promise<RunOutcome> {
  for (let i = 0; ; i++) {
    const outcome = await executeRun(ctx, runId);
    if (outcome.kind === "finished") await expectCountsAsRecords(ctx.db, runId);
    if (outcome.kind !== "waiting") return outcome;
    if (i >= maxResumes) throw new Error(`run ${runId} still waits for unknown outcomes after ${maxResumes} resumes`);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, outcome.until.getTime() - Date.now())));
  }
}

/**
 * A finished run's counters say what its records say: each of written, failed, unknown, saved,
 * waiting and stale is the number of the run's RunRecords that ended so (a record counts once per run, as it
 * ended: one that waited and was written later in the run is written, not waiting too; session 31's
 * audit). Checked by runToEnd after every run it finishes, so every engine test that runs one checks it.
 */
export async function expectCountsAsRecords(db: Db, runId: string): Promise<void> {
  const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
  const groups = await db.runOutcome.groupBy({ by: ["status"], where: { runId }, _count: true });
  const records = Object.fromEntries(groups.map((g) => [g.status, g._count]));
  const counters = ["written", "failed", "unknown", "saved", "waiting", "stale"] as const;
  const counted = Object.fromEntries(counters.map((c) => [c, run[c]]));
  const ended = Object.fromEntries(counters.map((c) => [c, records[c] ?? 0]));
  if (JSON.stringify(counted) !== JSON.stringify(ended)) {
    throw new Error(`run ${runId} (${run.status}) counts ${JSON.stringify(counted)} but its records ended ${JSON.stringify(ended)}`);
  }
}

/**
 * An engine context for tests: fast connector settings, and short leases and waits, so an
 * interrupted write is looked up about a second later.
 */
export function testContext(db: Db, extra: Partial<EngineContext> = {}): EngineContext {
  return {
    db,
    logger: silentLogger,
    connectorDefaults: { qps: 1000, timeoutMs: 5000, maxRetries: 1 },
    leaseMs: 1_000,
    unknownOutcomeWaitMs: 300,
    ...extra,
  };
}

type NodeConfig<T extends SchemeDefinition["nodes"][number]["type"]> = Extract<SchemeDefinition["nodes"][number], { type: T }>["config"];

/** A definition's target node's settings (batch size, mapping, …), for a test to change. */
export const targetConfig = (d: SchemeDefinition): NodeConfig<"target"> => d.nodes.find((n) => n.type === "target")!.config as NodeConfig<"target">;

/** A definition's source node's settings (page size, params, …), for a test to change. */
export const sourceConfig = (d: SchemeDefinition): NodeConfig<"source"> => d.nodes.find((n) => n.type === "source")!.config as NodeConfig<"source">;

/**
 * The connector registry with 管易云's source and 金蝶's target wrapped (either or both), to change
 * pages as they are read, or to watch, fail or stall chosen write calls.
 */
export function wrapClients(wrap: {
  guanyi?: (real: SourceClient) => SourceClient;
  kingdee?: (real: TargetClient) => TargetClient;
}): (platform: string) => Connector | undefined {
  return (platform) => {
    const connector = getConnector(platform);
    const { createSource, createTarget } = connector ?? {};
    if (platform === "guanyi" && wrap.guanyi && createSource) return { ...connector!, createSource: (config) => wrap.guanyi!(createSource(config)) };
    if (platform === "kingdee" && wrap.kingdee && createTarget) return { ...connector!, createTarget: (config) => wrap.kingdee!(createTarget(config)) };
    return connector;
  };
}

/** The connector registry with 金蝶's target wrapped, to watch, fail or stall chosen write calls. */
export const wrapKingdeeTarget = (wrap: (real: TargetClient) => TargetClient) => wrapClients({ kingdee: wrap });

/**
 * The connector registry with 金蝶's target answering its first write call only once the run's next
 * batch is marked as well (the scheme holds `marked` records `sending`: the call's and the next
 * batch's; the next batch is marked while a call is in flight), and once `then` is done (cancel the
 * run, claim it for another attempt). `calls()` counts the write calls made.
 */
export function afterFirstCallNextMarked(db: Db, schemeId: string, marked: number, then: () => Promise<unknown>) {
  let calls = 0;
  const getConnector = wrapKingdeeTarget((real) => ({
    ...real,
    async write(req) {
      const outcome = await real.write(req);
      if (++calls === 1) {
        const sending = () => db.sourceRecord.count({ where: { schemeId, status: "sending" } });
        for (const until = Date.now() + 10_000; (await sending()) < marked; ) {
          if (Date.now() > until) throw new Error(`the next batch was not marked: fewer than ${marked} records sending`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await then();
      }
      return outcome;
    },
  }));
  return { getConnector, calls: () => calls };
}

/** Every shop of the 管易云 simulator, in its order. */
export const shopsOf = (s: Simulated) => Array.from({ length: s.guanyi.state.shops.size }, (_, i) => s.guanyi.state.shops.get(i));

/**
 * Puts a filter node (过滤条件) with these rules between the definition's source and target (or
 * replaces the rules of the one it has), wired source → filter → target.
 */
export function putFilterNode(d: SchemeDefinition, rules: ConditionRule[], match: "all" | "any" = "all"): void {
  const existing = d.nodes.find((n) => n.type === "filter");
  if (existing?.type === "filter") {
    existing.config = { match, rules };
    return;
  }
  d.nodes.push({ id: "filter", type: "filter", position: { x: 300, y: 0 }, config: { match, rules } });
  const source = d.nodes.find((n) => n.type === "source")!.id;
  const target = d.nodes.find((n) => n.type === "target")!.id;
  d.edges = [
    { id: "e-source-filter", source, target: "filter" },
    { id: "e-filter-target", source: "filter", target },
  ];
}
