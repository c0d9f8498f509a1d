// Submitting and auditing bills as separate calls (scheme audit "separate"): right after a Save
// with IsAutoSubmitAndAudit false, and later for bills saved but not audited (TargetClient.audit);
// and reopening such a bill whose record changed, to save it again (TargetClient.reopen, 撤销).
// Submit/Audit are writes: one whose outcome is unknown is never resent here. The bill is saved
// either way, so its outcome is `saved` and a later `audit` looks its status up first, which makes
// a repeated audit harmless (an audited bill is reported ok without any call).
//
// Where kingdee-documents.md is silent (our choices):
// - Submit/Audit body: {"formid","data":{"Numbers":[…],"InterationFlags":"…"}}; each number gets its
//   own result, matched by Number in SuccessEntitys (else DIndex = place in Numbers) and by DIndex
//   in Errors. An error without DIndex belongs to the only bill of a call, or to none (batch error).
// - Status A (创建) and D (重新审核), and any status other than B/C, are submitted first; B (审核中)
//   is audited; C (已审核) is done.
// - Who submitted a bill: FDocumentStatus B says only that it is submitted. A `saved` outcome says
//   whether this call's own Submit went through (`submitted`); the engine records it, and `reopen`
//   withdraws (撤销) only a submission so recorded as Qiao's (session 34). Not recorded as Qiao's is
//   not "a person's": a Submit whose answer was lost may have gone through (session 35's wording).
import { ConnectorError, isConnectorError } from "../errors";
import type { AuditRequest, TargetApiMeta, WriteOutcome } from "../types";
import type { KingdeeClient } from "./client";
import { billStateOf, formApi, lookUp } from "./lookup";
import { mappingKeyOf } from "./model";
import { PLATFORM } from "./meta";
import { firstErrorMessage, saveResponseSchema, SERVICE } from "./protocol";

/** A bill that exists in Kingdee, to be brought to 已审核. */
export interface SavedBill {
  index: number;
  targetId: string;
  targetNumber: string;
  /** FDocumentStatus as last known. */
  status: string;
}

export interface AuditContext {
  client: KingdeeClient;
  api: TargetApiMeta;
  formId: string;
  /** InterationFlags (e.g. STK_InvCheckResult), "" for none. */
  flags: string;
  signal?: AbortSignal;
  /**
   * The deadline of each Submit and Audit call: a time, or a function read right before each call
   * (a write's `followUpSendBy`: the writing attempt's lease as last renewed).
   */
  sendBy?: number | (() => number);
}

/**
 * How often a Submit or Audit not sent because its deadline passed while it waited (a slot, the rate
 * limit) is tried again, when the deadline has moved on since (the attempt renewed its lease).
 */
const NOT_SENT_ROUNDS = 20;

type StepResult = { ok: true; response: unknown } | { ok: false; unknown: boolean; message: string; field?: string; code?: string; response: unknown };

const STEP_NAME = { submit: "提交", audit: "审核", cancelAssign: "撤销提交" } as const;

type Step = keyof typeof STEP_NAME;

