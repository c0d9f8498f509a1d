"use client";
// The field a per-record error names: a head field as is, a row field as "分录 FEntity 第 3 行 ·
// FMaterialID" (the path `FEntity[3].FMaterialID` kept in the title for copying).
import { rowPath } from "@/lib/documents";
import { useT } from "@/lib/i18n/client";

export function ErrorField({ field }: { field: string }) {
  const t = useT();
  const row = rowPath(field);
  return (
    <span className="mr-1 font-mono" title={field} data-testid="error-field">
      [{row ? t("doc.rowError", { key: row.table, row: row.row, field: row.field }) : field}]
    </span>
  );
}
