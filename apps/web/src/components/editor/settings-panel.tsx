"use client";
import { issueText, schemeNameIssue, type ApiIssue } from "@/lib/api/schemas";
import { useLocale, useT } from "@/lib/i18n/client";
import { Field, Input, Switch } from "@/components/ui";
import { issuesAt } from "./catalog";
import { RetryScheduleField } from "./retry-schedule-field";
import { RunAfterField } from "./run-after-field";
import type { Draft } from "./use-scheme-draft";

export function SettingsPanel({ draft, issues, onChange }: { draft: Draft; issues: ApiIssue[]; onChange: (update: (d: Draft) => Draft) => void }) {
  const t = useT();
  const en = useLocale() === "en";
  const msg = (path: (string | number)[]) => {
    const i = issuesAt(issues, path)[0];
    return i ? issueText(i, en) : undefined;
  };
  const schedule = draft.definition.schedule;
  const nameIssue = schemeNameIssue(draft.name);
  return (
    <section className="space-y-4 px-5 py-4">
      <h3 className="text-sm font-semibold text-slate-900">{t("editor.settings")}</h3>
      <Field label={t("editor.name")} htmlFor="scheme-name" required error={nameIssue && issueText(nameIssue, en)}>
        <Input id="scheme-name" value={draft.name} onChange={(e) => onChange((d) => ({ ...d, name: e.target.value }))} maxLength={200} />
      </Field>
      <Field label={t("editor.description")} htmlFor="scheme-description">
        <textarea
          id="scheme-description"
          rows={3}
          value={draft.description}
          maxLength={2000}
          onChange={(e) => onChange((d) => ({ ...d, description: e.target.value }))}
          className="block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-100"
        />
      </Field>
      <Field label={t("editor.cron")} htmlFor="scheme-cron" help={t("editor.cronHelp")} error={msg(["schedule"])}>
        <div className="flex items-center gap-3">
          <Input
            id="scheme-cron"
            className="font-mono"
            placeholder="*/5 * * * *"
            value={schedule?.cron ?? ""}
            onChange={(e) => {
              const cron = e.target.value;
              onChange((d) => ({
                ...d,
                definition: { ...d.definition, schedule: cron.trim() === "" ? null : { cron, enabled: d.definition.schedule?.enabled ?? true } },
              }));
            }}
          />
          <Switch
            checked={schedule?.enabled ?? false}
            disabled={!schedule}
            label={t("editor.scheduleEnabled")}
            onChange={(enabled) => onChange((d) => ({ ...d, definition: { ...d.definition, schedule: d.definition.schedule && { ...d.definition.schedule, enabled } } }))}
          />
        </div>
      </Field>
      <RetryScheduleField draft={draft} serverError={msg(["retry"])} onChange={onChange} />
      <RunAfterField draft={draft} serverError={msg(["runAfter"])} waitError={msg(["waitLimitHours"])} onChange={onChange} />
      <Field label={t("editor.timezone")} htmlFor="scheme-timezone" error={msg(["timezone"])}>
        <Input
          id="scheme-timezone"
          value={draft.definition.timezone}
          onChange={(e) => onChange((d) => ({ ...d, definition: { ...d.definition, timezone: e.target.value } }))}
        />
      </Field>
    </section>
  );
}