/** One Submit, Audit or CancelAssign (撤销) call for these bills: a result per bill index. */
async function operate(ctx: AuditContext, step: Step, bills: SavedBill[]): Promise<Map<number, StepResult>> {
  const results = new Map<number, StepResult>();
  if (bills.length === 0) return results;
  const name = STEP_NAME[step];
  const all = (result: StepResult) => bills.forEach((b) => results.set(b.index, result));
  let json: unknown;
  const deadline = (): number | undefined => (typeof ctx.sendBy === "function" ? ctx.sendBy() : ctx.sendBy);
  for (let round = 1; ; round++) {
    const sendBy = deadline();
    try {
      json = await ctx.client.call(
        SERVICE[step],
        // Interaction flags (STK_InvCheckResult) are the audit's: a withdrawal moves no stock.
        { formid: ctx.formId, data: { Numbers: bills.map((b) => b.targetNumber), ...(ctx.flags && step !== "cancelAssign" ? { InterationFlags: ctx.flags } : {}) } },
        { signal: ctx.signal, write: true, ...(sendBy !== undefined && { sendBy }) },
      );
      break;
    } catch (e) {
      // Not sent (its deadline passed while it waited), and the attempt has renewed its lease since:
      // again, under the new deadline. Nothing of this call went out.
      if (isConnectorError(e) && e.kind === "not_sent" && round < NOT_SENT_ROUNDS && sendBy !== undefined && (deadline() ?? 0) > sendBy) continue;
      // Not thrown on: the bills are saved, and a throw would let the caller put the batch back and
      // save them again. An error that is not the client's own says nothing of what was sent: unknown.
      if (isConnectorError(e)) all({ ok: false, unknown: e.kind === "unknown_outcome", message: e.message, code: e.kind, response: null });
      else all({ ok: false, unknown: true, message: `金蝶${name}时出错：${String(e)}`, response: null });
      return results;
    }
  }
  const parsed = saveResponseSchema.safeParse(json);
  if (!parsed.success) {
    all({ ok: false, unknown: true, message: `金蝶${name}的回答不符合协议（缺少 Result.ResponseStatus）`, response: null });
    return results;
  }
  const status = parsed.data.Result.ResponseStatus;
  const code = status.MsgCode == null ? undefined : String(status.MsgCode);
  const byNumber = new Map(bills.map((b) => [b.targetNumber, b]));
  for (const s of status.SuccessEntitys ?? []) {
    const bill = (s.Number ? byNumber.get(s.Number) : undefined) ?? bills[s.DIndex ?? -1];
    if (bill) results.set(bill.index, { ok: true, response: s });
  }
  const errors = new Map<number, NonNullable<typeof status.Errors>>();
  for (const e of status.Errors ?? []) {
    const bill = e.DIndex == null ? (bills.length === 1 ? bills[0] : undefined) : bills[e.DIndex];
    if (bill && !results.get(bill.index)?.ok) errors.set(bill.index, [...(errors.get(bill.index) ?? []), e]);
  }
  for (const [index, list] of errors) {
    const message = list.map((e) => e.Message ?? "").filter(Boolean).join("；") || `金蝶${name}失败（没有说明原因）`;
    const named = list.find((e) => e.FieldName);
    const field = named?.FieldName ? mappingKeyOf(ctx.api, named.FieldName, named.Message ?? "") : undefined;
    results.set(index, { ok: false, unknown: false, message, ...(field && { field }), ...(code && { code }), response: list });
  }
  for (const bill of bills) {
    if (results.has(bill.index)) continue;
    const batchError = status.IsSuccess ? "" : `；本批错误：${firstErrorMessage(status)}`;
    results.set(bill.index, { ok: false, unknown: false, message: `金蝶没有返回单据 ${bill.targetNumber} 的${name}结果${batchError}`, code, response: status });
  }
  return results;
}

/**
 * A bill left saved by a failed Submit or Audit. `submitted` (WriteOutcome's): a Submit of this call
 * that failed leaves no submission of Qiao's (refused, or unknown: not known to be Qiao's); an Audit
 * that failed after this call's own Submit went through leaves Qiao's submission; an Audit of a bill
 * found submitted already says nothing of whose submission it is (undefined: what was known stays).
 */
function notAudited(bill: SavedBill, step: "submit" | "audit", result: Extract<StepResult, { ok: false }>, submittedHere: boolean): WriteOutcome {
  const name = STEP_NAME[step];
  const message = result.unknown
    ? `单据已保存，${name}结果未知（${result.message}）；重试时先查询单据状态，不会重复${name}`
    : `单据已保存，${name}失败：${result.message}`;
  return stillSaved(bill, message, result.response, {
    field: result.field,
    code: result.code,
    submitted: step === "submit" ? false : submittedHere ? true : undefined,
  });
}

