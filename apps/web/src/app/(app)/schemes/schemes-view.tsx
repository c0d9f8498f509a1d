"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef, useState, type ChangeEvent } from "react";
import { api } from "@/lib/api/client";
import type { SchemeSummaryDto } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { useCan } from "@/components/role";
import { isActive, RunStatusBadge } from "@/components/run-status";
import { Alert, Button, ConfirmDialog, EmptyState, PageHeader, Switch } from "@/components/ui";
import { useConfirmedAction } from "@/components/use-confirmed-action";

export function SchemesView() {
  const t = useT();
  const canEdit = useCan("editor");
  const fmt = useFormat();
  const router = useRouter();
  const qc = useQueryClient();
  const schemes = useQuery({
    queryKey: ["schemes"],
    queryFn: api.schemes,
    refetchInterval: (q) => (q.state.data?.schemes.some((s) => s.lastRun && isActive(s.lastRun.status)) ? 2_000 : 15_000),
  });
  const [message, setMessage] = useState<{ tone: "red" | "green"; text: string } | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: ["schemes"] });
  const fail = (e: Error) => setMessage({ tone: "red", text: e.message });

  const toggle = useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) => api.updateScheme(id, { enabled }),
    onSuccess: refresh,
    onError: fail,
  });
  const run = useMutation({
    mutationFn: (id: string) => api.startRun(id),
    onSuccess: ({ run: r }) => router.push(`/runs/${r.id}`),
    onError: fail,
  });
  const duplicate = useMutation({ mutationFn: (id: string) => api.duplicateScheme(id), onSuccess: refresh, onError: fail });
  const removal = useConfirmedAction<SchemeSummaryDto>(api.deleteScheme, ["schemes"]);

  async function onImport(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    let exported: unknown;
    try {
      exported = JSON.parse(await file.text());
    } catch {
      // The browser's parser speaks English and quotes the file: say what is wrong in the page's language.
      setMessage({ tone: "red", text: t("schemes.importFailed", { message: t("schemes.importNotJson", { file: file.name }) }) });
      return;
    }
    try {
      const { scheme, valueMaps } = await api.importScheme(exported);
      const maps =
        (valueMaps.created.length ? t("valueMaps.schemeImportCreated", { names: fmt.list(valueMaps.created) }) : "") +
        (valueMaps.kept.length ? t("valueMaps.schemeImportKept", { names: fmt.list(valueMaps.kept) }) : "");
      setMessage({ tone: "green", text: t("schemes.imported", { name: scheme.name }) + maps });
      void refresh();
    } catch (e) {
      setMessage({ tone: "red", text: t("schemes.importFailed", { message: e instanceof Error ? e.message : String(e) }) });
    }
  }

  const list = schemes.data?.schemes ?? [];
  return (
    <section>
      <PageHeader
        title={t("schemes.title")}
        subtitle={t("schemes.subtitle")}
        actions={
          canEdit && (
            <>
              <input ref={fileInput} type="file" accept="application/json,.json" className="hidden" onChange={onImport} data-testid="import-file" />
              <Button onClick={() => fileInput.current?.click()}>{t("schemes.import")}</Button>
              <Link
                href="/schemes/new"
                className="inline-flex items-center rounded-lg bg-brand-600 px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:bg-brand-700"
              >
                {t("schemes.new")}
              </Link>
            </>
          )
        }
      />
      {message && (
        <div className="mb-4">
          <Alert tone={message.tone}>{message.text}</Alert>
        </div>
      )}
      {schemes.error && <Alert>{t("common.error", { message: schemes.error.message })}</Alert>}
      {schemes.isPending ? (
        <p className="text-sm text-slate-500">{t("common.loading")}</p>
      ) : list.length === 0 ? (
        <EmptyState title={t("schemes.empty")}>{t("schemes.emptyHint")}</EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-xl bg-white shadow-sm ring-1 ring-slate-200">
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-500">
              <tr>
                <th className="px-4 py-3 font-medium">{t("schemes.name")}</th>
                <th className="px-4 py-3 font-medium">{t("schemes.flow")}</th>
                <th className="px-4 py-3 font-medium">{t("schemes.schedule")}</th>
                <th className="px-4 py-3 font-medium">{t("schemes.lastRun")}</th>
                <th className="px-4 py-3 font-medium">{t("schemes.enabled")}</th>
                <th className="px-4 py-3 text-right font-medium">{t("schemes.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.id} className="border-t border-slate-100 align-middle" data-testid="scheme-row">
                  <td className="px-4 py-3">
                    <Link href={`/schemes/${s.id}`} className="font-medium text-slate-900 hover:text-brand-700">
                      {s.name}
                    </Link>
                    <div className="text-xs text-slate-500">{t("schemes.version", { v: s.currentVersion })}</div>
                  </td>
                  <td className="px-4 py-3 text-slate-600">
                    <span>{s.source ? `${s.source.platformName} · ${s.source.apiName}` : "—"}</span>
                    <span className="mx-1.5 text-slate-500">→</span>
                    <span>{s.target ? `${s.target.platformName} · ${s.target.apiName}` : "—"}</span>
                  </td>
                  <td className="px-4 py-3 font-mono text-xs text-slate-600">{s.cron ?? <span className="font-sans">{t("schemes.noSchedule")}</span>}</td>
                  <td className="px-4 py-3">
                    {s.lastRun ? (
                      <Link href={`/runs/${s.lastRun.id}`} className="flex items-center gap-2 hover:underline">
                        <RunStatusBadge status={s.lastRun.status} />
                        <span className="text-xs text-slate-500">{fmt.time(s.lastRun.createdAt)}</span>
                      </Link>
                    ) : (
                      <span className="text-slate-500">{t("schemes.never")}</span>
                    )}
                  </td>
                  <td className="px-4 py-3">
                    <Switch
                      checked={s.cron !== null && s.enabled}
                      disabled={!canEdit || s.cron === null || toggle.isPending}
                      label={s.cron === null ? t("schemes.enableNeedsCron") : t("schemes.enabled")}
                      onChange={(enabled) => toggle.mutate({ id: s.id, enabled })}
                    />
                  </td>
                  <td className="px-4 py-3">
                    <div className="flex justify-end gap-1">
                      {canEdit && (
                        <Button size="sm" variant="primary" busy={run.isPending && run.variables === s.id} onClick={() => run.mutate(s.id)}>
                          {t("schemes.run")}
                        </Button>
                      )}
                      <Link href={`/schemes/${s.id}/runs`} className="rounded-lg px-2.5 py-1 text-xs font-medium text-slate-600 hover:bg-slate-100">
                        {t("schemes.runs")}
                      </Link>
                      {canEdit && (
                        <Button size="sm" variant="ghost" onClick={() => duplicate.mutate(s.id)}>
                          {t("schemes.duplicate")}
                        </Button>
                      )}
                      <a
                        href={`/api/schemes/${s.id}/export`}
                        download
                        className="rounded-lg px-2.5 py-1 text-xs font-medium text-slate-600 hover:bg-slate-100"
                      >
                        {t("schemes.export")}
                      </a>
                      {canEdit && (
                        <Button size="sm" variant="ghost" className="text-red-600" onClick={() => removal.ask(s)}>
                          {t("schemes.delete")}
                        </Button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        {...removal.dialog}
        title={t("schemes.deleteTitle")}
        message={t("schemes.deleteConfirm", { name: removal.target?.name ?? "" })}
        confirmLabel={t("common.delete")}
      />
    </section>
  );
}
