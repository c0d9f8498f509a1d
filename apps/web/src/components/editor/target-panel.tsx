"use client";
// The side panel of a selected target node: connection, API and form, batch, mode, audit (bills),
// options, the head mapping table with live sample values, and one section per entry table.
import { isEntryTable, type AuditMode, type EntryMapping, type SourceNode, type TargetNode } from "@qiao/core";
import { useMemo, useState } from "react";
import type { ApiIssue } from "@/lib/api/schemas";
import { useLocale, useT } from "@/lib/i18n/client";
import { Field, Input, Select, Switch } from "@/components/ui";
import { fieldSuggestions, issuesAt, sourceApiOf, targetApiOf, variableSuggestions, type Catalog } from "./catalog";
import { EntryTableMapping } from "./entry-table-mapping";
import { MappingRow, MappingTable, previewOf, UnknownMappingRow, useShownRows, withTemplate } from "./mapping-table";
import { ConnectionAndApi, message, Section } from "./node-panels";
import { testedPreview, type EditorSample } from "./tested-preview";

const AUDIT_MODES: AuditMode[] = ["withSave", "separate"];

export function TargetPanel({
  node,
  index,
  catalog,
  issues,
  sourceNode,
  sample,
  timezone,
  onChange,
}: {
  node: TargetNode;
  index: number;
  catalog: Catalog;
  issues: ApiIssue[];
  sourceNode: SourceNode | undefined;
  sample: EditorSample | null;
  timezone: string;
  onChange: (config: Partial<TargetNode["config"]>) => void;
}) {
  const t = useT();
  const en = useLocale() === "en";
  const api = targetApiOf(catalog, node);
  const sourceApi = sourceNode && sourceApiOf(catalog, sourceNode);
  const [filter, setFilter] = useState("");
  const suggestions = useMemo(
    () => [...fieldSuggestions(sourceApi, en, t("editor.sourceFields")), ...variableSuggestions(en, t("editor.variables"))],
    [sourceApi, en, t],
  );
  const base = ["nodes", index, "config"];
  const { config } = node;
  const headFields = (api?.fields ?? []).filter((f) => !isEntryTable(f));
  const entryTables = (api?.fields ?? []).filter(isEntryTable);
  const fields = headFields.filter(
    (f) => !filter || f.key.toLowerCase().includes(filter.toLowerCase()) || f.label.includes(filter) || f.labelEn.toLowerCase().includes(filter.toLowerCase()),
  );
  const setMapping = (key: string, value: string) => onChange({ mapping: withTemplate(config.mapping, key, value) });
  // Every head field of the form has its row; the keys it does not have are the rows that may go.
  const rows = useShownRows(config.mapping, setMapping);
  const unknownMapped = rows.keys.filter((k) => !headFields.some((f) => f.key === k));
  const unknownEntries = Object.keys(config.entries).filter((k) => !entryTables.some((f) => f.key === k));

  const waitText = (w: { scheme: string; key: string }) => t("editor.testWaits", { scheme: w.scheme, key: w.key });

  function setEntry(key: string, entry: EntryMapping | undefined) {
    const entries = { ...config.entries };
    if (entry) entries[key] = entry;
    else delete entries[key];
    onChange({ entries });
  }

  const entryProps = { base, issues, sourceApi, sample, timezone };
  return (
    <>
      <Section title={t("editor.targetNode")}>
        <ConnectionAndApi
          node={node}
          index={index}
          catalog={catalog}
          issues={issues}
          onConnection={(connectionId) => onChange({ connectionId })}
          onApi={(next) => {
            if (next.kind === "target") onChange({ api: next.id, formId: next.formId, ...(!next.bill && { audit: "withSave" }) });
          }}
        />
        <div className="grid grid-cols-2 gap-3">
          <Field label={t("editor.batchSize")} htmlFor="target-batchSize" error={message(issuesAt(issues, [...base, "batchSize"])[0], en)}>
            <Input
              id="target-batchSize"
              type="number"
              min={1}
              max={api?.batch.maxSize ?? 1000}
              value={config.batchSize}
              onChange={(e) => onChange({ batchSize: Number(e.target.value) || 1 })}
            />
          </Field>
          <Field label={t("editor.mode")} htmlFor="target-mode" help={t("editor.modeHelp")}>
            <Select id="target-mode" value={config.mode} onChange={(e) => onChange({ mode: e.target.value as "create" | "upsert" })}>
              {(api?.writeModes ?? ["create", "upsert"]).map((m) => (
                <option key={m} value={m}>
                  {t(`editor.mode.${m}`)}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        {api?.bill && (
          <Field
            label={t("editor.audit")}
            htmlFor="target-audit"
            help={t(`editor.auditHelp.${config.audit}`)}
            error={message(issuesAt(issues, [...base, "audit"])[0], en)}
          >
            <Select id="target-audit" value={config.audit} onChange={(e) => onChange({ audit: e.target.value as AuditMode })}>
              {AUDIT_MODES.map((m) => (
                <option key={m} value={m}>
                  {t(`editor.audit.${m}`)}
                </option>
              ))}
            </Select>
          </Field>
        )}
      </Section>
      <details className="group border-b border-slate-100 px-5 py-3">
        <summary className="flex cursor-pointer list-none items-center justify-between text-sm font-semibold text-slate-900">
          <span>{t("editor.options")}</span>
          <span className="text-xs font-normal text-slate-500">
            {(api?.options ?? [])
              .filter((o) => (config.options[o.key] ?? o.default) === true)
              .map((o) => o.key)
              .slice(0, 2)
              .join(" · ")}{" "}
            <span className="inline-block transition-transform group-open:rotate-90">▸</span>
          </span>
        </summary>
        <div className="mt-3 grid gap-2">
          {(api?.options ?? []).map((o) => {
            const value = config.options[o.key] ?? o.default;
            return (
              <div key={o.key} className="flex items-center justify-between gap-3 text-sm">
                <span title={en ? (o.descriptionEn ?? o.description) : o.description}>
                  <span className="text-slate-700">{en ? o.labelEn : o.label}</span> <span className="font-mono text-xs text-slate-500">{o.key}</span>
                </span>
                {o.type === "boolean" ? (
                  <Switch checked={value === true || value === "true"} label={o.key} onChange={(v) => onChange({ options: { ...config.options, [o.key]: v } })} />
                ) : (
                  <Input
                    className="w-40"
                    value={String(value)}
                    onChange={(e) => onChange({ options: { ...config.options, [o.key]: o.type === "integer" ? Number(e.target.value) : e.target.value } })}
                  />
                )}
              </div>
            );
          })}
        </div>
      </details>
      <Section
        title={entryTables.length > 0 ? `${t("editor.mapping")} · ${t("editor.headFields")}` : t("editor.mapping")}
        aside={
          <Input
            className="!w-36 !py-1 text-xs"
            placeholder={t("editor.mappingFilterPlaceholder")}
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            aria-label={t("editor.mappingFilter")}
          />
        }
      >
        <p className="text-xs text-slate-500">{t("editor.mappingHelp")}</p>
        {sample && <p className="text-xs text-brand-700">{sample.label}</p>}
        <MappingTable testId="mapping-table" sample={!!sample}>
          {fields.map((f) => {
            const template = config.mapping[f.key] ?? "";
            return (
              <MappingRow
                key={f.key}
                name={f.key}
                field={f}
                template={template}
                suggestions={suggestions}
                issues={issuesAt(issues, [...base, "mapping", f.key])}
                preview={sample ? (previewOf(template, sample.record, timezone) ?? testedPreview(sample.tested, f.key, waitText) ?? null) : undefined}
                onChange={(v) => setMapping(f.key, v)}
              />
            );
          })}
          {unknownMapped.map((key) => (
            <UnknownMappingRow
              key={key}
              name={key}
              template={config.mapping[key] ?? ""}
              suggestions={suggestions}
              issues={issuesAt(issues, [...base, "mapping", key])}
              sample={!!sample}
              onChange={(v) => rows.set(key, v)}
              onRemove={() => rows.remove(key)}
            />
          ))}
        </MappingTable>
      </Section>
      {entryTables.map((f) => (
        // Keyed by form too: switching forms starts the section's local state afresh.
        <EntryTableMapping key={`${api?.formId}:${f.key}`} field={f} entry={config.entries[f.key]} {...entryProps} onChange={(e) => setEntry(f.key, e)} />
      ))}
      {unknownEntries.map((key) => (
        <EntryTableMapping key={key} field={{ key }} entry={config.entries[key]} {...entryProps} onChange={(e) => setEntry(key, e)} />
      ))}
    </>
  );
}
