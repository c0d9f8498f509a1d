"use client";
// The rows of a value map, edited in place: a filter over source and target values, add and remove
// rows, and the rows whose source value is repeated (or that the server refused) marked. Only a
// page of the filtered rows is rendered at a time, so a 10,000-row map stays responsive.
import { useMemo, useRef, useState } from "react";
import { useT } from "@/lib/i18n/client";
import { Button, Input, cx } from "@/components/ui";

export interface DraftRow {
  /** Stable React key: rows move when one above them is removed. */
  key: number;
  source: string;
  target: string;
}

const PAGE = 200;

export function ValueMapRows({
  rows,
  onChange,
  invalid,
  readOnly,
  newKey,
}: {
  rows: DraftRow[];
  onChange: (rows: DraftRow[]) => void;
  /** Indexes of rows to mark (repeated source values, or refused by the server). */
  invalid: ReadonlySet<number>;
  readOnly: boolean;
  newKey: () => number;
}) {
  const t = useT();
  const [filter, setFilter] = useState("");
  const [limit, setLimit] = useState(PAGE);
  const tbody = useRef<HTMLTableSectionElement>(null);
  const needle = filter.trim().toLowerCase();
  const matching = useMemo(
    () => rows.flatMap((r, i) => (needle === "" || r.source.toLowerCase().includes(needle) || r.target.toLowerCase().includes(needle) ? [i] : [])),
    [rows, needle],
  );
  const shown = matching.slice(0, limit);

  const edit = (index: number, patch: Partial<DraftRow>) => onChange(rows.map((r, i) => (i === index ? { ...r, ...patch } : r)));
  const addButton = useRef<HTMLButtonElement>(null);
  function remove(index: number) {
    // The keyboard stays in the table (the pressed ✕ goes away with its row): on the row shown next,
    // else the one before it, else on 添加一行.
    const at = shown.indexOf(index);
    const next = shown[at + 1] ?? shown[at - 1];
    const key = next === undefined ? undefined : rows[next]?.key;
    onChange(rows.filter((_, i) => i !== index));
    requestAnimationFrame(() => {
      const row = key === undefined ? null : tbody.current?.querySelector<HTMLInputElement>(`[data-row-key="${key}"] input`);
      (row ?? addButton.current)?.focus();
    });
  }
  function add() {
    const row = { key: newKey(), source: "", target: "" };
    setFilter("");
    setLimit(Math.max(limit, rows.length + 1));
    onChange([...rows, row]);
    // Focus the new row's source value once it is rendered.
    requestAnimationFrame(() => tbody.current?.querySelector<HTMLInputElement>(`[data-row-key="${row.key}"] input`)?.focus());
  }

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <div className="w-72">
          <Input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder={t("valueMaps.filterRows")} aria-label={t("valueMaps.filterRows")} />
        </div>
        <span className="text-xs text-slate-500" data-testid="value-map-row-count">
          {matching.length > shown.length ? t("valueMaps.shown", { shown: shown.length, count: matching.length }) : t("valueMaps.rowCount", { count: rows.length })}
        </span>
        {!readOnly && (
          <Button ref={addButton} size="sm" className="ml-auto" onClick={add}>
            {t("valueMaps.addRow")}
          </Button>
        )}
      </div>
      <table className="w-full text-sm">
        <thead className="text-left text-xs text-slate-500">
          <tr>
            <th className="w-12 py-1 pr-2 font-medium">#</th>
            <th className="py-1 pr-2 font-medium">{t("valueMaps.source")}</th>
            <th className="py-1 pr-2 font-medium">{t("valueMaps.target")}</th>
            <th className="w-10" />
          </tr>
        </thead>
        <tbody ref={tbody}>
          {shown.map((i) => {
            const row = rows[i]!;
            const bad = invalid.has(i);
            return (
              <tr key={row.key} data-row-key={row.key} data-testid="value-map-entry" className={cx(bad && "bg-red-50")}>
                <td className="py-1 pr-2 text-xs tabular-nums text-slate-500">{i + 1}</td>
                <td className="py-1 pr-2">
                  <Input
                    value={row.source}
                    readOnly={readOnly}
                    invalid={bad}
                    aria-label={`${t("valueMaps.source")} ${i + 1}`}
                    title={bad ? t("valueMaps.duplicate") : undefined}
                    onChange={(e) => edit(i, { source: e.target.value })}
                  />
                </td>
                <td className="py-1 pr-2">
                  <Input
                    value={row.target}
                    readOnly={readOnly}
                    aria-label={`${t("valueMaps.target")} ${i + 1}`}
                    onChange={(e) => edit(i, { target: e.target.value })}
                    onKeyDown={(e) => {
                      // Enter on the last row's target adds a row: typing a table needs no mouse.
                      if (e.key === "Enter" && !readOnly && i === rows.length - 1) {
                        e.preventDefault();
                        add();
                      }
                    }}
                  />
                </td>
                <td className="py-1 text-right">
                  {!readOnly && (
                    <Button size="sm" variant="ghost" aria-label={t("valueMaps.removeRow", { n: i + 1 })} title={t("valueMaps.removeRow", { n: i + 1 })} onClick={() => remove(i)}>
                      ✕
                    </Button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {matching.length > shown.length && (
        <Button size="sm" variant="ghost" onClick={() => setLimit(limit + PAGE)}>
          {t("valueMaps.showMore", { n: Math.min(PAGE, matching.length - shown.length) })}
        </Button>
      )}
    </div>
  );
}
