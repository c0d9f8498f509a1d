// Everything a run needs before it touches a record: its scheme version compiled into a plan,
// the connector clients built from the connections (credentials unsealed here, never logged).
import { compileScheme, message, planValueMaps, type RunPlan } from "@qiao/core";
import { getConnector as registry, type Connector, type ConnectorLogger, type SourceClient, type TargetClient } from "@qiao/connectors";
import {
  connectionCredentials,
  findConnectionsById,
  findSchemeDefinition,
  loadValueMaps,
  outboundPolicy,
  SecretKeyError,
  valueMapNames,
  type LoadedValueMap,
  type RunModel as Run,
} from "@qiao/db";
import { z } from "zod";
import { DEFAULT_SETTINGS_REFRESH_MS, type EngineContext, type Logger } from "./context";
import { RunFailure } from "./failure";
import { liveSettings } from "./live-settings";
import { erpCacheKey } from "./lookups";

export interface LoadedRun {
  plan: RunPlan;
  source: SourceClient;
  target: TargetClient;
  /** The target connection's name (for messages). */
  targetName: string;
  /** The target connection as the process-wide `erp_lookup` cache keys it: its id, server and account as of its last edit (erpCacheKey). */
  targetCacheKey: string;
  /** The value maps the plan uses, loaded once for the run (see planValueMaps). */
  maps: ReadonlyMap<string, LoadedValueMap>;
}

function connectorLogger(log: Logger): ConnectorLogger {
  return {
    debug: (msg, data) => log.debug(data ?? {}, msg),
    info: (msg, data) => log.info(data ?? {}, msg),
    warn: (msg, data) => log.warn(data ?? {}, msg),
  };
}

/** The connections a definition refers to (read leniently: compileScheme reports what is wrong). */
const definitionNodes = z.object({ nodes: z.array(z.unknown()) });
const nodeConnection = z.object({ config: z.object({ connectionId: z.uuid() }) });

function connectionIdsOf(definition: unknown): string[] {
  const parsed = definitionNodes.safeParse(definition);
  if (!parsed.success) return [];
  const ids = parsed.data.nodes.flatMap((node) => {
    const n = nodeConnection.safeParse(node);
    return n.success ? [n.data.config.connectionId] : [];
  });
  return [...new Set(ids)];
}

/** The platforms a definition's nodes name (read leniently, as connectionIdsOf). */
const nodePlatform = z.object({ config: z.object({ platform: z.string() }) });
function platformsOf(definition: unknown): string[] {
  const parsed = definitionNodes.safeParse(definition);
  if (!parsed.success) return [];
  return [...new Set(parsed.data.nodes.flatMap((node) => {
    const n = nodePlatform.safeParse(node);
    return n.success ? [n.data.config.platform] : [];
  }))];
}

function credentialsOf(row: Parameters<typeof connectionCredentials>[0] & { name: string }): Record<string, unknown> {
  try {
    return connectionCredentials(row);
  } catch (error) {
    if (!(error instanceof SecretKeyError)) throw error;
    // Sealed for another base URL than the row's: it was changed behind the edit, which asks for them again.
    throw new RunFailure(message(error.reason === "address_changed" ? "run.secretsAddressChanged" : "run.secretsUnreadable", { connection: row.name }));
  }
}

/** The scheme version a run (or a reconciliation: the current version) executes, compiled, with its clients. */
export async function loadRun(ctx: EngineContext, run: Pick<Run, "schemeId" | "schemeVersion">, log: Logger): Promise<LoadedRun> {
  const db = ctx.db;
  const getConnector = ctx.getConnector ?? registry;
  const saved = await findSchemeDefinition(db, run.schemeId, run.schemeVersion);
  if (!saved) throw new RunFailure(message("run.versionMissing", { version: run.schemeVersion }));
  const definition = saved.definition;
  const connectionIds = connectionIdsOf(definition);
  const rows = await findConnectionsById(db, connectionIds);
  // The nodes' platforms as well as the connections': a deleted connection's platform is still known
  // (the run then fails saying the connection is gone, not that the platform is unknown).
  const connectors = new Map<string, Connector>();
  for (const platform of new Set([...rows.map((r) => r.platform), ...platformsOf(definition)])) {
    const connector = getConnector(platform);
    if (connector) connectors.set(platform, connector);
  }
  const compiled = compileScheme(definition, {
    connections: new Map(rows.map((r) => [r.id, { platform: r.platform }])),
    connectors: new Map([...connectors].map(([platform, c]) => [platform, c.meta])),
    // A map deleted since the scheme was saved fails the run here, naming it, not every record.
    valueMaps: await valueMapNames(db),
  });
  if (!compiled.ok) {
    const errors = compiled.issues.filter((i) => i.severity === "error");
    const zh = errors.map((i) => i.message).join("；");
    const en = errors.map((i) => i.messageEn).join("; ");
    throw new RunFailure(message("run.schemeInvalid", { zh, en }));
  }
  const plan = compiled.plan;
  const maps = await loadValueMaps(db, planValueMaps(plan));

  const client = (connectionId: string) => {
    const row = rows.find((r) => r.id === connectionId)!;
    const connector = connectors.get(row.platform)!;
    const limiter = ctx.limiterFor?.(row);
    const observer = ctx.observerFor?.(row);
    const slots = ctx.slotsFor?.(row);
    const settings = liveSettings(db, row.id, row.settings, ctx.settingsRefreshMs ?? DEFAULT_SETTINGS_REFRESH_MS, log);
    const config = {
      ...ctx.connectorDefaults,
      baseUrl: row.baseUrl,
      credentials: credentialsOf(row),
      outbound: ctx.outbound ?? outboundPolicy(),
      logger: connectorLogger(log.child({ connectionId: row.id, platform: row.platform })),
      ...(limiter && { limiter }),
      ...(observer && { observer }),
      ...(slots && { slots }),
      liveSettings: settings,
      ...(ctx.signal && { signal: ctx.signal }),
    };
    return { connector, config, name: row.name };
  };

  const src = client(plan.source.connectionId);
  const tgt = client(plan.target.connectionId);
  if (!src.connector.createSource) {
    throw new RunFailure(message("run.notASource", { connection: src.name }));
  }
  if (!tgt.connector.createTarget) {
    throw new RunFailure(message("run.notATarget", { connection: tgt.name }));
  }
  return {
    plan,
    source: src.connector.createSource(src.config),
    target: tgt.connector.createTarget(tgt.config),
    targetName: tgt.name,
    targetCacheKey: erpCacheKey(rows.find((r) => r.id === plan.target.connectionId)!),
    maps,
  };
}
