// Writing records of any form: BatchSave with per-record outcomes by DIndex, upsert via an
// ExecuteBillQuery by number, and — for bills audited separately — Submit and Audit after the save
// (./audit.ts). A create whose BatchSave outcome is unknown is reported as such and never sent again
// here; the engine looks its number up once the server has had time to commit (issue #11). An update
// of base data is sent again instead: looking its number up proves nothing (it existed before). A
// bill update saved with IsAutoSubmitAndAudit is never sent again: its status says whether it
// committed (settleAuditedUpdate, session 18).
import { isEntryTable } from "@qiao/core";
import { ConnectorError, isConnectorError } from "../errors";
import type { TargetApiMeta, WriteOutcome, WritePreview, WriteRequest } from "../types";
import { errorClassOfKind } from "../error-class";
import { auditContext, submitAndAudit, type SavedBill } from "./audit";
import { kingdeeErrorClass } from "./error-class";
import type { KingdeeClient } from "./client";
import { billStateOf, formApi, lookUp, useOrgsOf, type Existing } from "./lookup";
import { PLATFORM } from "./meta";
import { auditsSeparately, mappingKeyOf, numberOf, saveBody, toModel, updatedFields, withId } from "./model";
import { firstErrorMessage, saveResponseSchema, SERVICE, type ResponseStatus } from "./protocol";

interface BatchContext {
  client: KingdeeClient;
  api: TargetApiMeta;
  req: WriteRequest;
  models: Record<string, unknown>[];
  numbers: (string | undefined)[];
  outcomes: (WriteOutcome | undefined)[];
  /** A BatchSave of this write may have reached the server. */
  sent: boolean;
}

type SaveError = NonNullable<ResponseStatus["Errors"]>[number];

/**
 * Reads a BatchSave answer into per-record outcomes; `sent[d]` is the record behind DIndex d.
 *
 * Where kingdee.md is silent (our choices):
 * - A success entity without DIndex (the schema allows it) is matched by its Number against the
 *   batch's numbers, as Submit/Audit match theirs: skipped, its saved record would fail and be sent
 *   again (a second record, or a duplicate-number refusal). A Number carried by several records of
 *   the batch matches none of them (it cannot say which was saved).
 * - An error without DIndex (a call-level refusal: MsgCode 2 没有权限, or [K13]'s
 *   AbstractInteractionResult of kingdee-documents.md) is an error of the whole batch: the only
 *   record of a one-record batch owns it; in a larger batch, each record 金蝶 said nothing of is
 *   classified by it and the MsgCode. Dropped, it left them `transient`, retried automatically for
 *   a refusal that only a person can lift. Errors with a DIndex of other records say nothing of a
 *   record's data: with no batch error such a record stays `transient` (the batch failed around it).
 * - IsSuccess true says every record was saved (kingdee.md: any error makes it false). A record it
 *   still did not name is `unknown` (looked up before anything is sent again), never a failure.
 */