/**
 * The outcome of a bill that stays saved (已保存未审核): the one shape notAudited and reopenBills
 * share. `submitted` undefined: what was known of its submission stays (WriteOutcome's).
 */
function stillSaved(
  bill: SavedBill,
  message: string,
  response: unknown,
  more: { field?: string | undefined; code?: string | undefined; submitted?: boolean | undefined } = {},
): WriteOutcome {
  return {
    ok: false,
    saved: true,
    index: bill.index,
    targetId: bill.targetId,
    targetNumber: bill.targetNumber,
    message,
    ...(more.field ? { field: more.field } : {}),
    ...(more.code ? { code: more.code } : {}),
    ...(more.submitted !== undefined && { submitted: more.submitted }),
    response,
  };
}

/** Brings saved bills to 已审核: Submit those not yet submitted, then Audit. An outcome per bill. */
export async function submitAndAudit(ctx: AuditContext, bills: SavedBill[]): Promise<WriteOutcome[]> {
  const outcomes: WriteOutcome[] = [];
  const auditedStatus = ctx.api.bill?.auditedStatus ?? "C";
  const done = (bill: SavedBill, response: unknown) =>
    outcomes.push({ ok: true, index: bill.index, targetId: bill.targetId, targetNumber: bill.targetNumber, response });
  const toSubmit = bills.filter((b) => b.status !== auditedStatus && b.status !== "B");
  const toAudit = bills.filter((b) => b.status === "B");
  for (const bill of bills) if (bill.status === auditedStatus) done(bill, { [ctx.api.bill?.statusField ?? "FDocumentStatus"]: bill.status });
  const submitted = await operate(ctx, "submit", toSubmit);
  const submittedHere = new Set<number>();
  for (const bill of toSubmit) {
    const result = submitted.get(bill.index)!;
    if (result.ok) {
      toAudit.push(bill);
      submittedHere.add(bill.index);
    } else outcomes.push(notAudited(bill, "submit", result, false));
  }
  const audited = await operate(ctx, "audit", toAudit);
  for (const bill of toAudit) {
    const result = audited.get(bill.index)!;
    if (result.ok) done(bill, result.response);
    else outcomes.push(notAudited(bill, "audit", result, submittedHere.has(bill.index)));
  }
  return outcomes.sort((a, b) => a.index - b.index);
}

/**
 * What Submit and Audit need of a write or audit request; the flags are the request's, else the form's default.
 *
 * Their deadline (session 23). A write's `sendBy` is the deadline of its *save*, from the lease as
 * the batch was marked: the save creates bills, and must go out before another attempt that claims
 * the run could look the marked records up (it parks them until the run's lease plus the wait). The
 * Submit and Audit that follow a save that went reused it, so a save answered after that deadline
 * (a slow 金蝶, with the lease renewed all along) left every bill of the batch `saved`, unaudited until
 * a person retried. They now go by the write's `followUpSendBy` when it has one: the engine's lease
 * as last renewed. Not without a deadline: they cannot make a second bill (the number exists; an
 * audited bill is not audited again), but the records are still `sending`, and a superseded attempt's
 * Submit or Audit landing after the new attempt's lookup could refuse its update of the bill (审核中 /
 * 已审核 cannot be saved) — the mark's rule, "nothing of the batch goes out after another attempt may
 * have looked it up", holds for every call of the write instead. A renewal proves the attempt owned
 * the run up to it, and the run's lease only moves later, so the renewed deadline keeps that bound.
 */
export function auditContext(
  client: KingdeeClient,
  api: TargetApiMeta,
  req: { formId: string; options?: Record<string, unknown>; signal?: AbortSignal; sendBy?: number; followUpSendBy?: () => number },
): AuditContext {
  const flags = req.options?.InterationFlags ?? api.options.find((o) => o.key === "InterationFlags")?.default;
  const sendBy = req.followUpSendBy ?? req.sendBy;
  return {
    client,
    api,
    formId: req.formId,
    flags: typeof flags === "string" ? flags.trim() : "",
    ...(req.signal && { signal: req.signal }),
    ...(sendBy !== undefined && { sendBy }),
  };
}

