"use client";
// A scheme's reconciliation (对账): start one, the selected report's counts and kept keys, the
// resync of its missing records (a retry run: the page moves to it), the earlier reports, and
// the settings. Polls while a reconciliation is queued or running.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { api } from "@/lib/api/client";
import type { ReconciliationDto } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { useCan } from "@/components/role";
import { Alert, Badge, Button, Card } from "@/components/ui";
import { ReconcileSettings } from "./reconcile-settings";
import { ReportItems } from "./report-items";

const TONE = { queued: "slate", running: "blue", succeeded: "green", failed: "red" } as const;
const active = (r: ReconciliationDto) => r.status === "queued" || r.status === "running";

export function ReconciliationPanel({ schemeId }: { schemeId: string }) {
  const t = useT();
  const fmt = useFormat();
  const router = useRouter();
  const client = useQueryClient();
  const canEdit = useCan("editor");
  const [selectedId, setSelectedId] = useState<string | null>(null);
  // One key per intent: a double click sends the same key and gets the same reconciliation back.
  const intent = useRef<string | null>(null);
  const reports = useQuery({
    queryKey: ["reconciliations", schemeId],
    queryFn: () => api.reconciliations(schemeId),
    refetchInterval: (q) => (q.state.data?.reconciliations.some(active) ? 2_000 : 30_000),
  });
  const start = useMutation({
    mutationFn: () => api.startReconciliation(schemeId, (intent.current ??= crypto.randomUUID())),
    onSuccess: ({ reconciliation }) => {
      setSelectedId(reconciliation.id);
      void client.invalidateQueries({ queryKey: ["reconciliations", schemeId] });
    },
    onSettled: () => {
      intent.current = null;
    },
  });
  const resync = useMutation({
    mutationFn: (id: string) => api.resync(id),
    onSuccess: ({ run }) => router.push(`/runs/${run.id}`),
  });
  const list = reports.data?.reconciliations ?? [];
  const report = list.find((r) => r.id === selectedId) ?? list[0];
  const error = reports.error ?? start.error ?? resync.error;

  return (
    <Card className="mb-6 p-5">
      <section aria-labelledby="reconcile-title" data-testid="reconciliation">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div>
            <h2 id="reconcile-title" className="text-base font-semibold text-slate-900">
              {t("reconcile.title")}
            </h2>
            <p className="mt-1 max-w-3xl text-sm text-slate-500">{t("reconcile.help", { limit: fmt.number(report?.keyLimit ?? 1000) })}</p>
          </div>
          {canEdit && (
            <Button variant="primary" onClick={() => start.mutate()} busy={start.isPending} disabled={list.some(active)}>
              {t("reconcile.start")}
            </Button>
          )}
        </div>
        {error && (
          <div className="mt-3">
            <Alert>{error.message}</Alert>
          </div>
        )}
        {reports.isPending ? (
          <p className="mt-3 text-sm text-slate-500">{t("common.loading")}</p>
        ) : !report ? (
          <p className="mt-3 text-sm text-slate-500">{t("reconcile.none")}</p>
        ) : (
          <div className="mt-4" data-testid="reconcile-report" data-status={report.status}>
            <p className="flex flex-wrap items-center gap-2 text-sm text-slate-600">
              <Badge tone={TONE[report.status]}>
                <span data-testid="reconcile-status">{t(`reconcile.status.${report.status}`)}</span>
              </Badge>
              <span>{t(`reconcile.trigger.${report.trigger}`)}</span>
              <span>{fmt.time(report.finishedAt ?? report.createdAt)}</span>
            </p>
            {report.error && (
              <div className="mt-2">
                <Alert>{report.error}</Alert>
              </div>
            )}
            {report.status === "succeeded" && (
              <>
                <dl className="mt-3 grid grid-cols-2 gap-3 text-sm sm:grid-cols-3 lg:grid-cols-6">
                  <Stat label={t("reconcile.source")} value={fmt.number(report.sourceCount)} />
                  <Stat label={t("reconcile.target")} value={fmt.number(report.targetCount)} />
                  <Stat label={t("reconcile.matched")} value={fmt.number(report.matched)} />
                  <Stat label={t("reconcile.missing")} value={fmt.number(report.missing)} id="reconcile-missing" tone={report.missing > 0 ? "text-red-700" : undefined} />
                  <Stat label={t("reconcile.extra")} value={fmt.number(report.extra)} id="reconcile-extra" />
                  <Stat label={t("reconcile.different")} value={fmt.number(report.different)} id="reconcile-different" />
                </dl>
                {report.missing > 0 && <p className="mt-1 text-xs text-slate-500">{t("reconcile.missingWritten", { count: fmt.number(report.missingWritten) })}</p>}
                {report.unmatchable > 0 && <p className="mt-1 text-xs text-amber-700">{t("reconcile.unmatchable", { count: fmt.number(report.unmatchable) })}</p>}
                {report.sourceMoved && (
                  <p className="mt-1 text-xs text-amber-700" data-testid="reconcile-source-moved">
                    {t("reconcile.sourceMoved", { passes: fmt.number(report.sourcePasses) })}
                  </p>
                )}
                {report.resyncRunId ? (
                  <p className="mt-3 text-sm">
                    <Link href={`/runs/${report.resyncRunId}`} className="text-brand-700 hover:underline" data-testid="reconcile-resync-run">
                      {t("reconcile.resyncRun", { count: fmt.number(report.resyncCount ?? 0) })}
                    </Link>
                  </p>
                ) : (
                  canEdit &&
                  report.missingWritten > 0 && (
                    <div className="mt-3 flex flex-wrap items-center gap-3">
                      <Button variant="primary" onClick={() => resync.mutate(report.id)} busy={resync.isPending}>
                        {t("reconcile.resync", { count: fmt.number(Math.min(report.missingWritten, report.keyLimit)) })}
                      </Button>
                      <span className="text-xs text-slate-500">{t("reconcile.resyncHelp")}</span>
                    </div>
                  )
                )}
                <ReportItems key={report.id} report={report} />
              </>
            )}
          </div>
        )}
        {list.length > 1 && <History list={list} selected={report?.id} onSelect={setSelectedId} />}
        <ReconcileSettings schemeId={schemeId} canEdit={canEdit} />
      </section>
    </Card>
  );
}

