"use client";
// The side panel of a selected source node (connection, API, request parameters), and the parts
// every node's panel shares; a target's panel is target-panel.tsx.
import type { ConnectorMeta, SourceNode, TargetNode } from "@qiao/core";
import Link from "next/link";
import { useMemo } from "react";
import { issueText, type ApiIssue } from "@/lib/api/schemas";
import { useLocale, useT } from "@/lib/i18n/client";
import { cx, Field, Input, Select } from "@/components/ui";
import { apiKey, connectorOf, issuesAt, presetParams, sourceApiOf, targetApiOf, variableSuggestions, type Catalog } from "./catalog";
import { fieldLabel } from "./mapping-table";
import { TemplateInput } from "./template-input";

export const message = (i: ApiIssue | undefined, en: boolean) => (i ? issueText(i, en) : undefined);

/** Issues of a part of a node (the compiler's, or the server's), one alert line each. */
export function IssueLines({ issues, className = "mt-1" }: { issues: ApiIssue[]; className?: string }) {
  const en = useLocale() === "en";
  return (
    <>
      {issues.map((i, k) => (
        <p key={k} role="alert" className={cx("text-xs text-red-600", className)}>
          {issueText(i, en)}
        </p>
      ))}
    </>
  );
}

export function Section({ title, children, aside }: { title: string; children: React.ReactNode; aside?: React.ReactNode }) {
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

export function ConnectionAndApi({
  node,
  index,
  catalog,
  issues,
  onConnection,
  onApi,
}: {
  node: SourceNode | TargetNode;
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
  const selected = node.type === "source" ? sourceApiOf(catalog, node) : targetApiOf(catalog, node);
  const base = ["nodes", index, "config"];
  return (
    <>
      <Field
        label={t("editor.connection")}
        htmlFor={`${kind}-connection`}
        help={kind === "target" ? t("editor.targetSwitchHelp") : undefined}
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
      <Field label={t("editor.api")} htmlFor={`${kind}-api`} required error={message([...issuesAt(issues, [...base, "api"]), ...issuesAt(issues, [...base, "formId"])][0], en)}>
        <Select
          id={`${kind}-api`}
          value={selected ? apiKey(selected) : api}
          onChange={(e) => {
            const next = apis.find((a) => apiKey(a) === e.target.value);
            if (next) onApi(next);
          }}
        >
          {apis.map((a) => (
            <option key={apiKey(a)} value={apiKey(a)}>
              {en ? a.nameEn : a.name} ({a.kind === "target" ? `${a.id} · ${a.formId}` : a.id})
            </option>
          ))}
        </Select>
      </Field>
    </>
  );
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
                {fieldLabel(f, en)} <span className="font-mono text-slate-500">{f.key}</span>
              </span>
              <span className="text-slate-500">{f.type}</span>
            </label>
            <TemplateInput
              id={`param-${f.key}`}
              testId={`param-${f.key}`}
              value={node.config.params[f.key] ?? ""}
              placeholder={en ? (f.descriptionEn ?? f.description) : f.description}
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