function applyResponse(ctx: BatchContext, sent: number[], json: unknown): void {
  const parsed = saveResponseSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConnectorError("unknown_outcome", PLATFORM, "金蝶 BatchSave 的回答不符合协议（缺少 Result.ResponseStatus）");
  }
  const status = parsed.data.Result.ResponseStatus;
  const code = status.MsgCode == null ? undefined : String(status.MsgCode);
  const byNumber = new Map<string, number | null>();
  for (const index of sent) {
    const number = ctx.numbers[index];
    if (number !== undefined) byNumber.set(number, byNumber.has(number) ? null : index);
  }
  for (const s of status.SuccessEntitys ?? []) {
    const index = s.DIndex != null ? sent[s.DIndex] : s.Number ? (byNumber.get(s.Number) ?? undefined) : undefined;
    if (index === undefined || ctx.outcomes[index]?.ok) continue;
    ctx.outcomes[index] = { ok: true, index, targetId: String(s.Id), targetNumber: s.Number ?? ctx.numbers[index] ?? "", response: s };
  }
  const errorsByIndex = new Map<number, SaveError[]>();
  const batchErrors: SaveError[] = [];
  for (const e of status.Errors ?? []) {
    if (e.DIndex == null) {
      batchErrors.push(e);
      continue;
    }
    const index = sent[e.DIndex];
    if (index === undefined) continue;
    errorsByIndex.set(index, [...(errorsByIndex.get(index) ?? []), e]);
  }
  // As Submit/Audit do: the only record owns a batch error, unless 金蝶 named it saved.
  const only = sent.length === 1 ? sent[0]! : undefined;
  if (batchErrors.length > 0 && only !== undefined && !ctx.outcomes[only]?.ok) {
    errorsByIndex.set(only, [...(errorsByIndex.get(only) ?? []), ...batchErrors]);
  }
  for (const [index, errors] of errorsByIndex) {
    const named = errors.find((e) => e.FieldName);
    ctx.outcomes[index] = {
      ok: false,
      index,
      field: named?.FieldName ? mappingKeyOf(ctx.api, named.FieldName, named.Message ?? "") : undefined,
      message: errors.map((e) => e.Message ?? "").filter(Boolean).join("；") || "金蝶保存失败（没有说明原因）",
      code,
      errorClass: kingdeeErrorClass({ code, ownErrors: errors }),
      response: errors,
    };
  }
  sent.forEach((index, dIndex) => {
    if (ctx.outcomes[index]) return;
    if (status.IsSuccess) {
      ctx.outcomes[index] = {
        ok: false,
        unknown: true,
        index,
        message: `金蝶说本批保存成功，却没有返回这条记录（DIndex ${dIndex}）的结果：结果待确认，稍后在金蝶中核对`,
        response: status,
      };
      return;
    }
    ctx.outcomes[index] = {
      ok: false,
      index,
      message: `金蝶没有返回这条记录（DIndex ${dIndex}）的保存结果；本批错误：${firstErrorMessage(status)}`,
      code,
      // The batch's own errors (none: the batch failed around the record → transient).
      errorClass: kingdeeErrorClass({ code, ownErrors: batchErrors }),
      response: status,
    };
  });
}

/**
 * Sends one group of records with BatchSave until each has an outcome. A create whose call's
 * outcome is unknown is reported `unknown`, never sent again here: looking it up at once could miss
 * a save the server is still committing (the engine looks it up after a wait). Updates (id set)
 * carry the whole record and are idempotent: they are simply sent again, and one still unknown after
 * the retries fails as `transient`, so the retry policy sends it again later. Reported `unknown`,
 * the engine's lookup would find its number (an update's record exists either way) and record the
 * update as written although it may never have happened. A bill's update saved with
 * IsAutoSubmitAndAudit is not sent again at all (settleAuditedUpdate): once committed the bill is
 * audited and refuses a second save, so a resend turns a save that happened into a failure; its
 * status is looked up instead. Other bill updates (audit "separate", or the option off) save an
 * unaudited bill, which is idempotent in effect: retried here, and still unknown after the retries
 * they stay `unknown` (the engine's lookup decides by the bill's status: engine/src/outcomes.ts).
 * A record an IsSuccess:true answer leaves unnamed is `unknown` for updates too (applyResponse):
 * there 金蝶 said the call succeeded, so the lookup finding the number is the truth, not a guess.
 */
async function saveGroup(ctx: BatchContext, group: number[], kind: "create" | "update", needUpdateFields: string[]): Promise<void> {
  if (group.length === 0) return;
  // An update's rows carry no FEntryID, so they replace the stored rows; with IsDeleteEntry false
  // Kingdee would add them again on every update.
  const overrides = kind === "update" && group.some((i) => hasEntryRows(ctx.api, ctx.models[i]!)) ? { IsDeleteEntry: true } : {};
  const body = saveBody(
    ctx.api,
    ctx.req,
    group.map((i) => ctx.models[i]!),
    needUpdateFields,
    overrides,
  );
  for (let round = 0; ; round++) {
    try {
      const json = await ctx.client.call(SERVICE.batchSave, body, {
        signal: ctx.req.signal,
        write: true,
        ...(ctx.req.sendBy !== undefined && { sendBy: ctx.req.sendBy }),
      });
      ctx.sent = true;
      applyResponse(ctx, group, json);
      return;
    } catch (e) {
      if (!isConnectorError(e)) throw e;
      if (e.kind === "unknown_outcome") {
        ctx.sent = true;
        if (kind === "update" && ctx.api.bill && auditsInSave(body)) {
          await settleAuditedUpdate(ctx, group, e.message);
          return;
        }
        if (kind === "update" && round < ctx.client.retryLimit) {
          await ctx.client.pause(round, e, ctx.req.signal);
          continue;
        }
        if (kind === "update" && !ctx.api.bill) {
          for (const index of group) {
            ctx.outcomes[index] = {
              ok: false,
              index,
              message: `${e.message}：更新的结果未知（已发送 ${round + 1} 次）；更新可以安全重发，稍后自动再次发送`,
              code: e.kind,
              errorClass: "transient",
              response: null,
            };
          }
          return;
        }
        for (const index of group) ctx.outcomes[index] = { ok: false, unknown: true, index, message: `${e.message}：结果待确认，稍后在金蝶中核对`, response: null };
        return;
      }
      // Certainly not processed. With nothing of the batch sent yet, the caller puts it all back.
      if (!ctx.sent) throw e;
      for (const index of group) ctx.outcomes[index] = { ok: false, index, message: e.message, code: e.kind, errorClass: errorClassOfKind(e.kind), response: null };
      return;
    }
  }
}

