// Records whose write outcome is unknown (待确认, issue #11): parked, then looked up in the target
// once the wait has passed; found → written, absent → pending (sent again), no number → failed,
// the lookup failing → looked up again later. Never sent twice, never lost. In upsert mode a found
// record may have been an update, whose number exists either way: sent again (see resolveUnknown),
// or, for a bill, decided by its status (foundByBillState).
import { message, type WriteMode } from "@qiao/core";
import { isConnectorError, type FoundRecord } from "@qiao/connectors";
import { dueUnknownRecords, outcomeStats, parkSending, postponeUnknown, resolveUnknown, sendingMarkedByOthers, type OutcomeVerdict, type UnknownRecord } from "@qiao/db";
import { payloadHash } from "./hash";
import { payloadNumber } from "./target-number";
import type { RunScope } from "./scope";

/** How many unknown records one lookup asks about. */
const LOOKUP_CHUNK = 500;

/** "18:30:05" in the scheme's timezone, for log lines a person reads. */
export function clockTime(at: Date, timezone: string): string {
  return at.toLocaleTimeString("zh-CN", { timeZone: timezone, hour12: false });
}

/** Records of the scheme whose outcome is still unknown, and when the first lookup is due. */
export interface OutcomesPending {
  count: number;
  nextCheck: Date | null;
}

/**
 * Parks the scheme's `sending` rows (left by another attempt: see parkSending) as unknown, then
 * looks up the unknown records that are due. Returns how many are pending again (absent, or found
 * in upsert mode: see resolveUnknown), to be sent by the caller, and what is still unknown. Call it only when this attempt has
 * no call in flight. One pass over the scheme's staging when there is nothing to settle.
 */
export async function settleOutcomes(x: RunScope): Promise<{ requeued: number; pending: OutcomesPending }> {
  const { plan, run } = x;
  // Nothing left to settle since this attempt looked (and none of its own outcomes was unknown),
  // unless a superseded attempt's mark that straddled this attempt's claim committed since (sendingMarkedByOthers).
  if (x.outstanding && !x.outstanding.settle && !(await x.clock.time("protocol", () => sendingMarkedByOthers(x.db, x.attemptRef)))) {
    return { requeued: 0, pending: { count: 0, nextCheck: null } };
  }
  let stats = await x.clock.time("protocol", () => outcomeStats(x.db, run.schemeId));
  x.outstanding = { settle: stats.sending + stats.unknown > 0, pending: (x.outstanding?.pending ?? false) || stats.pending > 0 };
  if (stats.sending === 0 && stats.due === 0) return { requeued: 0, pending: { count: stats.unknown, nextCheck: stats.nextCheck } };
  const delayMs = x.lease.leaseMs + x.unknownWaitMs;
  const { parked, lastCheck } =
    stats.sending === 0
      ? { parked: 0, lastCheck: null }
      : await x.clock.time("protocol", () =>
          parkSending(x.db, {
            ...x.attemptRef,
            schemeId: run.schemeId,
            delayMs,
            afterLeaseMs: x.unknownWaitMs,
            message: "写入被中断（工作进程退出或被接替），结果待确认：稍后在目标系统中核对，核对前不会重发",
          }),
        );
  if (parked > 0) {
    // When the last of them is looked up: a lease and the wait from now, or later (the lease of the run that sent them).
    const checkAfter = lastCheck ?? new Date(Date.now() + delayMs);
    const at = clockTime(checkAfter, plan.timezone);
    await x.journal.warn(message("outcomes.interrupted", { parked, at, numberField: plan.target.numberField }), {
      parked, checkAfter: checkAfter.toISOString() },
    );
  }
  const requeued = stats.due > 0 ? await resolveDue(x) : 0;
  stats = await x.clock.time("protocol", () => outcomeStats(x.db, run.schemeId));
  x.outstanding = { settle: stats.sending + stats.unknown > 0, pending: x.outstanding.pending || requeued > 0 || stats.pending > 0 };
  return { requeued, pending: { count: stats.unknown, nextCheck: stats.nextCheck } };
}

/**
 * The lookup of unknown outcomes: with the bill's status for bill forms (when the connector gives
 * it), number → id alone otherwise. `sent` (number → the payload sent under it) lets a target whose
 * numbers are unique only within part of a record (金蝶 base data: per 使用组织) answer that part's
 * copy: another organisation's customer with the number is not our write.
 */
