// The REST API as the benchmark uses it (Authorization: Bearer <token>), and the simulators' admin
// endpoints. Only the fields the benchmark reads are checked.
import { z } from "zod";

const runSchema = z.object({
  id: z.string(),
  status: z.enum(["queued", "running", "succeeded", "partial", "failed", "cancelled"]),
  phase: z.string(),
  fetched: z.number(),
  written: z.number(),
  skipped: z.number(),
  failed: z.number(),
  error: z.string().nullable(),
  attempt: z.number(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type ApiRun = z.infer<typeof runSchema>;

const logSchema = z.object({ id: z.string(), at: z.string(), level: z.string(), message: z.string(), data: z.unknown().nullable() });
export type ApiLog = z.infer<typeof logSchema>;

async function call(method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: { ...headers, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} → HTTP ${res.status}: ${text.slice(0, 2000)}`);
  return text ? JSON.parse(text) : null;
}

export class QiaoApi {
  private readonly headers: Record<string, string>;

  constructor(
    readonly baseUrl: string,
    token: string,
  ) {
    this.headers = { authorization: `Bearer ${token}` };
  }

  private req(method: string, path: string, body?: unknown): Promise<unknown> {
    return call(method, `${this.baseUrl}${path}`, this.headers, body);
  }

  async createConnection(body: { platform: string; name: string; baseUrl: string; credentials: Record<string, unknown> }): Promise<string> {
    return z.object({ id: z.string() }).parse(await this.req("POST", "/api/connections", body)).id;
  }

  /** PATCH /api/connections/:id: credentials given are laid over the stored ones (e.g. `{concurrency: 4}`). */
  async updateConnection(connectionId: string, body: { credentials: Record<string, unknown> }): Promise<void> {
    await this.req("PATCH", `/api/connections/${connectionId}`, body);
  }

  async createValueMap(body: { name: string; description?: string; defaultValue?: string | null; entries: { source: string; target: string }[] }): Promise<void> {
    await this.req("POST", "/api/value-maps", body);
  }

  async createScheme(body: { name: string; description?: string; definition: unknown }): Promise<string> {
    return z.object({ scheme: z.object({ id: z.string() }) }).parse(await this.req("POST", "/api/schemes", body)).scheme.id;
  }

  async saveDefinition(schemeId: string, definition: unknown): Promise<void> {
    await this.req("PATCH", `/api/schemes/${schemeId}`, { definition });
  }

  /** The scheme list's switch: the schedule on or off, no new version. */
  async setEnabled(schemeId: string, enabled: boolean): Promise<void> {
    await this.req("PATCH", `/api/schemes/${schemeId}`, { enabled });
  }

  async startRun(schemeId: string): Promise<ApiRun> {
    return z.object({ run: runSchema }).parse(await this.req("POST", `/api/schemes/${schemeId}/runs`, {})).run;
  }

  async run(runId: string): Promise<ApiRun> {
    return z.object({ run: runSchema }).parse(await this.req("GET", `/api/runs/${runId}`)).run;
  }

  /** Every log line of a run, in order. */
  async logs(runId: string): Promise<ApiLog[]> {
    const all: ApiLog[] = [];
    for (;;) {
      const after = all.length > 0 ? `&after=${all[all.length - 1]!.id}` : "";
      const page = z.object({ logs: z.array(logSchema) }).parse(await this.req("GET", `/api/runs/${runId}/logs?limit=1000${after}`));
      all.push(...page.logs);
      if (page.logs.length < 1000) return all;
    }
  }

  /**
   * Polls the run until it is finished: every 100 ms for the first second (a no-op rerun takes
   * well under a second), every 500 ms until 10 s, then every 2 s, so that polling hardly loads
   * the machine being measured (each poll costs the web app a query over the run's records).
   * Durations come from the run's own timestamps, so the interval does not change them.
   */
  async waitForRun(runId: string, timeoutMs: number): Promise<ApiRun> {
    const started = Date.now();
    for (let i = 0; ; i++) {
      const run = await this.run(runId);
      if (run.status !== "queued" && run.status !== "running") return run;
      const elapsed = Date.now() - started;
      if (elapsed > timeoutMs) throw new Error(`run ${runId} did not finish within ${timeoutMs / 1000} s (status ${run.status}, phase ${run.phase})`);
      await new Promise((r) => setTimeout(r, elapsed < 1_000 ? 100 : elapsed < 10_000 ? 500 : 2_000));
    }
  }
}

// ---------------------------------------------------------------------------------------
// Simulator admin endpoints (apps/simulators/README.md)

const kingdeeStatsSchema = z.looseObject({ customers: z.number(), duplicateAttempts: z.number() });
export type KingdeeStats = z.infer<typeof kingdeeStatsSchema>;

export class SimulatorAdmin {
  constructor(
    /** http://host:port of the Guanyi simulator. */
    readonly guanyi: string,
    /** http://host:port of the Kingdee simulator. */
    readonly kingdee: string,
  ) {}

  async kingdeeStats(): Promise<KingdeeStats> {
    return kingdeeStatsSchema.parse(await call("GET", `${this.kingdee}/__admin/stats`, {}));
  }

  /** Customers, sessions and counters emptied. */
  async resetKingdee(): Promise<void> {
    await call("POST", `${this.kingdee}/__admin/reset`, {}, {});
  }

  /** Every record of a Kingdee form as the simulator keeps it (GET /__admin/forms/:formId). */
  async kingdeeRecords(formId: string): Promise<Record<string, unknown>[]> {
    return z.object({ records: z.array(z.record(z.string(), z.unknown())) }).parse(await call("GET", `${this.kingdee}/__admin/forms/${formId}`, {})).records;
  }

  /** Service calls in flight per data center, now and the most at once since the last reset (GET /__admin/concurrency). */
  async kingdeeConcurrency(): Promise<Record<string, { current: number; max: number }>> {
    const counts = z.object({ current: z.number(), max: z.number() });
    return z.object({ dataCenters: z.record(z.string(), counts) }).parse(await call("GET", `${this.kingdee}/__admin/concurrency`, {})).dataCenters;
  }

  async guanyiShopCount(): Promise<number> {
    return z.looseObject({ shops: z.number() }).parse(await call("GET", `${this.guanyi}/__admin/stats`, {})).shops;
  }

  /** Gives these shops a new name (their modify_date becomes now); answers how many changed. */
  async renameShops(shops: { id: string; name: string }[]): Promise<number> {
    let changed = 0;
    for (let i = 0; i < shops.length; i += 1000) {
      const body = { shops: shops.slice(i, i + 1000).map((s) => ({ id: Number(s.id), set: { name: s.name } })) };
      const answer = z.object({ shops: z.array(z.unknown()) }).parse(await call("POST", `${this.guanyi}/__admin/shops/modify`, {}, body));
      changed += answer.shops.length;
    }
    return changed;
  }
}
