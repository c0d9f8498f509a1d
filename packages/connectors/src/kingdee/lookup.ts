// Looking records up by number (ExecuteBillQuery): which already exist, with their id and, for
// bills, their status. Used before an upsert, before auditing bills saved earlier, and by the
// engine (findExisting) once an unknown outcome has had time to commit; and every key of a form,
// for reconciliation (listKeys).
//
// Base data per 使用组织: 金蝶 allocates customers and materials per organisation, and a number
// allocated to two is two records (two FCUSTIDs), two rows of ExecuteBillQuery. Public integrator
// code reads them with `FUseOrgId.FNumber` and picks the row of the organisation it writes for;
// kingdee-documents.md marks per-organisation lookup "likely, not verified". Ours: a lookup for
// records being written asks for `FUseOrgId.FNumber` and keeps, per number, the row of the record's
// 使用组织 (its FUseOrgId, else its FCreateOrgId: a new record's 使用组织 is its 创建组织). Another
// organisation's copy is not the record: an upsert would update it, an unknown create would be
// taken as written. A number asked without a record (or one whose organisation is not a code) keeps
// the first row, as before.
import { targetNumberKey } from "@qiao/core";
import { ConnectorError } from "../errors";
import type { BillState, FoundRecord, ListKeysRequest, TargetApiMeta, TargetKey } from "../types";
import type { KingdeeClient } from "./client";
import { PLATFORM, targetApiFor } from "./meta";
import { toModel } from "./model";
import { billQueryRowsSchema, failedStatusOf, firstErrorMessage, SERVICE } from "./protocol";

/** ExecuteBillQuery returns at most 2000 rows per call. */
export const QUERY_LIMIT = 2000;

export const isCell = (v: unknown): v is string | number => typeof v === "string" || typeof v === "number";

export interface Existing {
  id: string;
  /** The bill's status (FDocumentStatus: Z 暂存, A 创建, B 审核中, C 已审核, D 重新审核), for forms with `bill`. */
  status?: string;
}

/**
 * Where a bill stands, from its FDocumentStatus (kingdee-documents.md lists no codes; these are the
 * standard K/3 Cloud ones the simulator uses too): the form's audited status (C 已审核) is final and
 * refuses a save (已审核的单据不能修改); B 审核中 is submitted; Z 暂存, A 创建 and D 重新审核 can be
 * saved again. Any other code is not interpreted (undefined): the caller keeps its rules without it.
 */
export function billStateOf(api: TargetApiMeta, status: string | undefined): BillState | undefined {
  if (!api.bill || status === undefined) return undefined;
  if (status === api.bill.auditedStatus) return "audited";
  if (status === "B") return "submitted";
  return status === "A" || status === "D" || status === "Z" ? "open" : undefined;
}

/** `FBillNo in ('A','B')` with quotes inside numbers doubled, as Kingdee's SQL-like filter expects. */
export function numberFilter(numberField: string, numbers: string[]): string {
  return `${numberField} in (${numbers.map((n) => `'${n.replaceAll("'", "''")}'`).join(",")})`;
}

/** The form's target API, or a request error naming the forms this connector writes. */
export function formApi(formId: string): TargetApiMeta {
  const api = targetApiFor(formId);
  if (!api) throw new ConnectorError("request", PLATFORM, `金蝶连接器不支持表单 ${formId}（支持：BD_Customer、BD_MATERIAL、SAL_OUTSTOCK）`);
  return api;
}

/** One ExecuteBillQuery call (Limit QUERY_LIMIT): its rows, or the typed error of a failed answer. */
async function queryRows(client: KingdeeClient, formId: string, data: Record<string, unknown>, signal?: AbortSignal): Promise<unknown[][]> {
  const json = await client.call(SERVICE.executeBillQuery, { data: { FormId: formId, ...data, Limit: QUERY_LIMIT } }, { signal });
  const failed = failedStatusOf(json);
  if (failed) {
    throw new ConnectorError("request", PLATFORM, `金蝶查询 ${formId} 失败：${firstErrorMessage(failed)}`, {
      platformCode: String(failed.MsgCode ?? ""),
      platformMessage: firstErrorMessage(failed),
    });
  }
  const rows = billQueryRowsSchema.safeParse(json);
  if (!rows.success) throw new ConnectorError("protocol", PLATFORM, "金蝶 ExecuteBillQuery 的回答不是二维数组");
  return rows.data;
}

