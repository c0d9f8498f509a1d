// Lookups during a run (issue #13): `lookup('方案', key)` reads what another scheme wrote from our
// staging; `erp_lookup('表单', 键字段)` reads base data from the target ERP. Core maps records
// synchronously and does no I/O, so the engine warms a cache first: it maps a page's records once
// to learn which keys they need, fetches those in one query per lookup (one ExecuteBillQuery per
// chunk for the ERP), and the mapping that follows finds every answer in the cache.
// Staging answers are cached for the run (a key found absent stays absent for the run: the record
// waits, and the next run looks again). ERP answers are kept for the run too (every answer the run
// saw, so an answer that warm() found is still there when the record is mapped, however the shared
// cache fares meanwhile); across runs, only keys the ERP HAS are shared, per connection as of its
// last edit, for a TTL (session 18: a "not found" kept across runs failed the retry of a record
// after the user created the key, and an edited connection was answered from its old server).
// A record that waits is checked as of when its key was fetched, not when its wait is recorded (see
// RunLookups.absentSince): a dependency that writes in between must still release it.
import { mapRecord, message, planLookups, planLookupSchemes, stableStringify, type LookupAnswer, type LookupRef, type LookupResolver, type RunPlan, type TemplateVars, type ValueMapData } from "@qiao/core";
import type { TargetClient } from "@qiao/connectors";
import { lookupWritten, schemeIdsByName, stagingHash, type Db } from "@qiao/db";
import type { EngineContext } from "./context";
import { RunFailure } from "./failure";
import type { LoadedRun } from "./load-run";

/** ERP answers live this long in the process-wide cache unless the context says otherwise (10 min); 0: each run asks for itself. */
export const DEFAULT_ERP_LOOKUP_TTL_MS = 600_000;

const leftOutKey = (scheme: string, keyField: string | undefined): string => `${scheme}\u0000${keyField ?? ""}`;

const refKey = (ref: LookupRef): string =>
  ref.kind === "scheme" ? `s\u0000${ref.scheme}\u0000${ref.keyField ?? ""}\u0000${ref.returnField}` : `e\u0000${ref.formId}\u0000${ref.keyField}\u0000${ref.returnField}`;

/**
 * What the process-wide ERP cache keys a connection's answers by: its id, server and account as of
 * its last edit (base URL, settings such as 金蝶's acctId, updatedAt: a secret changed too). A
 * connection pointed at another 金蝶 or account set is another key, never answered from the old one.
 */
export function erpCacheKey(connection: { id: string; baseUrl: string; settings: unknown; updatedAt: Date }): string {
  const identity = stagingHash("sha256", stableStringify({ baseUrl: connection.baseUrl, settings: connection.settings ?? {}, updatedAt: connection.updatedAt.toISOString() }));
  return `${connection.id}\u0000${identity}`;
}

/**
 * ERP answers shared by the runs of one process, per connection (erpCacheKey), each for `ttlMs`.
 * Only keys the ERP has: a "not found" is the run's alone (the user may create the key before the
 * retry). `ttlMs` 0 shares nothing (each run's answers are still kept for that run: RunLookups).
 */
export class ErpLookupCache {
  private readonly entries = new Map<string, { value: string | undefined; until: number }>();

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  get(connection: string, ref: LookupRef, key: string, now = Date.now()): LookupAnswer {
    const entry = this.entries.get(`${connection}\u0000${refKey(ref)}\u0000${key}`);
    if (!entry || entry.until <= now) return { known: false };
    return { known: true, value: entry.value };
  }

  /** Keeps a found value (`undefined`, the ERP has no such key, is not kept: see the class). */
  set(connection: string, ref: LookupRef, key: string, value: string | undefined, now = Date.now()): void {
    if (value === undefined || this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) {
      // Oldest first (insertion order): enough for a cache whose entries all live the same TTL.
      for (const k of this.entries.keys()) {
        this.entries.delete(k);
        if (this.entries.size < this.maxEntries * 0.9) break;
      }
    }
    this.entries.set(`${connection}\u0000${refKey(ref)}\u0000${key}`, { value, until: now + this.ttlMs });
  }
}