function Stat({ label, value, id, tone }: { label: string; value: string; id?: string; tone?: string }) {
  return (
    <div className="rounded-lg bg-slate-50 px-3 py-2">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className={`text-lg font-semibold tabular-nums ${tone ?? "text-slate-900"}`} data-testid={id}>
        {value}
      </dd>
    </div>
  );
}

function History({ list, selected, onSelect }: { list: ReconciliationDto[]; selected?: string; onSelect: (id: string) => void }) {
  const t = useT();
  const fmt = useFormat();
  return (
    <div className="mt-5">
      <h3 className="text-sm font-medium text-slate-700">{t("reconcile.history")}</h3>
      <ul className="mt-2 divide-y divide-slate-100 text-sm">
        {list.map((r) => (
          <li key={r.id} className="flex flex-wrap items-center gap-3 py-1.5" data-testid="reconcile-history-row">
            <span className="text-slate-600">{fmt.time(r.createdAt)}</span>
            <Badge tone={TONE[r.status]}>{t(`reconcile.status.${r.status}`)}</Badge>
            {r.status === "succeeded" && (
              <span className="text-xs text-slate-500">
                {t("reconcile.missing")} {fmt.number(r.missing)} · {t("reconcile.extra")} {fmt.number(r.extra)} · {t("reconcile.different")} {fmt.number(r.different)}
              </span>
            )}
            <Button size="sm" onClick={() => onSelect(r.id)} disabled={r.id === selected} aria-pressed={r.id === selected}>
              {t("reconcile.view")}
            </Button>
          </li>
        ))}
      </ul>
    </div>
  );
}
