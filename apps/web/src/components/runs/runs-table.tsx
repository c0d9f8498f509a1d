"use client";
// A scheme's runs, newest first, refreshed every two seconds while one is active, under its
// unresolved failed records and its reconciliation (对账).
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { api } from "@/lib/api/client";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import type { RunRetention } from "@qiao/db";
import { isActive, RunStatusBadge } from "@/components/run-status";
import { Alert, Button, EmptyState, PageHeader } from "@/components/ui";
import { ReconciliationPanel } from "@/components/reconcile/reconciliation-panel";
import { SchemeFailedRecords } from "./failed-records";
import { StagedRecords } from "./staged-records";

export function SchemeRunsView({ schemeId, retention }: { schemeId: string; retention: RunRetention }) {
  const t = useT();
  const fmt = useFormat();
  const scheme = useQuery({ queryKey: ["scheme", schemeId], queryFn: () => api.scheme(schemeId), staleTime: 30_000 });
  const runs = useInfiniteQuery({
    queryKey: ["scheme-runs", schemeId],
    queryFn: ({ pageParam }) => api.schemeRuns(schemeId, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.runs.some((r) => isActive(r.status))) ? 2_000 : 10_000),
  });
  const list = runs.data?.pages.flatMap((p) => p.runs) ?? [];
  const name = scheme.data?.scheme.name ?? "";
  return (
    <section>
      <PageHeader
        title={t("runs.of", { name })}
        subtitle={
          <Link href={`/schemes/${schemeId}`} className="text-brand-700 hover:underline">
            ← {name}
          </Link>
        }
      />
      <SchemeFailedRecords schemeId={schemeId} />
      <ReconciliationPanel schemeId={schemeId} />
      <StagedRecords schemeId={schemeId} />
      {runs.error && <Alert>{t("common.error", { message: runs.error.message })}</Alert>}
      {runs.isPending ? (
        <p className="text-sm text-slate-500">{t("common.loading")}</p>
      ) : list.length === 0 ? (
        <EmptyState title={t("runs.empty")} />
      ) : (
        <div className="overflow-x-auto rounded-xl bg-white shadow-sm ring-1 ring-slate-200">
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-500">
              <tr>
                <th className="px-4 py-3 font-medium">{t("runs.started")}</th>
                <th className="px-4 py-3 font-medium">{t("runs.status")}</th>
                <th className="px-4 py-3 font-medium">{t("runs.trigger")}</th>
                <th className="px-4 py-3 text-right font-medium">{t("run.fetched")}</th>
                <th className="px-4 py-3 text-right font-medium">{t("run.written")}</th>
                <th className="px-4 py-3 text-right font-medium">{t("run.failed")}</th>
                <th className="px-4 py-3 text-right font-medium">{t("run.skipped")}</th>
                <th className="px-4 py-3 text-right font-medium">{t("runs.duration")}</th>
                <th className="px-4 py-3" />
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={r.id} className="border-t border-slate-100" data-testid="run-row">
                  <td className="px-4 py-2.5 text-slate-700">{fmt.time(r.startedAt ?? r.createdAt)}</td>
                  <td className="px-4 py-2.5">
                    <RunStatusBadge status={r.status} />
                  </td>
                  <td className="px-4 py-2.5 text-slate-600">{t(`run.trigger.${r.trigger}`)}</td>
                  <td className="px-4 py-2.5 text-right tabular-nums">{fmt.number(r.fetched)}</td>
                  <td className="px-4 py-2.5 text-right tabular-nums text-emerald-700" data-testid="run-written">
                    {fmt.number(r.written)}
                  </td>
                  <td className={`px-4 py-2.5 text-right tabular-nums ${r.failed > 0 ? "text-red-600" : ""}`} data-testid="run-failed">
                    {fmt.number(r.failed)}
                  </td>
                  <td className="px-4 py-2.5 text-right tabular-nums text-slate-500">{fmt.number(r.skipped)}</td>
                  <td className="px-4 py-2.5 text-right tabular-nums text-slate-600">{fmt.duration(r.durationMs)}</td>
                  <td className="px-4 py-2.5 text-right">
                    <Link href={`/runs/${r.id}`} className="text-brand-700 hover:underline">
                      {t("runs.view")}
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {runs.hasNextPage && (
        <div className="mt-4 text-center">
          <Button onClick={() => void runs.fetchNextPage()} busy={runs.isFetchingNextPage}>
            {t("common.more")}
          </Button>
        </div>
      )}
      <p className="mt-3 text-xs text-slate-500" data-testid="runs-retention">
        {t("runs.retention", { days: retention.days, quietDays: retention.quietDays })}
      </p>
    </section>
  );
}
