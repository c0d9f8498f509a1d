// Looking records up by number (ExecuteBillQuery): which already exist, with their id and, for
// bills, their status. Used before an upsert, before auditing bills saved earlier, and by the
// engine (findExisting) once an unknown outcome has had time to commit.
import { ConnectorError } from "../errors";
import type { TargetApiMeta } from "../types";
import type { KingdeeClient } from "./client";
import { PLATFORM, targetApiFor } from "./meta";
import { billQueryRowsSchema, failedStatusOf, firstErrorMessage, SERVICE } from "./protocol";

/** ExecuteBillQuery returns at most 2000 rows per call. */
export const QUERY_LIMIT = 2000;

export const isCell = (v: unknown): v is string | number => typeof v === "string" || typeof v === "number";

export interface Existing {
  id: string;
  /** The bill's status (FDocumentStatus: A 创建, B 审核中, C 已审核, D 重新审核), for forms with `bill`. */
  status?: string;
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

/**
 * Every row of one ExecuteBillQuery, page by page (StartRow / Limit of QUERY_LIMIT) until a short
 * page. A failed answer (ResponseStatus IsSuccess false, e.g. an unknown field, MsgCode 9) is a
 * "request" error carrying 金蝶's message; an answer that is not a 2-D array, a "protocol" error.
 */
export async function* queryPages(
  client: KingdeeClient,
  query: { formId: string; fieldKeys: string; filter: string },
  signal?: AbortSignal,
): AsyncGenerator<unknown[][]> {
  for (let startRow = 0; ; startRow += QUERY_LIMIT) {
    const json = await client.call(
      SERVICE.executeBillQuery,
      { data: { FormId: query.formId, FieldKeys: query.fieldKeys, FilterString: query.filter, StartRow: startRow, Limit: QUERY_LIMIT } },
      { signal },
    );
    const failed = failedStatusOf(json);
    if (failed) {
      throw new ConnectorError("request", PLATFORM, `金蝶查询 ${query.formId} 失败：${firstErrorMessage(failed)}`, {
        platformCode: String(failed.MsgCode ?? ""),
        platformMessage: firstErrorMessage(failed),
      });
    }
    const rows = billQueryRowsSchema.safeParse(json);
    if (!rows.success) throw new ConnectorError("protocol", PLATFORM, "金蝶 ExecuteBillQuery 的回答不是二维数组");
    yield rows.data;
    if (rows.data.length < QUERY_LIMIT) return;
  }
}

export async function lookUp(
  client: KingdeeClient,
  api: TargetApiMeta,
  formId: string,
  numbers: string[],
  signal?: AbortSignal,
): Promise<Map<string, Existing>> {
  const found = new Map<string, Existing>();
  const unique = [...new Set(numbers.filter((n) => n !== ""))];
  const fieldKeys = [api.idField, api.numberField, ...(api.bill ? [api.bill.statusField] : [])].join(",");
  for (let i = 0; i < unique.length; i += QUERY_LIMIT) {
    const filter = numberFilter(api.numberField, unique.slice(i, i + QUERY_LIMIT));
    // A customer distributed to several organisations, or a bill with several entry rows, has
    // several rows: page until short.
    for await (const rows of queryPages(client, { formId, fieldKeys, filter }, signal)) {
      for (const [id, number, status] of rows) {
        if (!isCell(id) || !isCell(number) || found.has(String(number))) continue;
        found.set(String(number), { id: String(id), ...(api.bill && isCell(status) ? { status: String(status) } : {}) });
      }
    }
  }
  return found;
}

export async function findExisting(client: KingdeeClient, formId: string, numbers: string[], signal?: AbortSignal): Promise<Map<string, string>> {
  const existing = await lookUp(client, formApi(formId), formId, numbers, signal);
  return new Map([...existing].map(([number, { id }]) => [number, id]));
}
