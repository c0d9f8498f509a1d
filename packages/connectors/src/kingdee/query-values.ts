// Base data read from 金蝶 for the template filter erp_lookup (TargetClient.queryValues): e.g. 仓库
// by name → number is ExecuteBillQuery {FormId: "BD_STOCK", FieldKeys: "FName,FNumber",
// FilterString: "FName in ('主仓','华东仓')"} — any form the account may read, not only those this
// connector writes. Caching is the engine's (per run and per connection); this asks every time.
import { ConnectorError } from "../errors";
import type { QueryValuesRequest } from "../types";
import type { KingdeeClient } from "./client";
import { isCell, numberFilter, queryPages } from "./lookup";
import { PLATFORM } from "./meta";

/**
 * Keys per ExecuteBillQuery. The public docs give no limit on a FilterString's length; 500 quoted
 * keys keep one filter to a few tens of kilobytes at most (our choice).
 */
export const KEYS_PER_QUERY = 500;

/** A form id: letters, digits and `_` (BD_STOCK, a custom form's PAEZ_xxx). */
const FORM_ID = /^[A-Za-z0-9_]{1,100}$/;
/** A field key: letters, digits and `_`, with `.` between the parts of a sub-entity field (FUseOrgId.FNumber). */
const FIELD_KEY = /^(?=.{1,100}$)[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** The identifiers go into FieldKeys / FilterString verbatim: anything else is refused before any call. */
function checkIdentifiers(req: QueryValuesRequest): void {
  if (!FORM_ID.test(req.formId)) {
    throw new ConnectorError("request", PLATFORM, `金蝶表单标识“${req.formId}”无效：只能包含字母、数字和下划线（如 BD_STOCK），未发送查询`);
  }
  for (const [role, key] of [
    ["键字段", req.keyField],
    ["返回字段", req.returnField],
  ] as const) {
    if (!FIELD_KEY.test(key)) {
      throw new ConnectorError("request", PLATFORM, `金蝶${role}“${key}”无效：只能包含字母、数字、下划线和表示子属性的“.”（如 FName、FUseOrgId.FNumber），未发送查询`);
    }
  }
}

/**
 * For each key, the `returnField` of the first row whose `keyField` equals it. Keys are deduplicated
 * (empty ones dropped) and asked KEYS_PER_QUERY at a time, each query paged until a short page.
 * Numbers become strings; a key without a row, or whose value is empty or null, is absent.
 *
 * Rows answer only the key they carry exactly. 金蝶 runs on SQL Server, whose usual collation may
 * match `'ck001'` to a stored `CK001` (or ignore trailing spaces); the public API docs say nothing
 * about it, so such a row is not taken for the key asked: that key is absent and its record says so,
 * rather than one value silently standing for another.
 */
export async function queryValues(client: KingdeeClient, req: QueryValuesRequest): Promise<Map<string, string>> {
  checkIdentifiers(req);
  const keys = [...new Set(req.keys.filter((k) => k !== ""))];
  const wanted = new Set(keys);
  const answer = new Map<string, string>();
  const fieldKeys = `${req.keyField},${req.returnField}`;
  for (let i = 0; i < keys.length; i += KEYS_PER_QUERY) {
    const filter = numberFilter(req.keyField, keys.slice(i, i + KEYS_PER_QUERY));
    // By key: a key's rows sort together, so every key is on some page whatever order ties take.
    for await (const rows of queryPages(client, { formId: req.formId, fieldKeys, filter, order: `${req.keyField} ASC` }, req.signal)) {
      for (const [key, value] of rows) {
        if (!isCell(key) || !isCell(value) || String(value) === "") continue;
        if (wanted.has(String(key)) && !answer.has(String(key))) answer.set(String(key), String(value));
      }
    }
  }
  return answer;
}
