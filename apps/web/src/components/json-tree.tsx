"use client";
// JSON as a tree people can fold: objects and arrays open and close, an array of records is a
// table of rows, and long arrays render their first rows only until "show all" (a document can
// carry thousands of rows; rendering all of them on every expand would stall the page).
import { useState, type ReactNode } from "react";
import { cellText, isRecord, isRowList, rowColumns, type Row } from "@/lib/documents";
import { useT } from "@/lib/i18n/client";
import { cx } from "@/components/ui";

/** Rows (or array items) rendered before "show all". */
export const ROWS_SHOWN = 20;

function Scalar({ value }: { value: unknown }) {
  if (value === null) return <span className="text-slate-500">null</span>;
  if (typeof value === "string") return <span className="text-emerald-800">&quot;{value}&quot;</span>;
  if (typeof value === "number" || typeof value === "boolean") return <span className="text-brand-700">{String(value)}</span>;
  return <span>{JSON.stringify(value)}</span>;
}

/** The first `ROWS_SHOWN` items, and a button for the rest. */
function useCapped<T>(items: T[]): { shown: T[]; more: ReactNode } {
  const t = useT();
  const [all, setAll] = useState(false);
  const shown = all ? items : items.slice(0, ROWS_SHOWN);
  const more =
    items.length > ROWS_SHOWN ? (
      <button type="button" className="mt-1 text-xs font-medium text-brand-700 hover:underline" data-testid="tree-show-all" onClick={() => setAll((a) => !a)}>
        {all ? t("tree.showLess") : t("tree.showAll", { count: items.length })}
      </button>
    ) : null;
  return { shown, more };
}

/** An array of records as a table: a row number, then one column per key. */
export function RowsTable({ rows, highlight, testId }: { rows: Row[]; highlight?: (row: number, column: string) => boolean; testId?: string }) {
  const t = useT();
  const columns = rowColumns(rows);
  const { shown, more } = useCapped(rows);
  return (
    <div>
      <div className="overflow-x-auto rounded ring-1 ring-slate-200">
        <table className="min-w-full bg-white text-left font-mono text-[11px]" data-testid={testId ?? "rows-table"}>
          <thead className="bg-slate-100 text-slate-500">
            <tr>
              <th className="px-2 py-1 font-medium">{t("doc.rowNo")}</th>
              {columns.map((c) => (
                <th key={c} className="whitespace-nowrap px-2 py-1 font-medium">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((row, k) => (
              <tr key={k} className="border-t border-slate-100" data-testid="rows-table-row">
                <td className="px-2 py-1 text-slate-500">{k + 1}</td>
                {columns.map((c) => (
                  <td
                    key={c}
                    title={typeof row[c] === "object" ? JSON.stringify(row[c]) : undefined}
                    className={cx("whitespace-nowrap px-2 py-1 text-slate-800", highlight?.(k + 1, c) && "bg-red-100 text-red-800")}
                  >
                    {cellText(row[c])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {more}
    </div>
  );
}

function Node({ name, value, depth }: { name?: string; value: unknown; depth: number }) {
  const t = useT();
  const [open, setOpen] = useState(depth < 2);
  const label = name !== undefined && <span className="text-slate-600">{name}: </span>;
  if (!isRecord(value) && !Array.isArray(value)) {
    return (
      <div className="break-all">
        {label}
        <Scalar value={value} />
      </div>
    );
  }
  const size = Array.isArray(value) ? value.length : Object.keys(value).length;
  const summary = Array.isArray(value) ? t("tree.items", { count: size }) : t("tree.fields", { count: size });
  if (size === 0) {
    return (
      <div>
        {label}
        <span className="text-slate-500">{Array.isArray(value) ? "[]" : "{}"}</span>
      </div>
    );
  }
  return (
    <div>
      <button type="button" className="text-left hover:text-brand-700" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        <span className="inline-block w-3 text-slate-500">{open ? "▾" : "▸"}</span>
        {label}
        <span className="text-slate-500">{Array.isArray(value) ? `[${summary}]` : `{${summary}}`}</span>
      </button>
      {open && (
        <div className="ml-3 border-l border-slate-200 pl-2">
          {isRowList(value) ? <RowsTable rows={value} /> : Array.isArray(value) ? <Items items={value} depth={depth} /> : <Fields record={value} depth={depth} />}
        </div>
      )}
    </div>
  );
}

function Items({ items, depth }: { items: unknown[]; depth: number }) {
  const { shown, more } = useCapped(items);
  return (
    <>
      {shown.map((item, k) => (
        <Node key={k} name={String(k)} value={item} depth={depth + 1} />
      ))}
      {more}
    </>
  );
}

function Fields({ record, depth }: { record: Row; depth: number }) {
  return (
    <>
      {Object.entries(record).map(([key, item]) => (
        <Node key={key} name={key} value={item} depth={depth + 1} />
      ))}
    </>
  );
}

/** A value as a foldable tree; arrays of records as row tables, capped at ROWS_SHOWN rows until "show all". */
export function JsonTree({ value, testId }: { value: unknown; testId?: string }) {
  return (
    <div className="max-h-96 overflow-auto rounded-lg bg-slate-50 p-3 font-mono text-xs leading-relaxed text-slate-800 ring-1 ring-slate-200" data-testid={testId}>
      {value === undefined ? "—" : isRecord(value) ? <Fields record={value} depth={0} /> : <Node value={value} depth={0} />}
    </div>
  );
}