/**
 * Every row of one ExecuteBillQuery, page by page (StartRow / Limit of QUERY_LIMIT) until a short
 * page, in `order` (an OrderString): SQL Server promises no order between two queries without one,
 * so a row could move from a page not yet read onto one already read and be missed (session 26).
 * A failed answer (ResponseStatus IsSuccess false, e.g. an unknown field, MsgCode 9) is a
 * "request" error carrying 金蝶's message; an answer that is not a 2-D array, a "protocol" error.
 */
export async function* queryPages(
  client: KingdeeClient,
  query: { formId: string; fieldKeys: string; filter: string; order: string },
  signal?: AbortSignal,
): AsyncGenerator<unknown[][]> {
  for (let startRow = 0; ; startRow += QUERY_LIMIT) {
    const rows = await queryRows(
      client,
      query.formId,
      { FieldKeys: query.fieldKeys, FilterString: query.filter, OrderString: query.order, StartRow: startRow },
      signal,
    );
    yield rows;
    if (rows.length < QUERY_LIMIT) return;
  }
}

/** The key base data is allocated by; a form without it (bills) has one number space. */
const USE_ORG = "FUseOrgId";

/** The code of a base-data value as the Model carries it ({"FNumber": …} in any case), if it has one. */
function codeOf(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const key = Object.keys(value).find((k) => k.toLowerCase() === "fnumber");
  const code = key === undefined ? undefined : (value as Record<string, unknown>)[key];
  return isCell(code) && String(code).trim() !== "" ? String(code).trim() : undefined;
}

/**
 * The 使用组织 each number is written for, from the Models (see the file comment): empty for a form
 * not allocated per organisation.
 */
export function useOrgsOf(api: TargetApiMeta, models: Iterable<readonly [string, Record<string, unknown>]>): Map<string, string> {
  const orgs = new Map<string, string>();
  if (!api.fields.some((f) => f.key === USE_ORG)) return orgs;
  for (const [number, model] of models) {
    const org = codeOf(model[USE_ORG]) ?? codeOf(model.FCreateOrgId);
    if (org !== undefined && !orgs.has(number)) orgs.set(number, org);
  }
  return orgs;
}

/**
 * The records with these numbers, one per number: with `useOrgs` (number → 使用组织, useOrgsOf) the
 * row of that organisation, otherwise the first row.
 */
export async function lookUp(
  client: KingdeeClient,
  api: TargetApiMeta,
  formId: string,
  numbers: string[],
  signal?: AbortSignal,
  useOrgs: ReadonlyMap<string, string> = new Map(),
): Promise<Map<string, Existing>> {
  const found = new Map<string, Existing>();
  const unique = [...new Set(numbers.filter((n) => n !== ""))];
  // 金蝶 matches `FNumber in (…)` as SQL Server compares text (case, width and trailing spaces
  // ignored: targetNumberKey), and answers each row with the number as stored. Rows are matched to
  // the numbers asked by that key, not by exact text: a bill written under "SDO-1 " and stored as
  // "SDO-1" is still the bill of "SDO-1 " (an exact match called it absent, and an upsert sent a
  // second create, refused 编码唯一; session 27's audit).
  const askedByKey = new Map<string, string[]>();
  for (const n of unique) {
    const key = targetNumberKey(n);
    askedByKey.set(key, [...(askedByKey.get(key) ?? []), n]);
  }
  const byOrg = useOrgs.size > 0 && !api.bill;
  const fieldKeys = [api.idField, api.numberField, ...(api.bill ? [api.bill.statusField] : []), ...(byOrg ? [`${USE_ORG}.FNumber`] : [])].join(",");
  for (let i = 0; i < unique.length; i += QUERY_LIMIT) {
    const filter = numberFilter(api.numberField, unique.slice(i, i + QUERY_LIMIT));
    // A customer distributed to several organisations, or a bill with several entry rows, has
    // several rows: page until short.
    // By id: a total order (a bill's entry rows share theirs, and its number), stable between pages.
    for await (const rows of queryPages(client, { formId, fieldKeys, filter, order: `${api.idField} ASC` }, signal)) {
      for (const row of rows) {
        const [id, number] = row;
        if (!isCell(id) || !isCell(number)) continue;
        for (const asked of askedByKey.get(targetNumberKey(String(number))) ?? []) {
          if (found.has(asked)) continue;
          const wanted = byOrg ? useOrgs.get(asked) : undefined;
          if (wanted !== undefined && (!isCell(row[2]) || String(row[2]) !== wanted)) continue;
          const status = api.bill ? row[2] : undefined;
          found.set(asked, { id: String(id), ...(isCell(status) ? { status: String(status) } : {}) });
        }
      }
    }
  }
  return found;
}

