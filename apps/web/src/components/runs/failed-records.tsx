"use client";
// A scheme's unresolved failed records, whichever run failed them (the run may be finished,
// cancelled or long gone from the run list), or only its dead letters (死信: transient failures whose
// automatic retries ran out): each with its error class and retry state, its history of attempts on
// demand; retry one, the selected ones or all of them. A retry is a run of its own; the page moves to it.
import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { Fragment, useState } from "react";
import { api } from "@/lib/api/client";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { ErrorField } from "@/components/error-field";
import { useCan } from "@/components/role";
import { TabList } from "@/components/tab-list";
import { Alert, Badge, Button, Card, LoadMore, toggledIn } from "@/components/ui";
import { RecordAttempts } from "./record-attempts";
import { RetryState } from "./retry-state";

type Only = "all" | "dead";

export function SchemeFailedRecords({ schemeId }: { schemeId: string }) {
  const t = useT();
  const fmt = useFormat();
  const router = useRouter();
  const canRetry = useCan("editor");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [only, setOnly] = useState<Only>("all");
  const [opened, setOpened] = useState<Set<string>>(new Set());
  const records = useInfiniteQuery({
    queryKey: ["scheme-failed-records", schemeId, only],
    queryFn: ({ pageParam }) => api.schemeFailedRecords(schemeId, pageParam, only),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: 10_000,
  });
  const retry = useMutation({
    mutationFn: (ids?: string[]) => api.retryScheme(schemeId, ids, only === "dead"),
    onSuccess: ({ run }) => router.push(`/runs/${run.id}`),
  });
  const list = records.data?.pages.flatMap((p) => p.records) ?? [];
  const total = records.data?.pages[0]?.total ?? 0;
  // Only what is still listed counts as selected (a record written meanwhile drops out).
  const chosen = list.filter((r) => selected.has(r.id)).map((r) => r.id);
  const allChosen = list.length > 0 && chosen.length === list.length;
  const toggle = (id: string) => setSelected((s) => toggledIn(s, id));

  return (
    <Card className="mb-6 p-5">
      <section aria-labelledby="failed-records-title" data-testid="scheme-failed-records">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div>
            <h2 id="failed-records-title" className="text-base font-semibold text-slate-900">
              {t("failed.title")} <span className="font-normal text-slate-500" data-testid="failed-total">{fmt.number(total)}</span>
            </h2>
            <p className="mt-1 max-w-3xl text-sm text-slate-500">{t(only === "dead" ? "deadLetters.help" : "failed.help")}</p>
            <TabList
              className="mt-3"
              label={t("deadLetters.filter")}
              idPrefix="failed-tab"
              tabs={(["all", "dead"] as const).map((key) => ({ id: key, label: t(key === "dead" ? "deadLetters.tab" : "failed.tabAll"), testId: `failed-tab-${key}` }))}
              selected={only}
              onSelect={(key) => {
                setOnly(key === "dead" ? "dead" : "all");
                setSelected(new Set());
              }}
            />
          </div>
          {canRetry && total > 0 && (
            <div className="flex gap-2">
              <Button onClick={() => retry.mutate(chosen)} disabled={chosen.length === 0 || retry.isPending}>
                {t("failed.retrySelected", { count: chosen.length })}
              </Button>
              <Button variant="primary" onClick={() => retry.mutate(undefined)} disabled={retry.isPending} busy={retry.isPending && retry.variables === undefined}>
                {t("failed.retryAll", { count: total })}
              </Button>
            </div>
          )}
        </div>
        {(records.error ?? retry.error) && (
          <div className="mt-3">
            <Alert>{(records.error ?? retry.error)!.message}</Alert>
          </div>
        )}
        {records.isPending ? (
          <p className="mt-3 text-sm text-slate-500">{t("common.loading")}</p>
        ) : list.length === 0 ? (
          <p className="mt-3 text-sm text-slate-500">{t(only === "dead" ? "deadLetters.empty" : "failed.empty")}</p>
        ) : (
          <div className="mt-4 overflow-x-auto rounded-lg ring-1 ring-slate-200">
            <table className="w-full text-left text-sm">
              <thead className="bg-slate-50 text-slate-500">
                <tr>
                  {canRetry && (
                    <th className="w-10 px-3 py-2">
                      <input type="checkbox" aria-label={t("failed.selectPage")} checked={allChosen} onChange={() => setSelected(allChosen ? new Set() : new Set(list.map((r) => r.id)))} />
                    </th>
                  )}
                  <th className="px-3 py-2 font-medium">{t("failed.sourceId")}</th>
                  <th className="px-3 py-2 font-medium">{t("failed.error")}</th>
                  <th className="px-3 py-2 font-medium">{t("failed.at")}</th>
                  <th className="px-3 py-2 font-medium">{t("deadLetters.retry")}</th>
                  <th className="px-3 py-2 text-right font-medium">{t("failed.attempts")}</th>
                  <th className="px-3 py-2 font-medium">{t("failed.run")}</th>
                  {canRetry && <th className="px-3 py-2" />}
                </tr>
              </thead>
              <tbody>
                {list.map((r) => (
                  <Fragment key={r.id}>
                    <tr className="border-t border-slate-100" data-testid="failed-record-row">
                      {canRetry && (
                        <td className="px-3 py-2">
                          <input type="checkbox" aria-label={t("failed.select", { id: r.sourceId })} checked={selected.has(r.id)} onChange={() => toggle(r.id)} />
                        </td>
                      )}
                      <td className="px-3 py-2 font-mono text-xs">{r.sourceId}</td>
                      <td className="max-w-md truncate px-3 py-2 text-xs text-red-700" title={r.error ?? undefined} data-testid="failed-record-error">
                        {r.status === "saved" && (
                          <Badge tone="amber" className="mr-1">
                            {t("record.status.saved")}
                          </Badge>
                        )}
                        {r.errorField && <ErrorField field={r.errorField} />}
                        {r.error}
                      </td>
                      <td className="px-3 py-2 text-slate-600">{fmt.time(r.failedAt)}</td>
                      <td className="px-3 py-2">
                        <RetryState record={r} />
                      </td>
                      <td className="px-3 py-2 text-right tabular-nums">
                        <button
                          type="button"
                          className="text-brand-700 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-300"
                          aria-expanded={opened.has(r.id)}
                          aria-label={t("deadLetters.showAttempts", { id: r.sourceId })}
                          onClick={() => setOpened((o) => toggledIn(o, r.id))}
                        >
                          {r.attempts}
                        </button>
                      </td>
                      <td className="px-3 py-2">
                        {r.run ? (
                          <Link href={`/runs/${r.run.id}`} className="text-brand-700 hover:underline">
                            {t(`run.trigger.${r.run.trigger}`)} · {fmt.time(r.run.createdAt)}
                          </Link>
                        ) : (
                          <span className="text-slate-500">{t("failed.runGone")}</span>
                        )}
                      </td>
                      {canRetry && (
                        <td className="px-3 py-2 text-right">
                          <Button size="sm" onClick={() => retry.mutate([r.id])} disabled={retry.isPending}>
                            {t("run.retryOne")}
                          </Button>
                        </td>
                      )}
                    </tr>
                    {opened.has(r.id) && (
                      <tr className="bg-slate-50">
                        <td colSpan={canRetry ? 8 : 6} className="px-3 py-2">
                          <RecordAttempts schemeId={schemeId} recordId={r.id} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <LoadMore query={records} label={t("common.more")} />
      </section>
    </Card>
  );
}