/** The process-wide ERP cache (QIAO_ERP_LOOKUP_TTL_S, default 10 minutes). */
let shared: ErpLookupCache | undefined;
export function sharedErpCache(ttlMs: number): ErpLookupCache {
  if (!shared || shared.ttlMs !== ttlMs) shared = new ErpLookupCache(ttlMs);
  return shared;
}

export interface LookupSources {
  db: Db;
  /** Scheme name → id, resolved when the run was loaded. */
  schemeIds: ReadonlyMap<string, string>;
  target: TargetClient;
  /** The target connection as the shared ERP cache keys it (erpCacheKey). */
  targetCacheKey: string;
  targetName: string;
  erp: ErpLookupCache;
  signal?: AbortSignal;
}

/** How many fetches a run made, by kind (tests count that staging lookups cost no ERP call). */
export interface LookupStats {
  stagingQueries: number;
  erpQueries: number;
}

/** A run's lookup cache: answers core's resolver from memory, fetched a page at a time. */
export class RunLookups implements LookupResolver {
  /** Per lookup (refKey): key → answer, for the run (staging answers, and every ERP answer the run saw). */
  private readonly answers = new Map<string, Map<string, string | undefined>>();
  /** Scheme name → key → when staging was asked for it and had nothing (ms, taken before the query). */
  private readonly absent = new Map<string, Map<string, number>>();
  /**
   * Scheme name and key field → keys it has staged only as left out by its filter node
   * (WrittenAnswers.leftOut). Per key field: a value left out as one scheme's `code` says nothing of
   * the same text as its source id.
   */
  private readonly leftOutKeys = new Map<string, Set<string>>();
  /** When this cache was made: no answer it holds is older. */
  private readonly createdAt = Date.now();
  readonly stats: LookupStats = { stagingQueries: 0, erpQueries: 0 };

  constructor(private readonly sources: LookupSources) {}

  get(ref: LookupRef, key: string): LookupAnswer {
    const k = refKey(ref);
    const known = this.answers.get(k);
    if (known?.has(key)) return { known: true, value: known.get(key) };
    if (ref.kind === "scheme") return { known: false };
    const shared = this.sources.erp.get(this.sources.targetCacheKey, ref, key);
    // Kept for the run: the shared entry may expire or be evicted before the record is mapped.
    if (shared.known) this.keep(k, key, shared.value);
    return shared;
  }

  private keep(k: string, key: string, value: string | undefined): void {
    let known = this.answers.get(k);
    if (!known) {
      known = new Map();
      this.answers.set(k, known);
    }
    known.set(key, value);
  }

  /**
   * Since when the run has known that `scheme` had nothing for `key`: the start of the query that
   * said so. The answer is kept for the run, so a record mapped much later waits on that old answer,
   * and a write of the dependency after it (waitsReadyToRelease compares its waiting_records row's
   * `checked_at` with this) must release it. Never later than the truth: a key this cache did not
   * fetch gives the cache's creation.
   */
  absentSince(scheme: string, key: string): Date {
    return new Date(this.absent.get(scheme)?.get(key) ?? this.createdAt);
  }

  /**
   * Whether `scheme` had `key` staged only as left out by its filter node when the run asked: its
   * record waits for a write that does not come while that filter stands (the reason says so).
   */
  leftOut(wait: { scheme: string; keyField?: string | undefined; key: string }): boolean {
    return this.leftOutKeys.get(leftOutKey(wait.scheme, wait.keyField))?.has(wait.key) ?? false;
  }

  /** The scheme's id for a lookup (names were resolved when the run was loaded). */
  schemeId(name: string): string {
    const id = this.sources.schemeIds.get(name);
    if (!id) throw new RunFailure(message("run.lookupSchemeMissing", { scheme: name }));
    return id;
  }

