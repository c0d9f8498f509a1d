// Retrying bills saved but not audited (已保存未审核): the retry run took them over (they stay
// `saved`); here they are submitted and audited through the target's `audit`, batch by batch, and
// never saved again — the bill exists, a second Save would create a second one. The target checks
// each bill's status first, so auditing one that an earlier, interrupted attempt audited is harmless.
import { message } from "@qiao/core";
import { isConnectorError, type WriteOutcome } from "@qiao/connectors";
import { recordAuditResults, savedBillsOfRun, type AuditResult, type SavedBill } from "@qiao/db";
import { AttemptSuperseded } from "./failure";
import type { PhaseEnd, RunScope } from "./scope";

function resultOf(bill: SavedBill, o: WriteOutcome | undefined): AuditResult {
  if (!o) return { id: bill.id, outcome: "saved", error: "目标连接器没有返回这张单据的审核结果 / The target returned no audit outcome for this bill" };
  if (o.ok) return { id: bill.id, outcome: "written", response: o.response };
  // Saved and still not audited, or an audit whose outcome is unknown: it stays saved (checked again next time).
  if (o.saved || o.unknown) return { id: bill.id, outcome: "saved", error: o.message, errorField: o.field ?? null, response: o.response };
  return { id: bill.id, outcome: "failed", error: o.message, errorField: o.field ?? null, response: o.response };
}

const LEFT_OUT =
  "源记录已不符合过滤条件：单据已保存但不再审核；请在金蝶中删除这张未审核的单据，或修改过滤条件 / " +
  "The record no longer passes the scheme's filter: the bill was saved and is not audited; delete the unaudited bill in the target, or change the filter";

/**
 * Audits the saved bills this (retry) run took over, batch by batch. Stops at a batch boundary when
 * the run is cancelled or the worker stops (the phase's end says which; the caller must not go on
 * writing then): each audit moves stock in the target, so none goes out after a 取消 was seen.
 */
export async function auditSavedBills(x: RunScope): Promise<PhaseEnd> {
  const { plan, run } = x;
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
    const kept = bills.filter((b) => verdicts.get(b)!.passes && !verdicts.get(b)!.error);
    const leftOut = bills.filter((b) => !kept.includes(b));
    let outcomes: WriteOutcome[];
    if (kept.length === 0) {
      outcomes = [];
    } else if (!x.target.audit) {
      outcomes = kept.map((_, index) => ({ ok: false, index, message: `目标接口 ${plan.target.api.id} 不支持单独审核 / The target cannot audit bills`, response: null }));
    } else {
      try {
        outcomes = await x.clock.time("write", () =>
          x.target.audit!({
            formId: plan.target.formId,
            // Interaction flags such as STK_InvCheckResult apply to the audit as they did to the save.
            options: plan.target.options,
            bills: kept.map((b) => ({ targetId: b.targetId, targetNumber: b.targetNumber })),
            ...(x.ctx.signal && { signal: x.ctx.signal }),
          }),
        );
      } catch (error) {
        if (!isConnectorError(error)) throw error;
        // Nothing was audited for certain, and nothing was saved: the bills stay saved, with the reason.
        outcomes = kept.map((_, index) => ({ ok: false, saved: true, index, targetId: "", targetNumber: "", message: error.message, response: null }));
      }
    }
    const byIndex = new Map(outcomes.map((o) => [o.index, o]));
    const results: AuditResult[] = [
      ...kept.map((bill, i) => resultOf(bill, byIndex.get(i))),
      ...leftOut.map((bill): AuditResult => {
        const unjudged = verdicts.get(bill)!.error;
        return { id: bill.id, outcome: "saved", error: unjudged ? `${unjudged.message} / ${unjudged.messageEn}` : LEFT_OUT };
      }),
    ];
    const recorded = await recordAuditResults(x.db, { ...x.attemptRef, results });
    if (!recorded.fenced) throw new AttemptSuperseded();
    // The only statement of the loop that reads the run: a cancellation requested meanwhile is seen
    // here, and the next interruption() stops before another audit goes out (session 31's audit).
    x.observe(recorded.run);
    const firstError = results.flatMap((r) => (r.outcome === "written" ? [] : [r.error]))[0] ?? "";
    await x.journal[recorded.written === bills.length ? "info" : "warn"](
      message("audit.batch", {
        audited: recorded.written,
        saved: recorded.saved,
        failed: recorded.failed,
        firstError,
      }),
      { audited: recorded.written, saved: recorded.saved, failed: recorded.failed },
    );
  }
}
