"use client";
// The side panel of a selected node: source (connection, API, request parameters) or target
// (connection, API, options, batch, mode and the mapping table with live sample values).
import { evaluateTemplate, parseTemplate, type ConnectorMeta, type FieldMeta, type SchemeNode, type SourceNode, type TargetNode } from "@qiao/core";
import Link from "next/link";
import { useMemo, useState } from "react";
import { issueText, type ApiIssue } from "@/lib/api/schemas";
import { useLocale, useT } from "@/lib/i18n/client";
import { Badge, Button, Field, Input, Select, Switch, cx } from "@/components/ui";
import {
  connectorOf,
  fieldSuggestions,
  issuesAt,
  presetParams,
  sourceApiOf,
  targetApiOf,
  variableSuggestions,
  type Catalog,
} from "./catalog";
import { TemplateInput } from "./template-input";

const message = (i: ApiIssue | undefined, en: boolean) => (i ? issueText(i, en) : undefined);

function Section({ title, children, aside }: { title: string; children: React.ReactNode; aside?: React.ReactNode }) {
  return (
    <section className="border-b border-slate-100 px-5 py-4">
      <div className="mb-3 flex items-center justify-between gap-2">
        <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
        {aside}
      </div>
      <div className="space-y-3">{children}</div>
    </section>
  );
}

