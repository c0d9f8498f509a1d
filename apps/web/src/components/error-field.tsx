"use client";
// The field a per-record error names, as the mapper and the API write it (`FEntity[3].FMaterialID`
// for a row field), with the row spelled out for a row field: 分录 FEntity 第 3 行 · FMaterialID.
import { rowPath } from "@/lib/documents";
import { useT } from "@/lib/i18n/client";

export function ErrorField({ field }: { field: string }) {
  const t = useT();
  const row = rowPath(field);
  const spelled = row && t("doc.rowError", { key: row.table, row: row.row, field: row.field });
  return (
    <span className="mr-1" title={spelled ?? undefined} data-testid="error-field">
      <span className="font-mono">[{field}]</span>
      {spelled && <span className="ml-1 text-slate-500">{spelled}</span>}
    </span>
  );
}
