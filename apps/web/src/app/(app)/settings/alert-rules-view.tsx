"use client";
// 设置 → 告警规则: when to send (run failed, partial with at least N failed records, records
// dead-lettered, no success for X hours, too few workers), for which scheme (or all) and to which
// channels. Editors and admins change them; viewers read.
import { hasRole } from "@qiao/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, ApiClientError } from "@/lib/api/client";
import { issueText, type AlertRuleDto } from "@/lib/api/schemas";
import { useLocale, useT } from "@/lib/i18n/client";
import { useCurrentUser } from "@/components/role";
import { useFormat } from "@/lib/format";
import { Alert, Button, Card, ConfirmDialog, Field, Input, Select, Switch } from "@/components/ui";
import { useConfirmedAction } from "@/components/use-confirmed-action";

type Kind = AlertRuleDto["kind"];
const KINDS: Kind[] = ["run_failed", "run_partial", "records_dead_lettered", "scheme_stale", "no_worker"];
const hasThreshold = (k: Kind): k is Exclude<Kind, "run_failed"> => k !== "run_failed";
const DEFAULT_THRESHOLD: Record<Kind, number> = { run_failed: 0, run_partial: 1, records_dead_lettered: 1, scheme_stale: 24, no_worker: 1 };

export function AlertRulesView() {
  const t = useT();
  const fmt = useFormat();
  const en = useLocale() === "en";
  const qc = useQueryClient();
  const canEdit = hasRole(useCurrentUser().role, "editor");
  const rules = useQuery({ queryKey: ["alert-rules"], queryFn: api.alertRules });
  const channels = useQuery({ queryKey: ["alert-channels"], queryFn: api.alertChannels });
  const schemes = useQuery({ queryKey: ["schemes"], queryFn: api.schemes });
  const [kind, setKind] = useState<Kind>("run_failed");
  const [name, setName] = useState("");
  const [schemeId, setSchemeId] = useState("");
  const [threshold, setThreshold] = useState(String(DEFAULT_THRESHOLD.run_failed));
  const [picked, setPicked] = useState<string[]>([]);
  const removal = useConfirmedAction<AlertRuleDto>(api.deleteAlertRule, ["alert-rules"]);
  const invalidate = () => void qc.invalidateQueries({ queryKey: ["alert-rules"] });

  const create = useMutation({
    mutationFn: () =>
      api.createAlertRule({
        name: name.trim() || t(`alerts.rule.${kind}`),
        kind,
        schemeId: kind === "no_worker" || !schemeId ? null : schemeId,
        threshold: hasThreshold(kind) ? Number(threshold) : 0,
        channelIds: picked,
      }),
    onSuccess: () => {
      setName("");
      invalidate();
    },
  });
  const toggle = useMutation({ mutationFn: (r: AlertRuleDto) => api.updateAlertRule(r.id, { enabled: !r.enabled }), onSuccess: invalidate });
  const issues = create.error instanceof ApiClientError ? create.error.issues : [];
  const fieldError = (key: string) => {
    const found = issues.find((i) => i.path[0] === key);
    return found && issueText(found, en);
  };
  const channelName = (id: string) => channels.data?.channels.find((c) => c.id === id)?.name ?? id.slice(0, 8);
  const schemeName = (id: string | null) => (id ? (schemes.data?.schemes.find((s) => s.id === id)?.name ?? id.slice(0, 8)) : t("alerts.allSchemes"));

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }

  return (
    <Card className="p-6">
      <h2 className="text-lg font-semibold text-slate-900">{t("alerts.rules")}</h2>
      <p className="mt-1 max-w-2xl text-sm text-slate-500">{t("alerts.rulesHelp")}</p>
      {canEdit && (
        <form onSubmit={onSubmit} className="mt-5 grid max-w-5xl gap-3 md:grid-cols-4 md:items-start" data-testid="alert-rule-form">
          <Field label={t("alerts.ruleKind")} htmlFor="rule-kind">
            <Select
              id="rule-kind"
              value={kind}
              onChange={(e) => {
                const k = e.target.value as Kind;
                setKind(k);
                setThreshold(String(DEFAULT_THRESHOLD[k]));
              }}
            >
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`alerts.rule.${k}`)}
                </option>
              ))}
            </Select>
          </Field>
          <Field label={t("alerts.scheme")} htmlFor="rule-scheme" error={fieldError("schemeId")}>
            <Select id="rule-scheme" value={schemeId} disabled={kind === "no_worker"} onChange={(e) => setSchemeId(e.target.value)}>
              <option value="">{t("alerts.allSchemes")}</option>
              {schemes.data?.schemes.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </Select>
          </Field>
          {hasThreshold(kind) && (
            <Field label={t(`alerts.threshold.${kind}`)} htmlFor="rule-threshold" error={fieldError("threshold")}>
              <Input id="rule-threshold" type="number" value={threshold} onChange={(e) => setThreshold(e.target.value)} />
            </Field>
          )}
          <Field label={t("alerts.name")} htmlFor="rule-name" error={fieldError("name")}>
            <Input id="rule-name" value={name} onChange={(e) => setName(e.target.value)} placeholder={t(`alerts.rule.${kind}`)} maxLength={100} />
          </Field>
          <fieldset className="md:col-span-3">
            <legend className="text-sm font-medium text-slate-700">{t("alerts.ruleChannels")}</legend>
            <div className="mt-1 flex flex-wrap gap-3">
              {channels.data?.channels.length === 0 && <span className="text-sm text-slate-500">{t("alerts.pickChannel")}</span>}
              {channels.data?.channels.map((c) => (
                <label key={c.id} className="flex items-center gap-1.5 text-sm text-slate-700">
                  <input
                    type="checkbox"
                    checked={picked.includes(c.id)}
                    onChange={(e) => setPicked((p) => (e.target.checked ? [...p, c.id] : p.filter((id) => id !== c.id)))}
                  />
                  {c.name}
                </label>
              ))}
            </div>
            {fieldError("channelIds") && <p className="mt-1 text-xs text-red-600">{fieldError("channelIds")}</p>}
          </fieldset>
          <Button type="submit" variant="primary" busy={create.isPending} disabled={picked.length === 0} className="md:mt-5">
            {t("alerts.createRule")}
          </Button>
        </form>
      )}
      {create.error && issues.length === 0 && (
        <div className="mt-3">
          <Alert>{create.error.message}</Alert>
        </div>
      )}
      <div className="mt-6 overflow-hidden rounded-lg ring-1 ring-slate-200">
        <table className="w-full text-left text-sm">
          <thead className="bg-slate-50 text-slate-500">
            <tr>
              <th className="px-4 py-2.5 font-medium">{t("alerts.name")}</th>
              <th className="px-4 py-2.5 font-medium">{t("alerts.ruleKind")}</th>
              <th className="px-4 py-2.5 font-medium">{t("alerts.scheme")}</th>
              <th className="px-4 py-2.5 font-medium">{t("alerts.ruleChannels")}</th>
              <th className="px-4 py-2.5 font-medium">{t("alerts.enabled")}</th>
              <th className="px-4 py-2.5" />
            </tr>
          </thead>
          <tbody>
            {rules.data?.rules.length === 0 && (
              <tr>
                <td colSpan={6} className="px-4 py-6 text-center text-slate-500">
                  {t("alerts.noRules")}
                </td>
              </tr>
            )}
            {rules.data?.rules.map((r) => (
              <tr key={r.id} data-testid="alert-rule-row" className="border-t border-slate-100">
                <td className="px-4 py-2.5 font-medium text-slate-800">{r.name}</td>
                <td className="px-4 py-2.5 text-slate-600">
                  {t(`alerts.rule.${r.kind}`)}
                  {hasThreshold(r.kind) && <span className="text-slate-500">{fmt.aside(`${t(`alerts.threshold.${r.kind}`)} ${r.threshold}`)}</span>}
                </td>
                <td className="px-4 py-2.5 text-slate-600">{schemeName(r.schemeId)}</td>
                <td className="px-4 py-2.5 text-slate-600">{fmt.list(r.channelIds.map(channelName))}</td>
                <td className="px-4 py-2.5">
                  <Switch checked={r.enabled} disabled={!canEdit} onChange={() => toggle.mutate(r)} label={t("alerts.enabled")} />
                </td>
                <td className="px-4 py-2.5 text-right">
                  {canEdit && (
                    <Button size="sm" variant="ghost" className="text-red-600" onClick={() => removal.ask(r)}>
                      {t("alerts.delete")}
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ConfirmDialog {...removal.dialog} title={t("alerts.delete")} message={t("alerts.deleteRule", { name: removal.target?.name ?? "" })} confirmLabel={t("alerts.delete")} />
    </Card>
  );
}