/** The 使用组织 of the records the engine sent under each number (TargetClient.findExisting's `sent`). */
function sentOrgs(api: TargetApiMeta, sent: ReadonlyMap<string, Record<string, unknown>> | undefined): Map<string, string> {
  return sent ? useOrgsOf(api, [...sent].map(([number, record]) => [number, toModel(api, record)] as const)) : new Map();
}

/**
 * Every record of the form (those `filter` selects), keys only, in id order: keyset pages (`id >
 * the last one`, StartRow 0) rather than growing StartRow offsets, so a record created or deleted
 * during the read neither shifts a page nor makes one re-read. A bill's entry rows repeat its id
 * and number: one key per id. A customer distributed to several organisations has one id per
 * organisation, each with the same number: the caller counts numbers, not rows.
 */
export async function* listKeys(client: KingdeeClient, req: ListKeysRequest): AsyncGenerator<TargetKey[]> {
  const api = formApi(req.formId);
  const fieldKeys = [api.idField, api.numberField, ...(api.nameField ? [api.nameField] : [])].join(",");
  const userFilter = req.filter?.trim() ?? "";
  let lastId: string | undefined;
  for (;;) {
    const after = lastId === undefined ? "" : `${api.idField} > ${Number.isInteger(Number(lastId)) ? lastId : `'${lastId.replaceAll("'", "''")}'`}`;
    const filter = [userFilter && `(${userFilter})`, after].filter(Boolean).join(" and ");
    const rows = await queryRows(client, req.formId, { FieldKeys: fieldKeys, FilterString: filter, OrderString: `${api.idField} ASC`, StartRow: 0 }, req.signal);
    const keys: TargetKey[] = [];
    for (const [id, number, name] of rows) {
      if (!isCell(id) || String(id) === lastId) continue;
      lastId = String(id);
      if (!isCell(number) || String(number) === "") continue;
      keys.push({ id: String(id), number: String(number), ...(api.nameField && { name: isCell(name) ? String(name) : "" }) });
    }
    if (keys.length > 0) yield keys;
    if (rows.length < QUERY_LIMIT) return;
  }
}

export async function findExisting(
  client: KingdeeClient,
  formId: string,
  numbers: string[],
  signal?: AbortSignal,
  sent?: ReadonlyMap<string, Record<string, unknown>>,
): Promise<Map<string, string>> {
  const api = formApi(formId);
  const existing = await lookUp(client, api, formId, numbers, signal, sentOrgs(api, sent));
  return new Map([...existing].map(([number, { id }]) => [number, id]));
}

/** TargetClient.findRecords: as findExisting, with each bill's FDocumentStatus and what it means. */
export async function findRecords(
  client: KingdeeClient,
  formId: string,
  numbers: string[],
  signal?: AbortSignal,
  sent?: ReadonlyMap<string, Record<string, unknown>>,
): Promise<Map<string, FoundRecord>> {
  const api = formApi(formId);
  const existing = await lookUp(client, api, formId, numbers, signal, sentOrgs(api, sent));
  return new Map(
    [...existing].map(([number, { id, status }]) => {
      const billState = billStateOf(api, status);
      return [number, { id, ...(status !== undefined && { status }), ...(billState && { billState }) }];
    }),
  );
}
