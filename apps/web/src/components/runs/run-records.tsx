"use client";
// The records a run tried to write, filtered by status; a row expands to its source data, the
// payload sent, the target's answer and the error, and a failed one can be retried on its own.
// Documents carry rows (发货单 details, 销售出库单 FEntity): the trees show them as row tables.
import { useInfiniteQuery } from "@tanstack/react-query";
import { Fragment, useState } from "react";
import { api } from "@/lib/api/client";
import { hasRows } from "@/lib/documents";
import { RECORD_STATUSES, type RunRecordDto } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { ErrorField } from "@/components/error-field";
import { JsonTree } from "@/components/json-tree";
import { useCan } from "@/components/role";
import { TabList } from "@/components/tab-list";
import { Badge, Button, cx, LoadMore, toggledIn, type Tone } from "@/components/ui";

const TONE: Record<RunRecordDto["status"], Tone> = { pending: "slate", sending: "blue", unknown: "amber", saved: "amber", written: "green", failed: "red", stale: "amber", waiting: "blue", filtered: "slate" };

export function RunRecords({
  runId,
  active,
  initialStatus,
  onRetry,
  retrying,
}: {
  runId: string;
  active: boolean;
  initialStatus?: RunRecordDto["status"];
  onRetry: (recordIds: string[]) => void;
  retrying: boolean;
}) {
  const t = useT();
  const fmt = useFormat();
  const canEdit = useCan("editor");
  const [status, setStatus] = useState<RunRecordDto["status"] | undefined>(initialStatus);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const records = useInfiniteQuery({
    queryKey: ["run-records", runId, status],
    queryFn: ({ pageParam }) => api.runRecords(runId, { status, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: active ? 2_000 : false,
    staleTime: 0,
  });
  const counts = records.data?.pages[0]?.counts ?? {};
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const list = records.data?.pages.flatMap((p) => p.records) ?? [];
  const toggle = (id: string) => setOpen((s) => toggledIn(s, id));

  const tabs: { key: RunRecordDto["status"] | undefined; label: string; count: number }[] = [
    { key: undefined, label: t("run.all"), count: total },
    ...RECORD_STATUSES.filter((s) => counts[s]).map((s) => ({ key: s, label: t(`record.status.${s}`), count: counts[s] ?? 0 })),
  ];
  if (status && !tabs.some((x) => x.key === status)) tabs.push({ key: status, label: t(`record.status.${status}`), count: 0 });

  return (
    <div>
      <TabList
        className="mb-3"
        label={t("run.records")}
        idPrefix="records-tab"
        panelId="records-panel"
        tabs={tabs.map((tab) => ({ id: tab.key ?? "all", label: `${tab.label} ${fmt.number(tab.count)}`, testId: `records-tab-${tab.key ?? "all"}` }))}
        selected={status ?? "all"}
        onSelect={(id) => setStatus(id === "all" ? undefined : (id as RunRecordDto["status"]))}
      />
      <div id="records-panel" role="tabpanel" aria-labelledby={`records-tab-${status ?? "all"}`} className="overflow-x-auto rounded-lg ring-1 ring-slate-200">
        <table className="w-full text-left text-sm">
          <thead className="bg-slate-50 text-slate-500">
            <tr>
              <th className="w-8 px-3 py-2" />
              <th className="px-3 py-2 font-medium">{t("run.sourceId")}</th>
              <th className="px-3 py-2 font-medium">{t("runs.status")}</th>
              <th className="px-3 py-2 font-medium">{t("run.targetNumber")}</th>
              <th className="px-3 py-2 font-medium">{t("run.error")}</th>
              <th className="px-3 py-2" />
            </tr>
          </thead>
          <tbody>
            {list.length === 0 && (
              <tr>
                <td colSpan={6} className="px-3 py-6 text-center text-slate-500">
                  {records.isPending ? t("common.loading") : t("run.recordsEmpty")}
                </td>
              </tr>
            )}
            {list.map((r) => (
              <Fragment key={r.id}>
                <tr className="cursor-pointer border-t border-slate-100 hover:bg-slate-50" data-testid="record-row" data-status={r.status} onClick={() => toggle(r.id)}>
                  <td className="px-3 py-2 text-slate-500">
                    {/* The row opens with a click anywhere; the keyboard opens it here (Enter / Space). */}
                    <button
                      type="button"
                      aria-expanded={open.has(r.id)}
                      aria-controls={`record-detail-${r.id}`}
                      aria-label={t(open.has(r.id) ? "run.hideRecord" : "run.showRecord", { id: r.sourceId })}
                      onClick={(e) => {
                        e.stopPropagation();
                        toggle(r.id);
                      }}
                      className="rounded px-1 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500"
                    >
                      {open.has(r.id) ? "▾" : "▸"}
                    </button>
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">{r.sourceId}</td>
                  <td className="px-3 py-2">
                    <Badge tone={TONE[r.status]}>{t(`record.status.${r.status}`)}</Badge>
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">{r.targetNumber ?? "—"}</td>
                  <td className="max-w-md truncate px-3 py-2 text-xs text-red-700" title={r.error ?? undefined} data-testid="record-error">
                    {r.errorField && <ErrorField field={r.errorField} />}
                    {r.error}
                  </td>
                  <td className="px-3 py-2 text-right">
                    {canEdit && r.status === "failed" && !active && (
                      <Button
                        size="sm"
                        busy={retrying}
                        onClick={(e) => {
                          e.stopPropagation();
                          onRetry([r.id]);
                        }}
                      >
                        {t("run.retryOne")}
                      </Button>
                    )}
                  </td>
                </tr>
                {open.has(r.id) && (
                  <tr className="bg-slate-50/60" id={`record-detail-${r.id}`}>
                    <td colSpan={6} className="px-3 py-3">
                      {r.error && (
                        <p className="mb-3 rounded bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="record-error-detail">
                          {r.error}
                        </p>
                      )}
                      {/* Documents' row tables need the width: one above the other. */}
                      <div className={cx("grid gap-3", !hasRows(r.source) && !hasRows(r.payload) && "lg:grid-cols-3")}>
                        <div className="min-w-0">
                          <h4 className="mb-1 text-xs font-semibold text-slate-500">{t("run.source")}</h4>
                          <JsonTree value={r.source} testId="record-source" />
                        </div>
                        <div className="min-w-0">
                          <h4 className="mb-1 text-xs font-semibold text-slate-500">{t("run.payload")}</h4>
                          <JsonTree value={r.payload} testId="record-payload" />
                        </div>
                        <div className="min-w-0">
                          <h4 className="mb-1 text-xs font-semibold text-slate-500">{t("run.response")}</h4>
                          <JsonTree value={r.response} testId="record-response" />
                        </div>
                      </div>
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      <LoadMore query={records} label={t("common.more")} />
    </div>
  );
}
