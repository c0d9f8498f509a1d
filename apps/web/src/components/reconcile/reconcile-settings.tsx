"use client";
// The scheme's reconciliation settings: a cron for scheduled reconciliation and a 金蝶 filter.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, ApiClientError } from "@/lib/api/client";
import { issueText } from "@/lib/api/schemas";
import { useLocale, useT } from "@/lib/i18n/client";
import { Alert, Button, Field, Input } from "@/components/ui";

export function ReconcileSettings({ schemeId, canEdit }: { schemeId: string; canEdit: boolean }) {
  const t = useT();
  const en = useLocale() === "en";
  const settings = useQuery({ queryKey: ["reconcile-settings", schemeId], queryFn: () => api.reconcileSettings(schemeId) });
  const [cron, setCron] = useState("");
  const [filter, setFilter] = useState("");
  useEffect(() => {
    if (!settings.data) return;
    setCron(settings.data.cron ?? "");
    setFilter(settings.data.filter ?? "");
  }, [settings.data]);
  const save = useMutation({ mutationFn: () => api.saveReconcileSettings(schemeId, { cron: cron.trim() || null, filter: filter.trim() || null }) });
  const issue = (path: string) => {
    const found = save.error instanceof ApiClientError ? save.error.issues.find((i) => i.path[0] === path) : undefined;
    return found && issueText(found, en);
  };
  return (
    <details className="mt-5 rounded-lg bg-slate-50 p-3 text-sm">
      <summary className="cursor-pointer font-medium text-slate-700">{t("reconcile.settings")}</summary>
      <form
        className="mt-3 grid gap-3 md:grid-cols-2"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Field label={t("reconcile.cron")} htmlFor="reconcile-cron" help={t("reconcile.cronHelp")} error={issue("cron")}>
          <Input id="reconcile-cron" value={cron} onChange={(e) => setCron(e.target.value)} disabled={!canEdit} placeholder="0 3 * * *" invalid={!!issue("cron")} />
        </Field>
        <Field label={t("reconcile.filter")} htmlFor="reconcile-filter" help={t("reconcile.filterHelp")}>
          <Input id="reconcile-filter" value={filter} onChange={(e) => setFilter(e.target.value)} disabled={!canEdit} placeholder="FNumber like 'SHOP%'" />
        </Field>
        {canEdit && (
          <div className="flex items-center gap-3 md:col-span-2">
            <Button type="submit" busy={save.isPending}>
              {t("reconcile.save")}
            </Button>
            {save.isSuccess && <span className="text-xs text-emerald-700">{t("reconcile.saved")}</span>}
          </div>
        )}
        {save.error && !issue("cron") && (
          <div className="md:col-span-2">
            <Alert>{save.error.message}</Alert>
          </div>
        )}
      </form>
    </details>
  );
}