/** The bills of a request found in 金蝶 by number; those not found (or without a number) get their failure. */
async function foundBills(client: KingdeeClient, req: AuditRequest, outcomes: WriteOutcome[], what: string): Promise<{ api: TargetApiMeta; bills: SavedBill[] }> {
  const api = formApi(req.formId);
  if (!api.bill) throw new ConnectorError("request", PLATFORM, `金蝶表单 ${req.formId} 不是单据，没有提交和审核`);
  const numbers = req.bills.map((b) => b.targetNumber).filter((n) => n !== "");
  const existing = await lookUp(client, api, req.formId, numbers, req.signal);
  const bills: SavedBill[] = [];
  req.bills.forEach((bill, index) => {
    const found = bill.targetNumber === "" ? undefined : existing.get(bill.targetNumber);
    if (found) bills.push({ index, targetId: found.id, targetNumber: bill.targetNumber, status: found.status ?? "" });
    else {
      const message =
        bill.targetNumber === ""
          ? `这张单据没有单据编号，无法在金蝶中查到它，也无法${what}`
          : `单据 ${bill.targetNumber} 在金蝶中不存在（可能已被删除），无法${what}；请重新写入这条记录`;
      outcomes.push({ ok: false, index, field: api.numberField, message, response: null });
    }
  });
  return { api, bills };
}

/**
 * Why a submitted (审核中) bill not recorded as submitted by Qiao stays saved (session 35's wording).
 * `submittedByQiao` false does not say a person submitted it: it is also false when Qiao's own Submit
 * went out and its answer was lost (unknown), when a lookup found the bill saved after an unknown
 * write, when a withdrawal's answer was lost, and for bills saved before the flag existed. Only a
 * refused Submit makes it certainly not Qiao's, and the flag cannot tell that case apart (a tri-state
 * would take a migration and change only these words: the person does the same either way). So the
 * text says what is known: the submission may be Qiao's earlier one or a person's, and which it is
 * cannot be told.
 */
function submittedNotKnownOurs(number: string): string {
  return (
    `单据已在金蝶中提交（审核中），但 Qiao 无法确认这次提交是谁做的，因此不会撤销：单据 ${number} 的源记录在保存后已变更。` +
    `这次提交可能是 Qiao 自己之前的提交（那次提交或撤销提交时没有收到金蝶的应答，结果未能确认），也可能是有人在金蝶中提交的；Qiao 只撤销确知是自己做的提交。` +
    `请在金蝶中查看这张单据：要按变更后的数据更新，请撤销它的提交（若是同事提交的，先与其确认），再重试这条记录（Qiao 会保存变更，再提交审核）；要保留原数据，请在金蝶中审核它`
  );
}

/**
 * TargetClient.reopen: saved, unaudited bills whose record changed since they were saved, to be
 * saved again (an update) before their audit. Each bill's status is looked up first (FDocumentStatus,
 * ExecuteBillQuery): an open one (创建, 重新审核, 暂存) needs nothing; a submitted one (审核中) has
 * its submission withdrawn with CancelAssign (撤销), which brings it back to 创建 — only when the
 * submission is known to be Qiao's own (`submittedByQiao`: Qiao's Submit went through, the Audit was
 * refused). Any other submitted bill may carry a person's submission (Qiao's Submit refused, then a
 * person submitted it in 金蝶) or Qiao's own whose outcome Qiao never learnt (its Submit's answer
 * lost): Qiao never withdraws it (session 34), the bill stays `saved` saying it cannot tell whose
 * submission it is and what to do (submittedNotKnownOurs). 金蝶 answers no "who submitted"
 * (kingdee-documents.md is silent; the status alone cannot tell), so what Qiao recorded of its own
 * Submit decides; a person who withdrew Qiao's submission and submitted the bill again is not told
 * apart. An audited one (a person audited it in 金蝶 meanwhile) is not touched: Qiao never reverses an
 * audit (反审核), so it stays `saved` with what to do. Save is never called.
 *
 * kingdee-documents.md is silent on 撤销; our choices: the service is
 * DynamicFormService.CancelAssign with {"formid","data":{"Numbers":[…]}} as Submit and Audit take
 * (the public K/3 Cloud WebAPI SDKs name it 撤销 / CancelAssign), answered as they are. A withdrawal
 * whose outcome is unknown leaves the bill `saved`, no longer recorded as submitted by Qiao: the next
 * try looks its status up first, saves it again if open, and leaves it to a person if submitted.
 * Throws only when nothing was sent (the lookup failed).
 */
