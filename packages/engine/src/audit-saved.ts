// Retrying bills saved but not audited (已保存未审核): the retry run took them over (they stay
// `saved`); here they are submitted and audited through the target's `audit`, batch by batch, and
// never saved again as new bills — the bill exists, a second Save would create a second one. The
// target checks each bill's status first, so auditing one that an earlier, interrupted attempt
// audited is harmless.
//
// A bill whose record changed since it was saved (what the record maps to now differs from what was
// saved) is never audited as if it were up to date (session 32, docs/decisions.md):
// - upsert mode: it is not audited. The target reopens it (金蝶 withdraws the submission, 撤销, only
//   one Qiao made itself: SavedBill.submittedByQiao) and it becomes `pending`, so this run's write
//   phase saves the change as an update of the same bill and then submits and audits it. A bill that
//   cannot be reopened (submitted, not known to be by Qiao — a person's, or Qiao's own Submit whose
//   answer was lost; audited meanwhile; the withdrawal refused or unknown)
//   or whose record cannot be mapped now stays `saved` with the reason.
// - create mode: the scheme writes each record once, so the bill is audited as it was saved, and
//   the record is then `stale` (changed, not updated in create mode), as a written record whose
//   source changed is — never `written` with the new data taken for sent.
import { message, targetNumberKey } from "@qiao/core";
import { isConnectorError, type AuditRequest, type WriteOutcome } from "@qiao/connectors";
import { recordAuditResults, savedBillsOfRun, type AuditResult, type SavedBill } from "@qiao/db";
import { AttemptSuperseded } from "./failure";
import { payloadHash } from "./hash";
import type { PhaseEnd, RunScope } from "./scope";
import { payloadNumber, renumberedError } from "./target-number";

function resultOf(bill: SavedBill, o: WriteOutcome | undefined, changedHash: string | undefined): AuditResult {
  if (!o) return { id: bill.id, outcome: "saved", error: "目标连接器没有返回这张单据的审核结果 / The target returned no audit outcome for this bill" };
  if (o.ok) return { id: bill.id, outcome: "written", response: o.response, ...(changedHash !== undefined && { changedHash }) };
  // Saved and still not audited, or an audit whose outcome is unknown: it stays saved (checked again next time).
  if (o.saved || o.unknown) return stillSaved(bill, o);
  return { id: bill.id, outcome: "failed", error: o.message, errorField: o.field ?? null, response: o.response };
}

/** A bill left saved by the target's answer, with what that answer says of Qiao's own Submit of it. */
function stillSaved(bill: SavedBill, o: Extract<WriteOutcome, { ok: false }>): AuditResult {
  const submitted = o.saved ? o.submitted : undefined;
  return { id: bill.id, outcome: "saved", error: o.message, errorField: o.field ?? null, ...(submitted !== undefined && { submitted }), response: o.response };
}

/** A changed bill the target was asked to reopen: pending to be saved again, or still saved (or gone) with the reason. */
function reopenedOf(bill: SavedBill, o: WriteOutcome | undefined, hash: string): AuditResult {
  if (!o) return { id: bill.id, outcome: "saved", error: "目标连接器没有返回这张单据的撤销结果 / The target returned no outcome for reopening this bill" };
  if (o.ok) return { id: bill.id, outcome: "reopened", hash, response: o.response };
  if (o.saved || o.unknown) return stillSaved(bill, o);
  return { id: bill.id, outcome: "failed", error: o.message, errorField: o.field ?? null, response: o.response };
}

const LEFT_OUT =
  "源记录已不符合过滤条件：单据已保存但不再审核；请在金蝶中删除这张未审核的单据，或修改过滤条件 / " +
  "The record no longer passes the scheme's filter: the bill was saved and is not audited; delete the unaudited bill in the target, or change the filter";

const CANNOT_REOPEN =
  "源记录在单据保存后已变更，目标接口不能撤销单据的提交以便重新保存：单据不审核；请在目标系统中撤销提交后重试这条记录 / " +
  "The record changed after the bill was saved, and the target cannot withdraw the bill's submission to save it again: the bill is not audited; withdraw it in the target, then retry the record";

const unmappable = (reason: string, reasonEn: string) =>
  `源记录在单据保存后已变更，但现在无法映射（${reason}）：单据不审核，也不重新保存，修正后重试这条记录 / ` +
  `The record changed after the bill was saved but cannot be mapped now (${reasonEn}): the bill is neither audited nor saved again; fix it, then retry the record`;

/** The target's `audit` or `reopen` of these bills: an outcome per bill index. A connector error (nothing sent) keeps them saved. */
async function send(x: RunScope, step: "audit" | "reopen", bills: SavedBill[]): Promise<Map<number, WriteOutcome>> {
  if (bills.length === 0) return new Map();
  const { plan, target } = x;
  const op = target[step];
  let outcomes: WriteOutcome[];
  if (!op) {
    outcomes = bills.map((_, index): WriteOutcome =>
      step === "audit"
        ? { ok: false, index, message: `目标接口 ${plan.target.api.id} 不支持单独审核 / The target cannot audit bills`, response: null }
        : { ok: false, saved: true, index, targetId: "", targetNumber: "", message: CANNOT_REOPEN, response: null },
    );
  } else {
    const req: AuditRequest = {
      formId: plan.target.formId,
      // Interaction flags such as STK_InvCheckResult apply to the audit as they did to the save.
      options: plan.target.options,
      // Whose submission a bill has, as recorded: the target withdraws only Qiao's own (reopen).
      bills: bills.map((b) => ({ targetId: b.targetId, targetNumber: b.targetNumber, submittedByQiao: b.submittedByQiao })),
      ...(x.ctx.signal && { signal: x.ctx.signal }),
    };
    try {
      outcomes = await x.clock.time("write", () => op.call(target, req));
    } catch (error) {
      if (!isConnectorError(error)) throw error;
      // Nothing was audited or reopened for certain, and nothing was saved: the bills stay saved, with the reason.
      outcomes = bills.map((_, index) => ({ ok: false, saved: true, index, targetId: "", targetNumber: "", message: error.message, response: null }));
    }
  }
  return new Map(outcomes.map((o) => [o.index, o]));
}

