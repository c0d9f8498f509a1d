// The state one attempt of a run shares between its phases.
import { judgeRecord, mapRecord, retryRunOptionsSchema, stableStringify, type FieldError, type MappedRecord, type RunPlan, type TemplateVars } from "@qiao/core";
import type { SourceClient, TargetClient } from "@qiao/connectors";
import { reportProgress, stagingHash, type Db, type LoadedValueMap, type RunModel as Run, type RunProgress } from "@qiao/db";
import { DEFAULT_UNKNOWN_OUTCOME_WAIT_MS, type EngineContext } from "./context";
import { AttemptSuperseded } from "./failure";
import type { RunJournal } from "./journal";
import type { AttemptLease } from "./lease";
import type { RunLookups } from "./lookups";
import { BudgetAccount } from "./record-budget";
import type { PhaseClock } from "./timings";

/** How a phase ended: ran to completion, or stopped at a batch boundary. */
export type PhaseEnd = "done" | "cancelled" | "stopped";

/** How many of a run's concurrent-call values its last line keeps (RunScope.concurrencySteps). */
export const CONCURRENCY_STEPS_MAX = 10;

export class RunScope {
  private cancelRequested = false;
  /** Batches this attempt has sent so far (the numbers of its log's batch lines continue across phases). */
  batchesSent = 0;
  /**
   * What this attempt knows of the scheme's staging rows that a read does not take care of: rows
   * `sending` or `unknown` (to settle) and `pending` ones (to sweep after the read). Null until the
   * attempt's first look (settleOutcomes); then kept by this attempt's own steps (an unknown
   * outcome, a lookup that found a record absent), so that a run with nothing outstanding passes
   * over staging once, not three or four times. Rows another actor makes pending meanwhile are
   * left to the next run, which looks again: skipping a sweep can delay a record, never send it twice.
   */
  outstanding: { settle: boolean; pending: boolean } | null = null;
  /**
   * Records handed their target number since the last pass over the pending records
   * (resolveNumberConflicts): still pending, so settleAndWrite makes one more pass, which a retry or
   * test run (one pass over its records) and a run's last sweep would otherwise not.
   */
  numbersHandedOver = 0;
  /**
   * The last mark claimed a new number for every record it marked (a first run's batches): the next
   * claims its numbers by a plain INSERT (markSending's freshNumbers). A hint: a wrong guess costs
   * one statement that fails and is made again.
   */
  numbersFresh = false;
  /**
   * The concurrent calls this attempt's batches went with: the value at its start, then each change
   * it followed (at most CONCURRENCY_STEPS_MAX: the first and the latest). Logged with the run's
   * last line, so the run page can say that the value it shows was not the run's all along.
   */
  readonly concurrencySteps: number[];
  /** The run's lookup cache, when the plan's templates use `lookup` or `erp_lookup` (./lookups.ts). */
  lookups: RunLookups | undefined;
  /**
   * The records this attempt holds of the process's budget (EngineContext.records): pages fetched
   * and not yet split into batches, batches not yet recorded. Closed when the attempt ends.
   */
  readonly held: BudgetAccount;

  constructor(
    readonly ctx: EngineContext,
    readonly run: Run,
    readonly plan: RunPlan,
    readonly source: SourceClient,
    readonly target: TargetClient,
    readonly journal: RunJournal,
    readonly clock: PhaseClock,
    readonly lease: AttemptLease,
    /** The value maps the plan uses (`map('名称')`), loaded once per attempt. */
    readonly maps: ReadonlyMap<string, LoadedValueMap> = new Map(),
  ) {
    this.cancelRequested = run.cancelRequested;
    this.held = new BudgetAccount(ctx.records);
    this.concurrencySteps = [target.concurrency];
  }

  /** The target's concurrent calls the run log last named: a change mid-run is logged once (write-phase.ts). */
  get concurrencyNamed(): number {
    return this.concurrencySteps[this.concurrencySteps.length - 1]!;
  }

  get db(): Db {
    return this.ctx.db;
  }

  /** This attempt, as the write protocol's fenced statements name it. */
  get attemptRef(): { runId: string; attempt: number } {
    return { runId: this.run.id, attempt: this.run.attempt };
  }

  /** See EngineContext.unknownOutcomeWaitMs. */
  get unknownWaitMs(): number {
    return this.ctx.unknownOutcomeWaitMs ?? DEFAULT_UNKNOWN_OUTCOME_WAIT_MS;
  }

  /** A retry run the retry policy's delayed job requested (issue #14): records keep their retry step. */
  get automaticRetry(): boolean {
    return this.run.trigger === "retry" && retryRunOptionsSchema.safeParse(this.run.options ?? {}).data?.automatic === true;
  }

  /** Stops the attempt (AttemptSuperseded) if it no longer owns the run. */
  assertOwner(): void {
    if (this.lease.lost) throw new AttemptSuperseded();
  }

  private key: string | undefined;