async function findRecords(x: RunScope, sent: Map<string, Record<string, unknown>>): Promise<Map<string, FoundRecord>> {
  const { formId, api } = x.plan.target;
  const numbers = [...sent.keys()];
  if (api.bill && x.target.findRecords) return x.target.findRecords(formId, numbers, x.ctx.signal, sent);
  const ids = await x.target.findExisting(formId, numbers, x.ctx.signal, sent);
  return new Map([...ids].map(([number, id]) => [number, { id }]));
}

/**
 * Upsert mode, bills (session 18): what a found bill's status says of a write whose outcome was
 * unknown, where its number alone proves nothing (an update's bill exists either way). The protocol
 * docs are silent; our rules, in both audit modes:
 * - audited, the record written before, and no answer from the connector (parked from `sending`;
 *   session 23): sent again. The earlier write may have audited the bill, and the connector sends no
 *   update to an audited bill, so the bill says nothing of a write that may never have gone out (a
 *   worker killed between the mark and the call, the lookup before the save failing). Sent again,
 *   the connector finds it audited and fails it with what to do (反审核, then retry): never written
 *   with a payload 金蝶 does not hold. The price: an update that did go out and commit in that
 *   window is reported as refused. An unknown the connector answered after sending (a timeout) was
 *   sent to a bill it had just found unaudited: the next rule.
 * - audited otherwise (a first write, or answered after the send): written. The connector sends an
 *   update only to a bill that is not audited, and with IsAutoSubmitAndAudit save, submit and audit
 *   are one transaction, so an audited bill is the save that happened (sent again it would be
 *   refused, 已审核的单据不能修改: a save that happened reported failed). With audit "separate" it is our own chain completed by an attempt that died before
 *   recording it (or a person's audit): either way the bill is final, there is nothing left to send
 *   or audit, and a retry would only find it audited. What the status cannot tell: a person auditing
 *   the bill between our send and the lookup while our update did not commit.
 * - open (创建, 重新审核, 暂存): sent again, as an update (the connector finds the number and saves
 *   with the FID). With IsAutoSubmitAndAudit an update that committed would have left it audited, so
 *   after the wait it did not commit; with audit "separate" (or the option off) the update may or may
 *   not be there, and saving an unaudited bill again is idempotent in effect. Before, "separate"
 *   took it for saved and a retry audited it without the update. Never a second bill: the number is
 *   found, so it is an update.
 * - submitted (审核中), or a status the connector does not know: the mode's rules as before (found =
 *   saved with "separate": only the audit is left; "targeted" resend with "withSave").
 * Create mode is unchanged: found = written (saved with "separate").
 */
function foundByBillState(mode: WriteMode, found: FoundRecord, row: UnknownRecord): Pick<OutcomeVerdict, "foundAs" | "note"> | undefined {
  if (mode !== "upsert") return undefined;
  if (found.billState === "audited" && row.writtenBefore && !row.afterSend) {
    return {
      foundAs: "resend",
      note:
        "结果待确认的更新经核对：单据已审核，但这条记录之前写入并可能审核过它，而这次写入没有得到回应（可能没有发出），已审核不能证明这次更新已保存：已重新排队；单据仍为已审核时，更新会被拒绝并说明如何处理 / " +
        "The update whose outcome was unknown: the bill is audited, but the record was written (and maybe audited) before and this write got no answer (it may never have gone out), so the audit does not prove the update was saved: queued again; while the bill stays audited the update is refused, saying what to do",
    };
  }
  if (found.billState === "audited") return { foundAs: "written" };
  if (found.billState === "open") {
    return {
      foundAs: "resend",
      note:
        `结果待确认的更新经核对：单据在目标系统中存在且未审核（状态 ${found.status ?? "未知"}），不能证明更新已保存：已重新排队，作为更新再次发送后再审核（保存未审核的单据可以安全重发） / ` +
        `The update whose outcome was unknown: the bill exists and is not audited (status ${found.status ?? "unknown"}), which does not prove the update was saved: queued again, to be saved as an update (safe on an unaudited bill), then audited`,
    };
  }
  return undefined;
}