  /** Fetches what `needs` asks that is not cached yet: one query per lookup (ERP: per chunk). */
  async fetch(needs: readonly { ref: LookupRef; key: string }[]): Promise<void> {
    const byRef = new Map<string, { ref: LookupRef; keys: Set<string> }>();
    for (const { ref, key } of needs) {
      if (this.get(ref, key).known) continue;
      const k = refKey(ref);
      const group = byRef.get(k) ?? { ref, keys: new Set<string>() };
      group.keys.add(key);
      byRef.set(k, group);
    }
    for (const { ref, keys } of byRef.values()) {
      const list = [...keys];
      if (ref.kind === "scheme") {
        this.stats.stagingQueries++;
        // Before the query: a write that commits while it runs may be missed by it.
        const askedAt = Date.now();
        const found = await lookupWritten(this.sources.db, { schemeId: this.schemeId(ref.scheme), keyField: ref.keyField, returnField: ref.returnField, keys: list });
        const known = this.answers.get(refKey(ref)) ?? new Map<string, string | undefined>();
        const absent = this.absent.get(ref.scheme) ?? new Map<string, number>();
        const leftOut = this.leftOutKeys.get(leftOutKey(ref.scheme, ref.keyField)) ?? new Set<string>();
        for (const key of found.leftOut) leftOut.add(key);
        this.leftOutKeys.set(leftOutKey(ref.scheme, ref.keyField), leftOut);
        for (const key of list) {
          const value = found.written.get(key);
          known.set(key, value);
          // The earliest: another lookup of the scheme (another key field) may have said so before.
          if (value === undefined && !absent.has(key)) absent.set(key, askedAt);
        }
        this.answers.set(refKey(ref), known);
        this.absent.set(ref.scheme, absent);
      } else {
        const { target, targetCacheKey, targetName, erp, signal } = this.sources;
        if (!target.queryValues) throw new RunFailure(message("run.erpLookupUnsupported", { connection: targetName }));
        this.stats.erpQueries++;
        const found = await target.queryValues({ formId: ref.formId, keyField: ref.keyField, returnField: ref.returnField, keys: list, ...(signal && { signal }) });
        const k = refKey(ref);
        for (const key of list) {
          const value = found.get(key);
          this.keep(k, key, value);
          erp.set(targetCacheKey, ref, key, value);
        }
      }
    }
  }

  /**
   * Makes sure mapping `records` finds every lookup answered: maps them, fetches what they need,
   * and again while answers lead to further lookups (a lookup of a looked-up value), at most 4 times.
   * What it fetched stays answered for the run, so mapping them next finds it; a record still
   * unresolved after that (lookups nested deeper) fails with an error saying so (mapRecord), never sent.
   */
  async warm(plan: RunPlan, records: readonly unknown[], vars: TemplateVars, maps: ReadonlyMap<string, ValueMapData>): Promise<void> {
    let pending = records;
    for (let round = 0; round < 4 && pending.length > 0; round++) {
      const needs: { ref: LookupRef; key: string }[] = [];
      const next: unknown[] = [];
      for (const record of pending) {
        const m = mapRecord(plan.target, record, vars, plan.timezone, maps, this);
        if (m.unresolved.length > 0) {
          needs.push(...m.unresolved);
          next.push(record);
        }
      }
      if (needs.length === 0) return;
      await this.fetch(needs);
      pending = next;
    }
  }
}

/**
 * The run's lookup cache, or undefined when the plan's templates make no lookup. The schemes the
 * lookups name are resolved to ids here, once: a name that no longer exists, or is no longer
 * unique, fails the run naming it (not every record).
 */
export async function runLookups(ctx: EngineContext, loaded: LoadedRun): Promise<RunLookups | undefined> {
  const { plan } = loaded;
  if (planLookups(plan).length === 0) return undefined;
  const names = planLookupSchemes(plan);
  const found = await schemeIdsByName(ctx.db, names);
  const schemeIds = new Map<string, string>();
  for (const name of names) {
    const ids = found.get(name) ?? [];
    if (ids.length !== 1) throw new RunFailure(message("run.lookupSchemeMissing", { scheme: name }));
    schemeIds.set(name, ids[0]!);
  }
  return new RunLookups({
    db: ctx.db,
    schemeIds,
    target: loaded.target,
    targetCacheKey: loaded.targetCacheKey,
    targetName: loaded.targetName,
    erp: sharedErpCache(ctx.erpLookupTtlMs ?? DEFAULT_ERP_LOOKUP_TTL_MS),
    ...(ctx.signal && { signal: ctx.signal }),
  });
}
