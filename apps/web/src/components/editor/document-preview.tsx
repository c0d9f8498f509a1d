"use client";
// A mapped document as the test shows it: the head's fields, then each entry table as a table of
// its rows, with the cells a per-record error names (`FEntity[2].FMaterialID`) marked, and a head
// field whose lookup waits for another scheme saying so where its value would be.
import { RowsTable } from "@/components/json-tree";
import { cellText, rowPath, splitDocument, type Row } from "@/lib/documents";
import { useT } from "@/lib/i18n/client";
import { cx } from "@/components/ui";
import { WaitText, type TestWait } from "./test-waits";

export function DocumentPreview({ doc, errors, waits = [] }: { doc: Row; errors: { field: string }[]; waits?: TestWait[] }) {
  const t = useT();
  const { head, tables } = splitDocument(doc);
  const headWaits = waits.filter((w) => !rowPath(w.field) && !head.some(([key]) => key === w.field));
  const headErrors = new Set(errors.map((e) => e.field));
  const rowErrors = errors.flatMap((e) => {
    const p = rowPath(e.field);
    return p ? [p] : [];
  });
  return (
    <div className="space-y-3" data-testid="test-document">
      <div>
        <h4 className="mb-1 text-xs font-medium text-slate-500">{t("doc.head")}</h4>
        <table className="w-full rounded bg-white text-left font-mono text-[11px] ring-1 ring-slate-200" data-testid="test-document-head">
          <tbody>
            {head.map(([key, value]) => (
              <tr key={key} className={cx("border-t border-slate-100 first:border-t-0", headErrors.has(key) && "bg-red-50")}>
                <td className="w-2/5 px-2 py-1 text-slate-500">{key}</td>
                <td className="break-all px-2 py-1 text-slate-800">{cellText(value, 200)}</td>
              </tr>
            ))}
            {headWaits.map((w) => (
              <tr key={`wait:${w.field}`} className="border-t border-slate-100 bg-amber-50 first:border-t-0" data-testid="test-document-wait">
                <td className="w-2/5 px-2 py-1 text-slate-500">{w.field}</td>
                <td className="px-2 py-1">
                  <WaitText wait={w} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {tables.map(({ key, rows }) => (
        <div key={key} data-testid={`test-entry-${key}`}>
          <h4 className="mb-1 text-xs font-medium text-slate-500">{t("doc.rows", { key, count: rows.length })}</h4>
          <RowsTable rows={rows} testId={`test-rows-${key}`} highlight={(row, column) => rowErrors.some((p) => p.table === key && p.row === row && p.field === column)} />
        </div>
      ))}
    </div>
  );
}