async function resolveDue(x: RunScope): Promise<number> {
  const { plan, run } = x;
  const totals = { written: 0, requeued: 0, resent: 0, failed: 0, stale: 0 };
  let afterId = 0n;
  for (;;) {
    x.assertOwner();
    const rows = await x.clock.time("protocol", () => dueUnknownRecords(x.db, { schemeId: run.schemeId, afterId, limit: LOOKUP_CHUNK }));
    if (rows.length === 0) break;
    afterId = rows[rows.length - 1]!.id;
    const numbers = rows.map((r) => (r.payload ? payloadNumber(r.payload, plan.target.numberField) : undefined));
    // The first row under a number is the one a found record is given to (below).
    const lookup = new Map<string, Record<string, unknown>>();
    rows.forEach((row, i) => {
      const number = numbers[i];
      if (number !== undefined && !lookup.has(number)) lookup.set(number, row.payload!);
    });
    let existing: Map<string, FoundRecord>;
    try {
      existing = lookup.size > 0 ? await x.clock.time("write", () => findRecords(x, lookup)) : new Map();
    } catch (error) {
      if (!isConnectorError(error) || error.kind === "cancelled") throw error;
      const retryMs = Math.max(1_000, Math.min(x.unknownWaitMs, 60_000));
      await postponeUnknown(x.db, { ...x.attemptRef, ids: rows.map((r) => r.id), delayMs: retryMs });
      await x.journal.warn(
        message("outcomes.lookupFailed", { rows: rows.length, error: error.message, kind: error.kind, retrySeconds: Math.round(retryMs / 1000) }),
        { rows: rows.length, retryMs },
      );
      continue;
    }
    const claimed = new Set<string>();
    const verdicts: OutcomeVerdict[] = rows.map((row, i) => {
      const number = numbers[i];
      const found = number === undefined || claimed.has(number) ? undefined : existing.get(number);
      if (found !== undefined) claimed.add(number!);
      const byState = found ? foundByBillState(plan.target.mode, found, row) : undefined;
      return {
        id: row.id,
        batchId: row.batchId,
        outcome: found !== undefined ? "found" : number !== undefined ? "absent" : "unverifiable",
        sentHash: row.payload ? payloadHash(row.payload) : null,
        targetId: found?.id ?? null,
        targetNumber: found !== undefined ? number : null,
        number,
        ...byState,
      };
    });
    const result = await x.clock.time("protocol", () =>
      resolveUnknown(x.db, {
        ...x.attemptRef,
        mode: plan.target.mode,
        verdicts,
        // Bills audited in separate calls: found means saved, maybe not audited; a retry audits it.
        // (In upsert mode a bill's status decides first: foundByBillState's verdicts override both.)
        foundAs: plan.target.audit === "separate" ? "saved" : "written",
        // Base data can always be updated: any found record may have been an update, sent again.
        // A bill only if it was ours before (an audited bill refuses a second save).
        resendFound: plan.target.api.bill ? "targeted" : "any",
        // What the lookup makes pending, this run sends; a test run writes its sample only.
        adopt: x.run.trigger !== "test",
        messages: {
          foundSaved:
            "写入结果未知，经核对单据已保存在目标系统中，但是否已审核未知：重试时先核对状态再提交审核，不会再次保存 / " +
            "The outcome was unknown; the bill is saved in the target, but whether it was audited is not known: a retry checks its status and audits it, never saves it again",
          absent: "结果待确认的写入经核对在目标系统中不存在，已重新排队发送 / The record whose outcome was unknown is not in the target; it was queued again",
          foundResent:
            "结果待确认的写入经核对在目标系统中存在，但这不能证明本次写入（可能是更新，或记录已变更）已处理：已重新排队，作为更新再次发送（更新可以安全重发） / " +
            "The record whose outcome was unknown is in the target, which does not prove this write (maybe an update, or the record changed meanwhile) was processed: queued again, to be sent as an update (safe to repeat)",
          unverifiable:
            `写入结果未知，这条记录没有 ${plan.target.numberField}，无法确认目标系统是否已保存；请在目标系统中核对后重试 / ` +
            `The outcome is unknown and the record has no ${plan.target.numberField} to look up; verify it in the target, then retry`,
        },
      }),
    );
    totals.written += result.written;
    totals.requeued += result.requeued;
    totals.resent += result.resent;
    totals.failed += result.failed;
    totals.stale += result.stale;
  }
  // A found update left stale (create mode) is checked too: before session 35 it was in no count, and
  // a lookup that found only such records logged nothing at all.
  const checked = totals.written + totals.requeued + totals.failed + totals.stale;
  if (checked > 0) {
    const counts = {
      written: totals.written,
      requeued: totals.requeued - totals.resent,
      failed: totals.failed,
      ...(totals.resent > 0 && { resent: totals.resent }),
      ...(totals.stale > 0 && { stale: totals.stale }),
    };
    await x.journal.info(message("outcomes.checked", { checked, numberField: plan.target.numberField, ...counts }), counts);
  }
  return totals.requeued;
}
