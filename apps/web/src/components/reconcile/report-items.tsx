"use client";
// The keys a reconciliation report kept, one category at a time (tabs: missing, extra, different).
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/lib/api/client";
import { RECORD_STATUSES, type ReconciliationDto } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { TabList } from "@/components/tab-list";
import { LoadMore } from "@/components/ui";

/** A staging status the catalog names (the report stores it as text). */
function isRecordStatus(s: string): s is (typeof RECORD_STATUSES)[number] {
  return (RECORD_STATUSES as readonly string[]).includes(s);
}

type Category = "missing" | "extra" | "different";
const CATEGORIES: Category[] = ["missing", "extra", "different"];

export function ReportItems({ report }: { report: ReconciliationDto }) {
  const t = useT();
  const fmt = useFormat();
  const [category, setCategory] = useState<Category>(report.missing > 0 ? "missing" : report.different > 0 ? "different" : report.extra > 0 ? "extra" : "missing");
  const items = useInfiniteQuery({
    queryKey: ["reconciliation-items", report.id, category],
    queryFn: ({ pageParam }) => api.reconciliationItems(report.id, category, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const list = items.data?.pages.flatMap((p) => p.items) ?? [];
  const count = report[category];
  return (
    <div className="mt-4">
      <TabList
        className="gap-2"
        label={t("reconcile.title")}
        idPrefix="reconcile-tab"
        panelId="reconcile-panel"
        tabs={CATEGORIES.map((c) => ({ id: c, label: `${t(`reconcile.${c}`)} ${fmt.number(report[c])}`, testId: `reconcile-tab-${c}` }))}
        selected={category}
        onSelect={(c) => setCategory(c as Category)}
      />
      <div id="reconcile-panel" role="tabpanel" aria-labelledby={`reconcile-tab-${category}`} className="mt-3">
        {count > report.keyLimit && <p className="mb-2 text-xs text-slate-500">{t("reconcile.kept", { limit: fmt.number(report.keyLimit), count: fmt.number(count) })}</p>}
        {items.isPending ? (
          <p className="text-sm text-slate-500">{t("common.loading")}</p>
        ) : list.length === 0 ? (
          <p className="text-sm text-slate-500">{t("reconcile.empty")}</p>
        ) : (
          <div className="overflow-x-auto rounded-lg ring-1 ring-slate-200">
            <table className="w-full text-left text-sm">
              <thead className="bg-slate-50 text-slate-500">
                <tr>
                  <th className="px-3 py-2 font-medium">{t("reconcile.number")}</th>
                  {category !== "extra" && <th className="px-3 py-2 font-medium">{t("reconcile.sourceId")}</th>}
                  {category === "missing" && <th className="px-3 py-2 font-medium">{t("reconcile.staged")}</th>}
                  {category !== "extra" && <th className="px-3 py-2 font-medium">{t("reconcile.sourceName")}</th>}
                  {category !== "missing" && <th className="px-3 py-2 font-medium">{t("reconcile.targetName")}</th>}
                </tr>
              </thead>
              <tbody>
                {list.map((i) => (
                  <tr key={i.id} className="border-t border-slate-100" data-testid="reconcile-item">
                    <td className="px-3 py-2 font-mono text-xs" data-testid="reconcile-item-number">
                      {i.number}
                    </td>
                    {category !== "extra" && <td className="px-3 py-2 font-mono text-xs">{i.sourceId}</td>}
                    {category === "missing" && <td className="px-3 py-2 text-xs text-slate-600">{i.stagedStatus === null ? t("reconcile.staged.none") : isRecordStatus(i.stagedStatus) ? t(`record.status.${i.stagedStatus}`) : i.stagedStatus}</td>}
                    {category !== "extra" && <td className="px-3 py-2">{i.sourceName}</td>}
                    {category !== "missing" && <td className="px-3 py-2">{i.targetName}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <LoadMore query={items} label={t("common.more")} />
      </div>
    </div>
  );
}
