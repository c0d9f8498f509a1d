"use client";
// 记录查询: what became of a source record. The scheme's staged records (the latest copy of each
// source record) by source id or by status, each with its status (written, failed, waiting, filtered
// out …), target number and reason; opened, its data as the source sent it last and its attempts.
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Fragment, useId, useRef, useState, type FormEvent } from "react";
import { JsonTree } from "@/components/json-tree";
import { Alert, Badge, Button, Card, Input, LoadMore, Select, toggledIn, type Tone } from "@/components/ui";
import { api } from "@/lib/api/client";
import { RECORD_STATUSES, type StagedRecordDto } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { RecordAttempts } from "./record-attempts";

const TONE: Record<StagedRecordDto["status"], Tone> = {
  pending: "blue",
  sending: "blue",
  unknown: "amber",
  written: "green",
  saved: "amber",
  failed: "red",
  stale: "amber",
  waiting: "amber",
  filtered: "slate",
};

type Status = (typeof RECORD_STATUSES)[number];

function RecordData({ schemeId, recordId }: { schemeId: string; recordId: string }) {
  const t = useT();
  const detail = useQuery({ queryKey: ["staged-record", schemeId, recordId], queryFn: () => api.stagedRecord(schemeId, recordId) });
  if (detail.error) return <Alert>{t("common.error", { message: detail.error.message })}</Alert>;
  if (!detail.data) return <p className="text-xs text-slate-500">{t("common.loading")}</p>;
  return (
    <div className="grid gap-4 md:grid-cols-2">
      <div className="min-w-0">
        <h3 className="mb-1.5 text-xs font-semibold uppercase tracking-wide text-slate-500">{t("records.data")}</h3>
        <JsonTree value={detail.data.record.data} testId="staged-record-data" />
      </div>
      <div className="min-w-0">
        <h3 className="mb-1.5 text-xs font-semibold uppercase tracking-wide text-slate-500">{t("records.attempts")}</h3>
        <RecordAttempts schemeId={schemeId} recordId={recordId} />
      </div>
    </div>
  );
}