  /**
   * What this run's payloads are mapped with: the target API and form, the mapping's templates and
   * timezone, and the values of the variables the templates use (none, usually: then the key is the
   * same run after run, and a record whose data did not change need not be mapped again), and
   * the content hashes of the value maps they use: editing a map re-maps every record on the next
   * run, and the payload hash then re-writes only those whose payload the edit changed.
   */
  get mappingKey(): string {
    if (this.key === undefined) {
      const { target, timezone } = this.plan;
      const templates = [
        ...Object.values(target.mapping),
        ...target.entries.flatMap((e) => [...Object.values(e.mapping), ...(e.filter ? [e.filter] : [])]),
      ];
      const usesVars = templates.some((t) => t.parts.some((p) => p.kind === "expression" && p.head.kind === "variable"));
      this.key = stagingHash(
        "sha256",
        stableStringify({
          api: target.api.id,
          formId: target.formId,
          mapping: Object.fromEntries(Object.entries(target.mapping).map(([field, t]) => [field, t.source])),
          // Only when set, so the key of a scheme without them is what it was before they existed.
          ...(target.entries.length > 0 && {
            entries: target.entries.map((e) => ({
              key: e.key,
              from: e.from,
              filter: e.filter?.source ?? "",
              mapping: Object.fromEntries(Object.entries(e.mapping).map(([field, t]) => [field, t.source])),
            })),
          }),
          ...(target.audit !== "withSave" && { audit: target.audit }),
          timezone,
          vars: usesVars ? this.vars() : null,
          ...(this.maps.size > 0 && { valueMaps: Object.fromEntries([...this.maps].map(([name, m]) => [name, m.contentHash])) }),
          // Only when the scheme has one (the key of a scheme without one is what it was before).
          ...(this.plan.filter && {
            filter: { match: this.plan.filter.match, rules: this.plan.filter.rules.map((r) => ({ field: r.field.source, op: r.op, value: r.value })) },
          }),
        }),
      );
    }
    return this.key;
  }

  /**
   * One record mapped with the plan, the run's value maps and its lookup cache (see `warm`); or,
   * when the scheme's filter node leaves it out, `excluded` and nothing mapped.
   */
  map(record: unknown, vars: TemplateVars): MappedRecord & { excluded?: true } {
    const judged = this.judge(record, vars);
    // A rule whose value map cannot map the value: the record fails naming the map, as a mapping's
    // map does (retried once the map is fixed: the map's content is in the mapping key).
    if (judged.error) return { payload: {}, errors: [judged.error], waits: [], unresolved: [] };
    if (!judged.passes) return { payload: {}, errors: [], waits: [], unresolved: [], excluded: true };
    return mapRecord(this.plan.target, record, vars, this.plan.timezone, this.maps, this.lookups);
  }

  /** The scheme's filter node's verdict on the record (no filter node: kept), with the run's value maps. */
  judge(record: unknown, vars: TemplateVars): { passes: boolean; error?: FieldError } {
    const { filter } = this.plan;
    return filter ? judgeRecord(filter, record, vars, this.plan.timezone, this.maps) : { passes: true };
  }

  /** Whether the scheme's filter node keeps the record (no filter node: every record; one it cannot judge: not kept). */
  passes(record: unknown, vars: TemplateVars): boolean {
    const judged = this.judge(record, vars);
    return judged.passes && !judged.error;
  }

  /** Before records are mapped: fetches what their lookups need (nothing when the plan has none). */
  async warm(records: readonly unknown[], vars: TemplateVars): Promise<void> {
    const lookups = this.lookups;
    if (!lookups || records.length === 0) return;
    // Records the filter leaves out are not mapped: nothing to fetch for them.
    const kept = this.plan.filter ? records.filter((r) => this.passes(r, vars)) : records;
    if (kept.length > 0) await this.clock.time("lookup", () => lookups.warm(this.plan, kept, vars, this.maps));
  }

  /** CURRENT_TIME and LAST_SYNC_TIME are the window fixed at the run's first attempt. */
  vars(pageSize = this.plan.source.pageSize): TemplateVars {
    return {
      CURRENT_TIME: this.run.windowEnd ?? this.run.createdAt,
      LAST_SYNC_TIME: this.run.windowStart,
      PAGINATION_PAGE_SIZE: pageSize,
      PAGINATION_START_PAGE: 1,
    };
  }

  /**
   * Adds to the run's counters; learns whether a cancellation was requested meanwhile, and stops
   * this attempt if another one took the run over (its job had stalled and was handed on).
   */
  async progress(p: RunProgress): Promise<void> {
    this.observe(await this.clock.time("journal", () => reportProgress(this.db, this.run.id, p, this.run.attempt)));
  }

  /**
   * The run as a statement that added to its counters returned it (see `progress`): every such
   * statement answers it, the audit's included (recordAuditResults, session 31's audit), so that a
   * cancellation is seen at the next batch whatever the phase. Also tells the host the attempt got
   * through to the database (EngineContext.progressed).
   */
  observe(now: { attempt: number; status: Run["status"]; cancelRequested: boolean }): void {
    if (now.attempt !== this.run.attempt || now.status !== "running") throw new AttemptSuperseded();
    this.cancelRequested = now.cancelRequested;
    this.ctx.progressed?.();
  }

  /** Asked between pages and batches: should the run stop here? Throws if the attempt lost the run. */
  interruption(): Exclude<PhaseEnd, "done"> | null {
    this.assertOwner();
    if (this.cancelRequested) return "cancelled";
    if (this.ctx.shouldStop?.()) return "stopped";
    return null;
  }
}