/** Whether a BatchSave body saves, submits and audits in one transaction (IsAutoSubmitAndAudit true or "true"). */
function auditsInSave(body: Record<string, unknown>): boolean {
  const flag = (body.data as Record<string, unknown>).IsAutoSubmitAndAudit;
  return flag === true || (typeof flag === "string" && flag.trim().toLowerCase() === "true");
}

/**
 * Bill updates saved with IsAutoSubmitAndAudit whose call's outcome is unknown (session 18). Never sent
 * again here: save, submit and audit are one transaction, so an update that committed left the bill
 * 已审核, and a second save is refused (已审核的单据不能修改) — a save that happened reported as a data
 * failure. Instead the bills' status is looked up once: upsert sends an update only to a bill that is
 * not audited, so one found audited now is this update committed (ok). One not audited may still be
 * committing (a lookup right after a timeout cannot tell): `unknown`, for the engine's lookup after the
 * wait, which decides by the status again (audited = written, not audited = sent again). A failing
 * lookup leaves them `unknown` too. The protocol docs are silent on all of this: our choice.
 * The one case it takes wrongly: a person auditing the bill in 金蝶 between our send and the lookup,
 * with our update not committed — the status cannot tell that from our own audit.
 */
async function settleAuditedUpdate(ctx: BatchContext, group: number[], reason: string): Promise<void> {
  const { api } = ctx;
  const unknown = (index: number, why: string) => {
    ctx.outcomes[index] = {
      ok: false,
      unknown: true,
      index,
      message: `${reason}：更新的结果未知（保存、提交、审核在同一事务中）；${why}。稍后按单据状态核对（已审核即已更新，未审核则再次发送），核对前不会重发`,
      response: null,
    };
  };
  let found: Map<string, Existing>;
  try {
    const numbers = group.map((i) => ctx.numbers[i]).filter((n): n is string => n !== undefined);
    found = await lookUp(ctx.client, api, ctx.req.formId, numbers, ctx.req.signal);
  } catch (e) {
    for (const index of group) unknown(index, `查询单据状态失败（${e instanceof Error ? e.message : String(e)}）`);
    return;
  }
  for (const index of group) {
    const number = ctx.numbers[index];
    const bill = number === undefined ? undefined : found.get(number);
    const sentId = String(ctx.models[index]![api.idField]);
    if (bill && bill.id === sentId && bill.status === api.bill!.auditedStatus) {
      ctx.outcomes[index] = {
        ok: true,
        index,
        targetId: bill.id,
        targetNumber: number!,
        response: { lookedUp: true, reason, [api.idField]: bill.id, [api.numberField]: number, [api.bill!.statusField]: bill.status },
      };
    } else if (!bill) unknown(index, `单据 ${number ?? ""} 此刻查不到`);
    else unknown(index, `单据 ${number} 此刻的状态为 ${bill.status ?? "未知"}，尚未审核，可能仍在提交中`);
  }
}

/** The Models of these records by number (records without a number left out). */
function* modelsByNumber(ctx: BatchContext, indexes: Iterable<number>): Generator<readonly [string, Record<string, unknown>]> {
  for (const i of indexes) {
    const number = ctx.numbers[i];
    if (number !== undefined) yield [number, ctx.models[i]!];
  }
}

function hasEntryRows(api: TargetApiMeta, model: Record<string, unknown>): boolean {
  return api.fields.some((f) => isEntryTable(f) && Array.isArray(model[f.key]));
}

/** The form's API for a write request, or a request error (nothing sent). */
function apiOf(req: WriteRequest): TargetApiMeta {
  const api = formApi(req.formId);
  if (req.api !== api.id) throw new ConnectorError("request", PLATFORM, `金蝶连接器没有接口 ${req.api}（支持：${api.id}）`);
  return api;
}