export async function reopenBills(client: KingdeeClient, req: AuditRequest): Promise<WriteOutcome[]> {
  const outcomes: WriteOutcome[] = [];
  const { api, bills } = await foundBills(client, req, outcomes, "撤销提交");
  const open = (bill: SavedBill, response: unknown) =>
    outcomes.push({ ok: true, index: bill.index, targetId: bill.targetId, targetNumber: bill.targetNumber, response });
  const stays = (bill: SavedBill, message: string, response: unknown, code?: string, submitted?: boolean) =>
    outcomes.push(stillSaved(bill, message, response, { code, submitted }));
  const statusField = api.bill!.statusField;
  const toWithdraw: SavedBill[] = [];
  for (const bill of bills) {
    const state = billStateOf(api, bill.status);
    if (state === "open") open(bill, { [statusField]: bill.status });
    else if (state === "submitted" && req.bills[bill.index]?.submittedByQiao === true) toWithdraw.push(bill);
    else if (state === "submitted") stays(bill, submittedNotKnownOurs(bill.targetNumber), { [statusField]: bill.status });
    else if (state === "audited")
      stays(
        bill,
        `已审核的单据不能修改：单据 ${bill.targetNumber} 已在金蝶中审核，它的源记录在保存后已变更，Qiao 不会修改它；如需更新，请先在金蝶中反审核这张单据，再重试这条记录`,
        { [statusField]: bill.status },
      );
    else stays(bill, `单据 ${bill.targetNumber} 此刻的状态为 ${bill.status || "未知"}，Qiao 无法判断能否重新保存它；请在金蝶中查看这张单据，再重试这条记录`, { [statusField]: bill.status });
  }
  const withdrawn = await operate({ ...auditContext(client, api, req), flags: "" }, "cancelAssign", toWithdraw);
  for (const bill of toWithdraw) {
    const result = withdrawn.get(bill.index)!;
    if (result.ok) open(bill, result.response);
    // Unknown: Qiao's submission may be gone already, and a submission found next time may be a
    // person's (session 34's audit): no longer recorded as Qiao's, so never withdrawn unasked. A
    // bill found open next time is saved again; one found submitted waits for a person.
    else if (result.unknown) stays(bill, `单据已保存并已提交，撤销提交的结果未知（${result.message}）；重试时先查询单据状态`, result.response, result.code, false);
    else stays(bill, `单据已保存并已提交，撤销提交失败：${result.message}`, result.response, result.code);
  }
  return outcomes.sort((a, b) => a.index - b.index);
}

/**
 * TargetClient.audit: bills saved earlier. Their status is looked up first (ExecuteBillQuery by
 * number), so an audited bill costs no call and nothing is done twice; Save is never called.
 * Throws only when nothing was sent (the lookup failed).
 */
export async function auditBills(client: KingdeeClient, req: AuditRequest): Promise<WriteOutcome[]> {
  const outcomes: WriteOutcome[] = [];
  const { api, bills } = await foundBills(client, req, outcomes, "审核");
  outcomes.push(...(await submitAndAudit(auditContext(client, api, req), bills)));
  return outcomes.sort((a, b) => a.index - b.index);
}
