"use client";
// 概览: the home page after sign-in. Refreshed every 10 s (every 2 s while a run is active).
import { useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api/client";
import { useT } from "@/lib/i18n/client";
import { isActive } from "@/components/run-status";
import { Alert, EmptyState, PageHeader } from "@/components/ui";
import { HealthPanel } from "./health-panel";
import { SchemesTable } from "./schemes-table";
import { WrittenChart } from "./written-chart";

export function OverviewView() {
  const t = useT();
  const overview = useQuery({
    queryKey: ["overview"],
    queryFn: api.overview,
    refetchInterval: (q) => (q.state.data?.schemes.some((s) => s.lastRun && isActive(s.lastRun.status)) ? 2_000 : 10_000),
  });
  const data = overview.data;
  return (
    <section>
      <PageHeader title={t("overview.title")} subtitle={t("overview.subtitle")} />
      {overview.error && <Alert>{t("common.error", { message: overview.error.message })}</Alert>}
      {!data ? (
        overview.isPending && <p className="text-sm text-slate-500">{t("common.loading")}</p>
      ) : (
        <>
          <HealthPanel data={data} />
          <WrittenChart data={data} />
          {data.schemes.length === 0 ? <EmptyState title={t("overview.empty")} /> : <SchemesTable data={data} />}
        </>
      )}
    </section>
  );
}
