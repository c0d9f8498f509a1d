// Reconciliation (对账): every source key (the scheme's source read as a first sync, keys only)
// against every target key (the target's listKeys), compared in Postgres. The worker holds one page
// of records and one page of keys at a time: each page's keys go to `reconciliation_keys` as soon
// as they are read. Each page is fetched only once it fits in the process's record budget, as a
// run's pages are (a page of keys counts as a page of the source's records: 金蝶 pages are 2,000 keys
// of three short strings, about the size of 100 records). An attempt that is interrupted starts
// over (its keys are dropped); one that fails records why.
import { mapRecord, message, recordPasses, render, resolveParams, type RunPlan, type TemplateVars } from "@qiao/core";
import {
  addReconciliationKeys,
  claimReconciliation,
  completeReconciliation,
  dropOrphanReconciliationKeys,
  failReconciliation,
  findReconciliation,
  isDatabaseUnavailable,
  reconcileSettings,
  recordStagedWrites,
  releaseReconciliation,
  type ReconciliationModel as Reconciliation,
  type ReconciliationKeyRow,
} from "@qiao/db";
import type { TargetClient } from "@qiao/connectors";
import type { EngineContext } from "./context";
import { describeError, RunFailure } from "./failure";
import { loadRun } from "./load-run";
import { READ_PASSES, ReadMemory, ReadPass } from "./read-pass";
import { BudgetAccount, withinBudget } from "./record-budget";

export type ReconcileOutcome =
  | { kind: "finished"; reconciliation: Reconciliation }
  /** The worker is stopping: queued again, to start over on the next worker. */
  | { kind: "handed-back" }
  /** Another attempt owns it now (this one's job had stalled and was handed on). */
  | { kind: "superseded" }
  /** Finished already, or gone. */
  | { kind: "not-runnable" };

class Interrupted extends Error {
  constructor(readonly why: "stopping" | "superseded") {
    super(why);
  }
}