export function StagedRecords({ schemeId }: { schemeId: string }) {
  const t = useT();
  const fmt = useFormat();
  const ids = useId();
  const [draft, setDraft] = useState("");
  // Nothing is listed until a person asks (a search, or a status picked): the page stays short and
  // quick to Tab through, and a large scheme is not paged on every visit.
  const [query, setQuery] = useState<{ sourceId?: string; status?: Status } | null>(null);
  const [status, setStatus] = useState<Status | "">("");
  const [opened, setOpened] = useState<Set<string>>(new Set());
  const records = useInfiniteQuery({
    queryKey: ["staged-records", schemeId, query],
    // A source id finds its one record whatever the status picked: a record of another status is
    // shown with its own (and a note), not reported as never read.
    queryFn: ({ pageParam }) => api.stagedRecords(schemeId, query?.sourceId ? { sourceId: query.sourceId } : { ...query, cursor: pageParam }),
    enabled: query !== null,
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const list = records.data?.pages.flatMap((p) => p.records) ?? [];
  const input = useRef<HTMLInputElement>(null);
  const otherStatus = query?.sourceId && query.status && list[0] && list[0].status !== query.status ? list[0].status : null;
  const search = (e: FormEvent) => {
    e.preventDefault();
    const sourceId = draft.trim();
    setQuery({ ...(status && { status }), ...(sourceId && { sourceId }) });
  };

  return (
    <Card className="mb-6 p-5">
      <section aria-labelledby={`${ids}-title`} data-testid="staged-records">
        <h2 id={`${ids}-title`} className="text-base font-semibold text-slate-900">
          {t("records.title")}
        </h2>
        <p className="mt-1 max-w-3xl text-sm text-slate-500">{t("records.help")}</p>
        <form className="mt-3 flex flex-wrap items-end gap-3" onSubmit={search} role="search" aria-label={t("records.title")}>
          <label className="text-sm text-slate-700">
            <span className="mb-1 block text-xs text-slate-500">{t("records.sourceId")}</span>
            <Input
              ref={input}
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              placeholder={t("records.sourceIdPlaceholder")}
              className="w-64"
              data-testid="records-source-id"
            />
          </label>
          <label className="text-sm text-slate-700">
            <span className="mb-1 block text-xs text-slate-500">{t("records.status")}</span>
            <Select
              value={status}
              data-testid="records-status"
              onChange={(e) => {
                const picked = e.target.value as Status | "";
                setStatus(picked);
                setQuery({ ...(draft.trim() && { sourceId: draft.trim() }), ...(picked && { status: picked }) });
              }}
            >
              <option value="">{t("records.allStatuses")}</option>
              {RECORD_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`record.status.${s}`)}
                </option>
              ))}
            </Select>
          </label>
          <Button type="submit" size="sm">
            {t("records.search")}
          </Button>
          {query !== null && (
            <Button
              type="button"
              size="sm"
              variant="ghost"
              onClick={() => {
                setDraft("");
                setStatus("");
                setQuery(null);
                // This button goes with the query: the search box takes the focus.
                input.current?.focus();
              }}
            >
              {t("records.clear")}
            </Button>
          )}
        </form>
        {records.error && <Alert>{t("common.error", { message: records.error.message })}</Alert>}
        {otherStatus && query?.status && (
          <p className="mt-3 text-sm text-amber-800" role="status" data-testid="records-other-status">
            {t("records.otherStatus", { id: query.sourceId ?? "", status: t(`record.status.${otherStatus}`), wanted: t(`record.status.${query.status}`) })}
          </p>
        )}
        {query === null ? null : records.isPending ? (
          <p className="mt-3 text-sm text-slate-500">{t("common.loading")}</p>
        ) : list.length === 0 ? (
          <p className="mt-3 text-sm text-slate-500" data-testid="records-none">
            {query.sourceId ? t("records.notFound", { id: query.sourceId }) : t("records.none")}
          </p>
        ) : (
          <div className="mt-3 overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="text-slate-500">
                <tr>
                  <th className="px-3 py-2 font-medium">{t("failed.sourceId")}</th>
                  <th className="px-3 py-2 font-medium">{t("records.status")}</th>
                  <th className="px-3 py-2 font-medium">{t("records.targetNumber")}</th>
                  <th className="px-3 py-2 font-medium">{t("records.reason")}</th>
                  <th className="px-3 py-2 font-medium">{t("records.updated")}</th>
                  <th className="px-3 py-2 font-medium">{t("failed.run")}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((r) => (
                  <Fragment key={r.id}>
                    <tr className="border-t border-slate-100" data-testid="staged-record-row">
                      <td className="px-3 py-2 font-mono text-xs">
                        <button
                          type="button"
                          className="text-brand-700 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-300"
                          aria-expanded={opened.has(r.id)}
                          aria-label={t("records.open", { id: r.sourceId })}
                          onClick={() => setOpened((o) => toggledIn(o, r.id))}
                        >
                          {opened.has(r.id) ? "▾" : "▸"} {r.sourceId}
                        </button>
                      </td>
                      <td className="px-3 py-2">
                        <Badge tone={TONE[r.status]}>
                          <span data-testid="staged-record-status">{t(`record.status.${r.status}`)}</span>
                        </Badge>
                        {r.status === "filtered" && r.written && <span className="ml-1 text-xs text-slate-500">{t("records.writtenBefore")}</span>}
                      </td>
                      <td className="px-3 py-2 font-mono text-xs">{r.targetNumber ?? "—"}</td>
                      <td className="max-w-md truncate px-3 py-2 text-xs text-slate-600" title={r.lastError ?? undefined}>
                        {r.status === "filtered" ? t("records.filteredReason") : (r.lastError ?? "")}
                      </td>
                      <td className="px-3 py-2 text-slate-600">{fmt.time(r.updatedAt)}</td>
                      <td className="px-3 py-2">
                        {r.lastRunId && (
                          <Link href={`/runs/${r.lastRunId}`} className="text-brand-700 hover:underline">
                            {t("records.lastRun")}
                          </Link>
                        )}
                      </td>
                    </tr>
                    {opened.has(r.id) && (
                      <tr className="bg-slate-50">
                        <td colSpan={6} className="px-3 py-3">
                          <RecordData schemeId={schemeId} recordId={r.id} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {query !== null && <LoadMore query={records} label={t("common.more")} />}
      </section>
    </Card>
  );
}