/**
 * Upsert: existing numbers are updated through the id field and NeedUpDateFields, new ones created.
 * An audited bill, or one submitted (审核中), is not sent at all: Kingdee refuses to modify it, and
 * it stays as it is until a person 反审核 / 撤销 it in 金蝶.
 */
async function upsert(ctx: BatchContext): Promise<void> {
  const { api, req } = ctx;
  const numbers = ctx.numbers.filter((n): n is string => n !== undefined);
  // Base data: the copy of the record's own 使用组织 (./lookup.ts), not another organisation's.
  const existing = await lookUp(ctx.client, api, req.formId, numbers, req.signal, useOrgsOf(api, modelsByNumber(ctx, ctx.numbers.keys())));
  const creates: number[] = [];
  const updates: number[] = [];
  ctx.numbers.forEach((number, i) => {
    const found = number === undefined ? undefined : existing.get(number);
    const state = found && billStateOf(api, found.status);
    if (found && api.bill && (state === "audited" || state === "submitted")) {
      ctx.outcomes[i] = {
        ok: false,
        index: i,
        field: api.numberField,
        message:
          state === "audited"
            ? `已审核的单据不能修改：单据 ${number} 已审核，Qiao 不会修改它；如需更新，请先在金蝶中反审核这张单据，再重试这条记录`
            : `审核中的单据不能修改：单据 ${number} 已提交审核，Qiao 不会修改它；如需更新，请先在金蝶中撤销提交，再重试这条记录`,
        response: { [api.idField]: found.id, [api.numberField]: number, [api.bill.statusField]: found.status },
      };
      return;
    }
    ctx.models[i] = withId(api, ctx.models[i]!, found ? Number(found.id) : 0);
    (found ? updates : creates).push(i);
  });
  // NeedUpDateFields applies to a whole request and its effect on new records is not documented:
  // creates and updates go in separate calls.
  await saveGroup(ctx, creates, "create", []);
  await saveGroup(ctx, updates, "update", updatedFields(api, updates.map((i) => req.records[i]!)));
}

export async function writeBatch(client: KingdeeClient, req: WriteRequest): Promise<WriteOutcome[]> {
  const api = apiOf(req);
  const ctx: BatchContext = {
    client,
    api,
    req,
    models: req.records.map((r) => toModel(api, r)),
    numbers: req.records.map((r) => numberOf(api, r)),
    outcomes: new Array<WriteOutcome | undefined>(req.records.length),
    sent: false,
  };
  try {
    if (req.mode === "upsert") await upsert(ctx);
    else await saveGroup(ctx, req.records.map((_, i) => i), "create", []);
  } catch (e) {
    // write() throws only while nothing of the batch went out (TargetClient.write: the engine then
    // puts the whole batch back). Once a BatchSave went, a connector error (a cancel during the pause
    // before an update is sent again, session 32's audit) leaves the records without an answer
    // unknown, to be looked up before anything is sent again; those answered keep their outcome, and
    // bills saved go on to their Submit and Audit below as usual.
    if (!ctx.sent || !isConnectorError(e)) throw e;
    for (let index = 0; index < ctx.outcomes.length; index++) {
      ctx.outcomes[index] ??= { ok: false, unknown: true, index, message: `${e.message}：结果待确认，稍后在金蝶中核对`, response: null };
    }
  }
  if (auditsSeparately(api, req)) {
    // Saved without auditing: every saved bill is submitted, then audited (a saved update is back to
    // 创建 or 重新审核, whatever it was before). Their deadline is the request's followUpSendBy (the
    // attempt's lease as renewed since), not the save's sendBy: see auditContext.
    const saved: SavedBill[] = ctx.outcomes.flatMap((o) => (o?.ok ? [{ index: o.index, targetId: o.targetId, targetNumber: o.targetNumber, status: "A" }] : []));
    for (const outcome of await submitAndAudit(auditContext(client, api, req), saved)) ctx.outcomes[outcome.index] = outcome;
  }
  return ctx.outcomes.map((o, index) => o ?? { ok: false as const, index, message: "内部错误：这条记录没有得到结果", response: null });
}

/** The BatchSave body for these records, as `writeBatch` sends it for new records (ids at 0 for upsert). */
export function previewBatch(req: WriteRequest): WritePreview {
  const api = apiOf(req);
  const models = req.records.map((r) => toModel(api, r)).map((m) => (req.mode === "upsert" ? withId(api, m, 0) : m));
  return { request: saveBody(api, req, models, []), records: models };
}