function text(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/**
 * The target plan reduced to the number and name fields: reconciliation maps only what it
 * compares (value maps and all), not the whole payload nor the entry rows.
 */
function keyPlan(plan: RunPlan): { target: RunPlan["target"]; nameField: string | undefined } {
  const { target } = plan;
  const nameField = target.api.nameField && target.mapping[target.api.nameField] ? target.api.nameField : undefined;
  const mapping = Object.fromEntries(Object.entries(target.mapping).filter(([field]) => field === target.numberField || field === nameField));
  return { target: { ...target, mapping, entries: [] }, nameField };
}

export async function executeReconciliation(ctx: EngineContext, id: string): Promise<ReconcileOutcome> {
  const claimed = await claimReconciliation(ctx.db, id);
  if (!claimed) return { kind: "not-runnable" };
  const { attempt, schemeId } = claimed;
  const log = ctx.logger.child({ reconciliationId: id, schemeId, attempt });
  // What this attempt holds of the process's record budget: a page at a time, given back after it.
  const held = new BudgetAccount(ctx.records);
  let session: TargetClient | undefined;
  try {
    const scheme = await reconcileSettings(ctx.db, schemeId);
    // Deleted meanwhile: its reconciliations go with it, so there is nothing left to report to.
    if (!scheme) throw new Error(`scheme ${schemeId} was deleted during its reconciliation`);
    const loaded = await loadRun(ctx, { schemeId, schemeVersion: scheme.currentVersion }, log);
    session = loaded.target;
    const { plan, source, target, maps } = loaded;
    const listKeys = target.listKeys;
    if (!listKeys) throw new RunFailure(message("reconcile.noListKeys", { connection: plan.target.connectionId }));
    const { target: keys, nameField } = keyPlan(plan);
    const check = (owned: boolean) => {
      if (!owned) throw new Interrupted("superseded");
      if (ctx.lost?.aborted) throw new Interrupted("superseded");
      if (ctx.shouldStop?.()) throw new Interrupted("stopping");
    };

    // "All source keys": the scheme's request as on a first sync (LAST_SYNC_TIME empty, CURRENT_TIME
    // now), so a modified-time window spans from the connector's floor to now (docs/reconciliation.md).
    const vars: TemplateVars = { CURRENT_TIME: ctx.now?.() ?? new Date(), LAST_SYNC_TIME: null, PAGINATION_PAGE_SIZE: plan.source.pageSize, PAGINATION_START_PAGE: 1 };
    const params = resolveParams(plan.source, vars);
    let unmatchable = 0;
    let sourceRead = 0;
    let filteredOut = 0;
    const pageSize = plan.source.pageSize;
    // 管易云 pages by page number: a record modified out of the window or deleted during the read
    // moves the records after it, and one can slip onto a page already read, unseen, and be listed
    // as extra in 金蝶. A pass that shows the source moved (./read-pass.ts) is followed by another, as
    // a run's read is. Every pass's keys are kept (a record read in any pass is in the source), one
    // row per source record in the comparison (the last read). The counts are the last pass's.
    const memory = new ReadMemory();
    let passes = 0;
    let moved = false;
    while (passes < READ_PASSES) {
      passes++;
      unmatchable = 0;
      sourceRead = 0;
      filteredOut = 0;
      const pass = new ReadPass(memory, passes);
      const sourcePages = source.readPages({ api: plan.source.api.id, params, pageSize, startPage: 1, ...(ctx.signal && { signal: ctx.signal }) });
      for await (const page of withinBudget(held, sourcePages, pageSize)) {
        const rows: ReconciliationKeyRow[] = [];
        const ids = new Set<string>();
        for (const record of page.records) {
          const sourceId = text(record[plan.source.idField]);
          if (sourceId !== undefined) ids.add(sourceId);
          // Left out by the scheme's filter node: not expected in the target (staged as filtered).
          if (plan.filter && !recordPasses(plan.filter, record, vars, plan.timezone, maps)) {
            filteredOut++;
            continue;
          }
          const { payload } = mapRecord(keys, record, vars, plan.timezone, maps);
          // A record with no number from its template (a bill whose FBillNo 金蝶's 编码规则 fills) is
          // still sent with its id: the comparison matches it by the number staging says it was
          // written with, and counts it unmatchable only when staging has none either.
          if (sourceId === undefined) {
            unmatchable++;
            continue;
          }
          const number = text(payload[plan.target.numberField]) ?? null;
          rows.push({ number, sourceId, name: nameField === undefined ? null : String(payload[nameField] ?? "") });
        }
        pass.page(page.total, page.records.length, ids);
        sourceRead += page.records.length;
        check(await addReconciliationKeys(ctx.db, { id, attempt, side: "source", keys: rows }));
        held.release(pageSize);
      }
      const verdict = pass.verdict();
      moved = verdict.kind !== "whole";
      if (!moved) break;
      log.warn({ pass: passes, verdict }, "the source moved during the reconciliation's read");
    }
    // What staging says was written, as the target's read begins: only such a record, unchanged at
    // the comparison, counts as "missing, written" (one written later may be in the target unseen).
    check(await recordStagedWrites(ctx.db, { id, attempt, schemeId }));
    let targetRead = 0;
    const filter = scheme.reconcileFilter?.trim();
    const keyPages = listKeys({ formId: plan.target.formId, ...(filter && { filter }), ...(ctx.signal && { signal: ctx.signal }) });
    for await (const page of withinBudget(held, keyPages, pageSize)) {
      targetRead += page.length;
      const rows = page.map((k) => ({ number: k.number, name: nameField === undefined ? null : (k.name ?? ""), targetId: k.id }));
      check(await addReconciliationKeys(ctx.db, { id, attempt, side: "target", keys: rows }));
      held.release(pageSize);
    }
    const done = await completeReconciliation(ctx.db, { id, attempt, schemeId, compareNames: nameField !== undefined, unmatchable, source: { passes, moved } });
    if (!done) return { kind: "superseded" };
    log.info({ sourceRead, filteredOut, sourcePasses: passes, sourceMoved: moved, targetRead, missing: done.missing, extra: done.extra, different: done.different }, "reconciliation finished");
    return { kind: "finished", reconciliation: done };
  } catch (error) {
    if (error instanceof Interrupted) {
      if (error.why === "superseded") {
        // Another attempt owns it (its keys stay), or its scheme was deleted meanwhile (keys dropped).
        await dropOrphanReconciliationKeys(ctx.db, id);
        return { kind: "superseded" };
      }
      await releaseReconciliation(ctx.db, id, attempt);
      return { kind: "handed-back" };
    }
    // Nothing can be recorded: the host retries the job, whose next attempt starts over.
    if (isDatabaseUnavailable(error)) throw error;
    // The worker is stopping (its calls aborted): handed back as at a page boundary, not failed.
    if (ctx.shouldStop?.()) {
      await releaseReconciliation(ctx.db, id, attempt);
      return { kind: "handed-back" };
    }
    const described = describeError(error);
    log.error({ err: error }, `reconciliation failed: ${render(described, "en")}`);
    await failReconciliation(ctx.db, id, attempt, message("reconcile.failed", { error: described }));
    const failed = await findReconciliation(ctx.db, id);
    return failed ? { kind: "finished", reconciliation: failed } : { kind: "not-runnable" };
  } finally {
    // However the attempt ended (a page dropped by an interruption or a failure): nothing stays
    // counted, and the target's session is ended (金蝶 Logout).
    held.close();
    await session?.close?.();
  }
}
