// Documents with detail rows (发货单 with `details`, 销售出库单 with FEntity) as people read them:
// the head's values, each list of records as a table of rows, and the row a per-record error names.

export type Row = Record<string, unknown>;

export const isRecord = (v: unknown): v is Row => typeof v === "object" && v !== null && !Array.isArray(v);

/** A non-empty array whose items are all records: shown as a table, one row per item. */
export function isRowList(value: unknown): value is Row[] {
  return Array.isArray(value) && value.length > 0 && value.every(isRecord);
}

/** The columns of a table of rows: every key, in the order they first appear. */
export function rowColumns(rows: Row[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/** One value in a cell: text as is, other values as compact JSON, cut at `max` characters. */
export function cellText(value: unknown, max = 80): string {
  if (value === undefined) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export interface DocumentView {
  /** Head fields; a sub-head object (金蝶 SubHeadEntity) is spread as `SubHeadEntity.FSettleCurrID`. */
  head: [string, unknown][];
  /** Entry tables and source lists: every array of records. */
  tables: { key: string; rows: Row[] }[];
}

/**
 * A payload or source record split into head and tables. Objects of more than one key are
 * sub-heads and are spread; a one-key object ({"FNumber": "100"}, base data on the wire) stays a value.
 */
export function splitDocument(doc: Row): DocumentView {
  const view: DocumentView = { head: [], tables: [] };
  const visit = (record: Row, prefix: string) => {
    for (const [key, value] of Object.entries(record)) {
      const name = `${prefix}${key}`;
      if (isRowList(value)) view.tables.push({ key: name, rows: value });
      else if (isRecord(value) && Object.keys(value).length > 1) visit(value, `${name}.`);
      else view.head.push([name, value]);
    }
  };
  visit(doc, "");
  return view;
}

/** Whether a record has rows worth a table: the document view instead of plain JSON. */
export const hasRows = (doc: unknown): doc is Row => isRecord(doc) && splitDocument(doc).tables.length > 0;

export interface RowPath {
  table: string;
  /** 1-based, as the mapper and 金蝶's messages count rows. */
  row: number;
  field: string;
}

/** The row an error's field names: "FEntity[3].FMaterialID" → FEntity, row 3, FMaterialID; null for a head field. */
export function rowPath(field: string): RowPath | null {
  const m = /^(.+?)\[(\d+)\]\.(.+)$/.exec(field);
  return m ? { table: m[1]!, row: Number(m[2]), field: m[3]! } : null;
}

/**
 * The first item of the list at `path` of a sample record that `keep` keeps (the row filter): what
 * row templates preview against.
 */
export function sampleRow(record: unknown, path: string, keep: (item: Row) => boolean = () => true): Row | undefined {
  if (!path) return undefined;
  let value: unknown = record;
  for (const key of path.split(".")) value = isRecord(value) ? value[key] : undefined;
  return Array.isArray(value) ? value.find((item): item is Row => isRecord(item) && keep(item)) : undefined;
}
