"use client";
// The keys a reconciliation report kept, one category at a time (tabs: missing, extra, different).
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/lib/api/client";
import type { ReconciliationDto } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { cx, LoadMore } from "@/components/ui";

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
  // Arrow keys move between the tabs, as in any tab list.
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
    const next = CATEGORIES[(CATEGORIES.indexOf(category) + (e.key === "ArrowRight" ? 1 : CATEGORIES.length - 1)) % CATEGORIES.length]!;
    setCategory(next);
    document.getElementById(`reconcile-tab-${next}`)?.focus();
  };
  return (
    <div className="mt-4">
      <div role="tablist" aria-label={t("reconcile.title")} className="flex flex-wrap gap-2" onKeyDown={onKeyDown}>
        {CATEGORIES.map((c) => (
          <button
            key={c}
            id={`reconcile-tab-${c}`}
            type="button"
            role="tab"
            aria-selected={category === c}
            tabIndex={category === c ? 0 : -1}
            data-testid={`reconcile-tab-${c}`}
            onClick={() => setCategory(c)}
            className={cx(
              "rounded-full px-3 py-1 text-xs font-medium focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500",
              category === c ? "bg-brand-600 text-white" : "bg-slate-100 text-slate-600 hover:bg-slate-200",
            )}
          >
            {t(`reconcile.${c}`)} {fmt.number(report[c])}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-labelledby={`reconcile-tab-${category}`} className="mt-3">
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
                    {category === "missing" && <td className="px-3 py-2 text-xs text-slate-600">{i.stagedStatus ?? t("reconcile.staged.none")}</td>}
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