function ConnectionAndApi({
  node,
  index,
  catalog,
  issues,
  onConnection,
  onApi,
}: {
  node: SchemeNode;
  index: number;
  catalog: Catalog;
  issues: ApiIssue[];
  onConnection: (id: string) => void;
  /** The API the user picked, from this node's connector and kind. */
  onApi: (api: ConnectorMeta["apis"][number]) => void;
}) {
  const t = useT();
  const en = useLocale() === "en";
  const { type: kind, config } = node;
  const { platform, connectionId, api } = config;
  const connector = connectorOf(catalog, platform);
  const connections = catalog.connections.filter((c) => c.platform === platform);
  const apis = connector?.apis.filter((a) => a.kind === kind) ?? [];
  const base = ["nodes", index, "config"];
  return (
    <>
      <Field
        label={t("editor.connection")}
        htmlFor={`${kind}-connection`}
        required
        error={message(issuesAt(issues, [...base, "connectionId"])[0], en)}
      >
        <Select id={`${kind}-connection`} value={connectionId} onChange={(e) => onConnection(e.target.value)}>
          <option value="">{t("editor.chooseConnection")}</option>
          {connections.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </Select>
        {connections.length === 0 && (
          <p className="text-xs text-slate-500">
            {t("editor.noConnection", { platform: (en ? connector?.nameEn : connector?.name) ?? platform })}
            <Link href="/connections" className="text-brand-700 hover:underline">
              {t("editor.createConnection")}
            </Link>
          </p>
        )}
      </Field>
      <Field label={t("editor.api")} htmlFor={`${kind}-api`} required error={message(issuesAt(issues, [...base, "api"])[0], en)}>
        <Select
          id={`${kind}-api`}
          value={api}
          onChange={(e) => {
            const next = apis.find((a) => a.id === e.target.value);
            if (next) onApi(next);
          }}
        >
          {apis.map((a) => (
            <option key={a.id} value={a.id}>
              {en ? a.nameEn : a.name} ({a.id})
            </option>
          ))}
        </Select>
      </Field>
    </>
  );
}

function fieldLabel(f: FieldMeta, en: boolean) {
  return en ? f.labelEn : f.label;
}

export function SourcePanel({
  node,
  index,
  catalog,
  issues,
  onChange,
}: {
  node: SourceNode;
  index: number;
  catalog: Catalog;
  issues: ApiIssue[];
  onChange: (config: Partial<SourceNode["config"]>) => void;
}) {
  const t = useT();
  const en = useLocale() === "en";
  const api = sourceApiOf(catalog, node);
  const suggestions = useMemo(() => variableSuggestions(en, t("editor.variables")), [en, t]);
  const base = ["nodes", index, "config"];
  return (
    <>
      <Section title={t("editor.sourceNode")}>
        <ConnectionAndApi
          node={node}
          index={index}
          catalog={catalog}
          issues={issues}
          onConnection={(connectionId) => onChange({ connectionId })}
          onApi={(next) => {
            if (next.kind !== "source") return;
            onChange({
              api: next.id,
              params: presetParams(next),
              idField: next.idField,
              listKey: next.listKey,
              pageSize: next.paging.defaultPageSize,
            });
          }}
        />
        <Field label={t("editor.pageSize")} htmlFor="source-pageSize" error={message(issuesAt(issues, [...base, "pageSize"])[0], en)}>
          <Input
            id="source-pageSize"
            type="number"
            min={1}
            max={api?.paging.maxPageSize ?? 1000}
            value={node.config.pageSize}
            onChange={(e) => onChange({ pageSize: Number(e.target.value) || 1 })}
          />
        </Field>
      </Section>
      <Section title={t("editor.params")}>
        {(api?.request ?? []).map((f) => (
          <div key={f.key}>
            <label htmlFor={`param-${f.key}`} className="mb-1 flex items-baseline justify-between gap-2 text-xs">
              <span className="font-medium text-slate-700">
                {fieldLabel(f, en)} <span className="font-mono text-slate-400">{f.key}</span>
              </span>
              <span className="text-slate-400">{f.type}</span>
            </label>
            <TemplateInput
              id={`param-${f.key}`}
              testId={`param-${f.key}`}
              value={node.config.params[f.key] ?? ""}
              placeholder={f.description}
              suggestions={suggestions}
              issues={issuesAt(issues, [...base, "params", f.key])}
              onChange={(v) => {
                const params = { ...node.config.params };
                if (v === "") delete params[f.key];
                else params[f.key] = v;
                onChange({ params });
              }}
            />
          </div>
        ))}
      </Section>
    </>
  );
}

const PREVIEW_VARS = { CURRENT_TIME: new Date(), LAST_SYNC_TIME: null, PAGINATION_PAGE_SIZE: 50, PAGINATION_START_PAGE: 1 };

function previewOf(template: string, record: unknown, timezone: string): string | undefined {
  if (!template) return undefined;
  const parsed = parseTemplate(template);
  if (!parsed.ok) return undefined;
  const value = evaluateTemplate(parsed.template, { record, vars: { ...PREVIEW_VARS, CURRENT_TIME: new Date() }, timezone });
  if (value === undefined || value === null) return "∅";
  return typeof value === "string" ? value : JSON.stringify(value);
}

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
  sample: { record: unknown; label: string } | null;
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
  const fields = (api?.fields ?? []).filter(
    (f) => !filter || f.key.toLowerCase().includes(filter.toLowerCase()) || f.label.includes(filter) || f.labelEn.toLowerCase().includes(filter.toLowerCase()),
  );
  const unknownMapped = Object.keys(node.config.mapping).filter((k) => !api?.fields.some((f) => f.key === k));

  function setMapping(key: string, value: string) {
    const mapping = { ...node.config.mapping };
    if (value === "") delete mapping[key];
    else mapping[key] = value;
    onChange({ mapping });
  }

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
            if (next.kind === "target") onChange({ api: next.id, formId: next.formId });
          }}
        />
        <div className="grid grid-cols-2 gap-3">
          <Field label={t("editor.batchSize")} htmlFor="target-batchSize" error={message(issuesAt(issues, [...base, "batchSize"])[0], en)}>
            <Input
              id="target-batchSize"
              type="number"
              min={1}
              max={api?.batch.maxSize ?? 1000}
              value={node.config.batchSize}
              onChange={(e) => onChange({ batchSize: Number(e.target.value) || 1 })}
            />
          </Field>
          <Field label={t("editor.mode")} htmlFor="target-mode">
            <Select id="target-mode" value={node.config.mode} onChange={(e) => onChange({ mode: e.target.value as "create" | "upsert" })}>
              {(api?.writeModes ?? ["create", "upsert"]).map((m) => (
                <option key={m} value={m}>
                  {t(`editor.mode.${m}`)}
                </option>
              ))}
            </Select>
          </Field>
        </div>
      </Section>
      <details className="group border-b border-slate-100 px-5 py-3">
        <summary className="flex cursor-pointer list-none items-center justify-between text-sm font-semibold text-slate-900">
          <span>{t("editor.options")}</span>
          <span className="text-xs font-normal text-slate-500">
            {(api?.options ?? [])
              .filter((o) => (node.config.options[o.key] ?? o.default) === true)
              .map((o) => o.key)
              .slice(0, 2)
              .join(" · ")}{" "}
            <span className="inline-block transition-transform group-open:rotate-90">▸</span>
          </span>
        </summary>
        <div className="mt-3 grid gap-2">
          {(api?.options ?? []).map((o) => {
            const value = node.config.options[o.key] ?? o.default;
            return (
              <div key={o.key} className="flex items-center justify-between gap-3 text-sm">
                <span title={o.description}>
                  <span className="text-slate-700">{en ? o.labelEn : o.label}</span>{" "}
                  <span className="font-mono text-xs text-slate-400">{o.key}</span>
                </span>
                {o.type === "boolean" ? (
                  <Switch
                    checked={value === true || value === "true"}
                    label={o.key}
                    onChange={(v) => onChange({ options: { ...node.config.options, [o.key]: v } })}
                  />
                ) : (
                  <Input
                    className="w-40"
                    value={String(value)}
                    onChange={(e) => onChange({ options: { ...node.config.options, [o.key]: o.type === "integer" ? Number(e.target.value) : e.target.value } })}
                  />
                )}
              </div>
            );
          })}
        </div>
      </details>
      <Section
        title={t("editor.mapping")}
        aside={
          <Input className="!w-36 !py-1 text-xs" placeholder="FName / 客户…" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="filter" />
        }
      >
        <p className="text-xs text-slate-500">{t("editor.mappingHelp")}</p>
        {sample && <p className="text-xs text-brand-700">{sample.label}</p>}
        <div className="-mx-2">
          <table className="w-full table-fixed text-left text-xs" data-testid="mapping-table">
            <thead className="text-slate-400">
              <tr>
                <th className="w-[34%] px-2 py-1 font-medium">{t("editor.field")}</th>
                <th className="px-2 py-1 font-medium">{t("editor.template")}</th>
                {sample && <th className="w-[24%] px-2 py-1 font-medium">{t("editor.preview")}</th>}
              </tr>
            </thead>
            <tbody>
              {fields.map((f) => {
                const template = node.config.mapping[f.key] ?? "";
                const value = sample ? previewOf(template, sample.record, timezone) : undefined;
                const fieldIssues = issuesAt(issues, [...base, "mapping", f.key]);
                return (
                  <tr key={f.key} data-testid={`mapping-row-${f.key}`} className={cx("align-top", fieldIssues.length > 0 && "bg-red-50/40")}>
                    <td className="px-2 py-1.5">
                      <label htmlFor={`map-${f.key}`} className="block">
                        <span className="font-mono font-medium text-slate-800">{f.key}</span>
                        {f.required && (
                          <span className="ml-1 text-red-500" title={t("editor.required")}>
                            *
                          </span>
                        )}
                        <span className="block text-slate-500">
                          {fieldLabel(f, en)} · {f.type}
                          {f.baseData && (
                            <Badge className="ml-1 !px-1 !py-0 text-[10px]" tone="amber">
                              {t("editor.baseData")}
                            </Badge>
                          )}
                        </span>
                      </label>
                    </td>
                    <td className="px-2 py-1.5">
                      <TemplateInput
                        id={`map-${f.key}`}
                        testId={`map-${f.key}`}
                        value={template}
                        placeholder={f.description ? undefined : ""}
                        suggestions={suggestions}
                        issues={fieldIssues}
                        onChange={(v) => setMapping(f.key, v)}
                      />
                    </td>
                    {sample && (
                      <td className="break-all px-2 py-1.5 font-mono text-slate-700" data-testid={`preview-${f.key}`}>
                        {value ?? <span className="text-slate-300">—</span>}
                      </td>
                    )}
                  </tr>
                );
              })}
              {unknownMapped.map((key) => (
                <tr key={key} className="bg-red-50/40 align-top">
                  <td className="px-2 py-1.5 font-mono text-red-700">{key}</td>
                  <td className="px-2 py-1.5" colSpan={sample ? 2 : 1}>
                    <div className="flex items-start gap-2">
                      <div className="flex-1">
                        <TemplateInput value={node.config.mapping[key] ?? ""} suggestions={suggestions} issues={issuesAt(issues, [...base, "mapping", key])} onChange={(v) => setMapping(key, v)} />
                      </div>
                      <Button size="sm" variant="ghost" onClick={() => setMapping(key, "")}>
                        ✕
                      </Button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
    </>
  );
}
