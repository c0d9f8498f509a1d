// ExecuteBillQuery over a document form (./form-spec.ts): FieldKeys, FilterString (string or
// array form), OrderString, TopRowCount, StartRow, Limit. As Kingdee answers: when any entry field
// is asked for (selected, filtered or ordered by), one result row per entry row, head values repeated.
// Unknown keys: `元数据中标识为X的字段不存在` [K15], MsgCode 9.
import type { BaseData } from "./base-data";
import type { DocRecord, DocumentStore } from "./documents";
import { FilterError, parseFilterString, type ParsedFilter } from "./filter";
import { fieldKeyResolver, MSG, refNumber } from "./form-spec";

export interface QueryArgs {
  FormId?: unknown;
  FieldKeys?: unknown;
  FilterString?: unknown;
  OrderString?: unknown;
  StartRow?: unknown;
  Limit?: unknown;
  TopRowCount?: unknown;
}

/** A query the server rejects (answered in the wrapped ResponseStatus shape). */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly msgCode: number,
  ) {
    super(message);
  }
}

export const MAX_QUERY_ROWS = 2000;

type Row = Record<string, unknown>;
interface Column {
  entry: boolean;
  read(head: DocRecord, row: Row | undefined): unknown;
}

/** Keys the server keeps itself: readable, not writable. */
const SYSTEM_COLUMNS = ["FDocumentStatus", "FForbidStatus", "FCreateDate", "FModifyDate", "FApproveDate"];

export function unknownField(key: string): QueryError {
  return new QueryError(`元数据中标识为${key}的字段不存在`, MSG.notExist);
}

/** `StartRow` / `Limit` (0, absent or above 2000 → 2000) and `TopRowCount`, as for BD_Customer. */
export function pageOf<T>(rows: T[], args: QueryArgs): T[] {
  const top = Math.trunc(Number(args.TopRowCount ?? 0)) || 0;
  const limited = top > 0 ? rows.slice(0, top) : rows;
  const start = Math.max(0, Math.trunc(Number(args.StartRow ?? 0)) || 0);
  const requested = Math.trunc(Number(args.Limit ?? 0)) || 0;
  const limit = requested <= 0 || requested > MAX_QUERY_ROWS ? MAX_QUERY_ROWS : requested;
  return limited.slice(start, start + limit);
}

/** `FieldKeys` ("FNumber,FName") as a list; empty is refused as Kingdee does. */
export function fieldKeysOf(args: QueryArgs): string[] {
  const keys = String(args.FieldKeys ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  if (keys.length === 0) throw new QueryError("FieldKeys 不能为空。", MSG.badParameter);
  return keys;
}

/** `FilterString` in either form; one it cannot parse is a bad parameter. */
export function filterOf(args: QueryArgs): ParsedFilter {
  try {
    return parseFilterString(args.FilterString);
  } catch (e) {
    if (e instanceof FilterError) throw new QueryError(e.message, MSG.badParameter);
    throw e;
  }
}

/** `OrderString` ("FNumber desc, FName") as keys with a direction (1 asc, -1 desc). */
export function orderOf(args: QueryArgs): { key: string; sign: 1 | -1 }[] {
  return String(args.OrderString ?? "")
    .split(",")
    .map((part) => part.trim().split(/\s+/))
    .filter(([key]) => key)
    .map(([key = "", direction = "asc"]) => ({ key, sign: direction.toLowerCase() === "desc" ? -1 : 1 }));
}

/** Numbers by value, everything else as text. */
export function compareCells(x: unknown, y: unknown): number {
  return typeof x === "number" && typeof y === "number" ? x - y : String(x ?? "").localeCompare(String(y ?? ""));
}

export function queryDocuments(store: DocumentStore, baseData: BaseData, args: QueryArgs): unknown[][] {
  const { spec } = store;
  const resolve = fieldKeyResolver([spec.idKey, ...SYSTEM_COLUMNS, ...Object.keys(spec.fields)]);
  const entryIdKey = spec.entry ? `${spec.entry.key}_${spec.entry.idKey}` : undefined;

  const column = (key: string): Column => {
    const [base = "", sub, ...rest] = key.split(".");
    if (entryIdKey && base.toLowerCase() === entryIdKey.toLowerCase() && sub === undefined) {
      return { entry: true, read: (_, row) => row?.[spec.entry!.idKey] ?? null };
    }
    const resolved = resolve(base);
    const field = resolved ? spec.fields[resolved] : undefined;
    if (!resolved || rest.length > 0) throw unknownField(key);
    if (sub !== undefined && (!field?.ref || !["fnumber", "fname", "fid"].includes(sub.toLowerCase()))) throw unknownField(key);
    const at = field?.at ?? "head";
    const container = (head: DocRecord, row: Row | undefined): Row | undefined =>
      at === "FEntity" ? row : at === "head" ? head : (head[at] as Row | undefined);
    const raw = (head: DocRecord, row: Row | undefined) => container(head, row)?.[resolved];
    if (!field?.ref) return { entry: at === "FEntity", read: (head, row) => raw(head, row) ?? null };
    const kind = field.ref;
    return {
      entry: at === "FEntity",
      read(head, row) {
        const code = refNumber(raw(head, row));
        if (sub?.toLowerCase() === "fnumber") return code ?? null;
        const found = code === undefined ? undefined : baseData.find(kind, code);
        return sub?.toLowerCase() === "fname" ? (found?.name ?? null) : (found?.id ?? 0);
      },
    };
  };

  const columns = fieldKeysOf(args).map(column);
  const filter = filterOf(args);
  const filterColumns = new Map(filter.fields.map((f) => [f, column(f)]));
  const order = orderOf(args).map(({ key, sign }) => ({ column: column(key), sign }));
  const perEntry = [...columns, ...filterColumns.values(), ...order.map((o) => o.column)].some((c) => c.entry);

  // A lone `FBillNo in (…)` / `FID = …` reads the index instead of every record (the connector's lookups).
  const indexed = filter.lookup && resolve(filter.lookup.field);
  const heads =
    filter.lookup && (indexed === spec.idKey || indexed === spec.numberKey)
      ? store.lookup(indexed === spec.idKey ? "id" : "number", filter.lookup.values)
      : store.list();
  const entryKey = spec.entry?.key;
  let rows: [DocRecord, Row | undefined][] = perEntry
    ? heads.flatMap((h) => (entryKey && Array.isArray(h[entryKey]) ? (h[entryKey] as Row[]) : []).map((r): [DocRecord, Row] => [h, r]))
    : heads.map((h) => [h, undefined]);
  rows = rows.filter(([h, r]) => filter.filter((f) => filterColumns.get(f)!.read(h, r)));
  if (order.length > 0) {
    rows = rows.sort((a, b) => {
      for (const { column: c, sign } of order) {
        const d = compareCells(c.read(...a), c.read(...b));
        if (d !== 0) return sign * d;
      }
      return 0;
    });
  }
  return pageOf(rows, args).map(([h, r]) => columns.map((c) => c.read(h, r)));
}