/**
 * Audits the saved bills this (retry) run took over, batch by batch. Stops at a batch boundary when
 * the run is cancelled or the worker stops (the phase's end says which; the caller must not go on
 * writing then): each audit moves stock in the target, so none goes out after a 取消 was seen.
 */
export async function auditSavedBills(x: RunScope): Promise<PhaseEnd> {
  const { plan, run } = x;
  const upsert = plan.target.mode === "upsert";
  let afterId = 0n;
  for (;;) {
    const stop = x.interruption();
    if (stop) return stop;
    const bills = await savedBillsOfRun(x.db, { schemeId: run.schemeId, runId: run.id, afterId, limit: plan.target.batchSize });
    if (bills.length === 0) return "done";
    afterId = bills[bills.length - 1]!.id;
    x.assertOwner();
    // A bill whose record the scheme's filter node now leaves out is not audited (a 销售出库单 of a
    // delivery cancelled since would move stock): it stays saved, with the reason, until its record
    // passes again or a person deletes the unaudited bill in the target.
    // One the filter cannot judge now (its value map lacks the value) is not audited either: it stays
    // saved with that reason, until the map is fixed.
    const vars = x.vars();
    const verdicts = new Map(bills.map((b) => [b, x.judge(b.data, vars)]));
    const judged = bills.filter((b) => verdicts.get(b)!.passes && !verdicts.get(b)!.error);
    const leftOut = bills.filter((b) => !judged.includes(b));
    // What each record maps to now: a payload that differs from what was saved means the record
    // changed since the save (its data, or the mapping).
    await x.warm(judged.map((b) => b.data), vars);
    // A bill whose number the record maps to now is another is not reopened either (session 32's
    // audit of its own changes): saved again, the upsert would look the new number up, find nothing,
    // and create a second bill beside the reopened one. It stays saved, saying so, as the mark refuses
    // a written record renumbered (MarkedRecords.renumbered).
    const { numberField } = plan.target;
    const renumbered = (b: SavedBill, payload: Record<string, unknown>): string | undefined => {
      if (b.targetNumber === "") return undefined;
      const number = payloadNumber(payload, numberField);
      return number !== undefined && targetNumberKey(number) === targetNumberKey(b.targetNumber)
        ? undefined
        : renumberedError(numberField, b.targetNumber, number, true);
    };
    const now = new Map(
      judged.map((b) => {
        const mapped = x.map(b.data, vars);
        const problem = mapped.errors[0]
          ? unmappable(mapped.errors[0].message, mapped.errors[0].messageEn)
          : mapped.waits.length > 0
            ? unmappable("它引用的记录尚未写入", "a record it refers to is not written yet")
            : renumbered(b, mapped.payload);
        return [b, { hash: payloadHash(mapped.payload, mapped.errors), problem }];
      }),
    );
    const changed = (b: SavedBill) => now.get(b)!.hash !== b.payloadHash;
    const toAudit = judged.filter((b) => !upsert || !changed(b));
    const toReopen = upsert ? judged.filter((b) => changed(b) && !now.get(b)!.problem) : [];
    const cannotMap = upsert ? judged.filter((b) => changed(b) && now.get(b)!.problem) : [];
    const audited = await send(x, "audit", toAudit);
    const reopened = await send(x, "reopen", toReopen);
    const results: AuditResult[] = [
      ...toAudit.map((bill, i) => resultOf(bill, audited.get(i), changed(bill) ? now.get(bill)!.hash : undefined)),
      ...toReopen.map((bill, i) => reopenedOf(bill, reopened.get(i), now.get(bill)!.hash)),
      ...cannotMap.map((bill): AuditResult => ({ id: bill.id, outcome: "saved", error: now.get(bill)!.problem! })),
      ...leftOut.map((bill): AuditResult => {
        const unjudged = verdicts.get(bill)!.error;
        return { id: bill.id, outcome: "saved", error: unjudged ? `${unjudged.message} / ${unjudged.messageEn}` : LEFT_OUT };
      }),
    ];
    const recorded = await recordAuditResults(x.db, { ...x.attemptRef, mode: plan.target.mode, results });
    if (!recorded.fenced) throw new AttemptSuperseded();
    // The only statement of the loop that reads the run: a cancellation requested meanwhile is seen
    // here, and the next interruption() stops before another audit goes out (session 31's audit).
    x.observe(recorded.run);
    const firstError = results.flatMap((r) => (r.outcome === "written" || r.outcome === "reopened" ? [] : [r.error]))[0] ?? "";
    const counts = { audited: recorded.written, saved: recorded.saved, failed: recorded.failed, stale: recorded.stale, reopened: recorded.reopened };
    await x.journal[recorded.written + recorded.reopened === bills.length ? "info" : "warn"](message("audit.batch", { ...counts, firstError }), counts);
  }
}
