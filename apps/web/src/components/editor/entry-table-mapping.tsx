"use client";
// An entry table (单据体, e.g. 金蝶 FEntity) of the target form: which source list feeds it (one
// row per item of 发货单 `details`), an optional row filter, and the row fields' templates, which
// read the item (`{{item_code}}`) and the header record (`{{$parent.shop_code}}`).
import type { EntryMapping, FieldMeta, SourceApiMeta } from "@qiao/core";
import { useMemo, useState } from "react";
import type { ApiIssue } from "@/lib/api/schemas";
import { sampleRow } from "@/lib/documents";
import { useLocale, useT } from "@/lib/i18n/client";
import { Badge, Button, Input, Select } from "@/components/ui";
import { issuesAt, rowSuggestions, sourceLists } from "./catalog";
import { fieldLabel, MappingRow, MappingTable, previewOf, rowKept, UnknownMappingRow, useShownRows, withTemplate } from "./mapping-table";
import { IssueLines } from "./node-panels";
import { TemplateInput } from "./template-input";
import { testedPreview, type TestedSample } from "./tested-preview";

const EMPTY: EntryMapping = { from: "", filter: "", mapping: {} };
const OTHER = "\u0000other";

export function EntryTableMapping({
  field,
  entry,
  base,
  issues,
  sourceApi,
  sample,
  timezone,
  onChange,
}: {
  /** The entry table field of the form (with its row fields); undefined: the form has no such table. */
  field: (FieldMeta & { fields: FieldMeta[] }) | { key: string; fields?: undefined };
  entry: EntryMapping | undefined;
  /** The node config's issue path: ["nodes", i, "config"]. */
  base: (string | number)[];
  issues: ApiIssue[];
  sourceApi: SourceApiMeta | undefined;
  sample: { record: unknown; tested?: TestedSample } | null;
  timezone: string;
  /** The new entry mapping; undefined removes it. */
  onChange: (entry: EntryMapping | undefined) => void;
}) {
  const t = useT();
  const en = useLocale() === "en";
  const key = field.key;
  const current = entry ?? EMPTY;
  const lists = sourceLists(sourceApi);
  const [custom, setCustom] = useState(() => current.from !== "" && !lists.some((l) => l.key === current.from));
  const suggestions = useMemo(
    () => rowSuggestions(sourceApi, current.from, en, { item: t("editor.itemFields"), parent: t("editor.parentFields"), variables: t("editor.variables") }),
    [sourceApi, current.from, en, t],
  );
  const path = [...base, "entries", key];
  const ownIssues = [...issuesAt(issues, path, true), ...issuesAt(issues, [...base, "mapping", key])];
  const row = sample ? sampleRow(sample.record, current.from, (item) => rowKept(current.filter, item, sample.record, timezone)) : undefined;
  const update = (patch: Partial<EntryMapping>) => onChange({ ...current, ...patch });
  const rows = useShownRows(current.mapping, (fieldKey, value) => update({ mapping: withTemplate(current.mapping, fieldKey, value) }));
  const rowFields = field.fields ?? [];
  const shown = rowFields.filter((f) => f.required || rows.shown(f.key));
  const addable = rowFields.filter((f) => !shown.includes(f));
  const unknown = rows.keys.filter((k) => !rowFields.some((f) => f.key === k));

  return (
    <section className="border-b border-slate-100 px-5 py-4" data-testid={`entry-${key}`} aria-label={`${t("editor.entryTable")} ${key}`}>
      <div className="mb-3 flex items-start justify-between gap-2">
        <div>
          <h3 className="text-sm font-semibold text-slate-900">
            <span className="font-mono">{key}</span> {field.fields ? fieldLabel(field as FieldMeta, en) : ""}{" "}
            <Badge tone={field.fields ? "blue" : "red"}>{field.fields ? t("editor.entryTable") : t("editor.entryUnknown")}</Badge>
          </h3>
          <IssueLines issues={ownIssues} />
        </div>
        {entry && (
          <Button size="sm" variant="ghost" onClick={() => onChange(undefined)}>
            {t("editor.entryRemove")}
          </Button>
        )}
      </div>
      <div className="space-y-3">
        <div className="grid grid-cols-2 gap-3">
          <div>
            <label htmlFor={`entry-${key}-from`} className="mb-1 block text-xs font-medium text-slate-700">
              {t("editor.entryFrom")} <span className="text-red-500">*</span>
            </label>
            <Select
              id={`entry-${key}-from`}
              data-testid={`entry-${key}-from`}
              className="!py-1.5 text-xs"
              value={custom ? OTHER : current.from}
              onChange={(e) => {
                const value = e.target.value;
                setCustom(value === OTHER);
                if (value !== OTHER) update({ from: value });
              }}
            >
              <option value="">{t("editor.entryFromNone")}</option>
              {lists.map((l) => (
                <option key={l.key} value={l.key}>
                  {l.key} · {fieldLabel(l, en)}
                </option>
              ))}
              <option value={OTHER}>{t("editor.entryFromOther")}</option>
            </Select>
            {custom && (
              <Input
                className="mt-1 !py-1.5 font-mono text-xs"
                aria-label={t("editor.entryFrom")}
                data-testid={`entry-${key}-from-text`}
                placeholder="details"
                value={current.from}
                onChange={(e) => update({ from: e.target.value.trim() })}
              />
            )}
            <IssueLines issues={issuesAt(issues, [...path, "from"])} />
          </div>
          <div>
            <label htmlFor={`entry-${key}-filter`} className="mb-1 block text-xs font-medium text-slate-700">
              {t("editor.entryFilter")}
            </label>
            <TemplateInput
              id={`entry-${key}-filter`}
              testId={`entry-${key}-filter`}
              value={current.filter}
              placeholder="{{qty}}"
              suggestions={suggestions}
              issues={issuesAt(issues, [...path, "filter"])}
              onChange={(filter) => update({ filter })}
            />
          </div>
        </div>
        <p className="text-xs text-slate-500">{current.from ? t("editor.entryFilterHelp") : entry ? t("editor.entryFromHelp") : t("editor.entryNotMapped")}</p>
        <div>
          <h4 className="text-xs font-semibold text-slate-700">{t("editor.entryRows")}</h4>
          <p className="text-xs text-slate-500">{t("editor.entryRowsHelp")}</p>
        </div>
        <MappingTable testId={`entry-${key}-rows`} sample={!!sample}>
          {shown.map((f) => (
            <MappingRow
              key={f.key}
              name={`entry-${key}-${f.key}`}
              field={f}
              template={current.mapping[f.key] ?? ""}
              suggestions={suggestions}
              issues={issuesAt(issues, [...path, "mapping", f.key])}
              preview={
                sample
                  ? row
                    ? (previewOf(current.mapping[f.key] ?? "", row, timezone, sample.record) ??
                      testedPreview(sample.tested, [key, f.key], (w) => t("editor.testWaits", { scheme: w.scheme, key: w.key })) ??
                      null)
                    : null
                  : undefined
              }
              onChange={(v) => rows.set(f.key, v)}
              onRemove={f.required ? undefined : () => rows.remove(f.key)}
            />
          ))}
          {unknown.map((k) => (
            <UnknownMappingRow
              key={k}
              name={k}
              template={current.mapping[k] ?? ""}
              suggestions={suggestions}
              issues={issuesAt(issues, [...path, "mapping", k])}
              sample={!!sample}
              onChange={(v) => rows.set(k, v)}
              onRemove={() => rows.remove(k)}
            />
          ))}
        </MappingTable>
        {addable.length > 0 && (
          <Select
            aria-label={t("editor.entryAddField")}
            data-testid={`entry-${key}-add`}
            className="!w-auto !py-1 text-xs"
            value=""
            onChange={(e) => {
              const picked = e.target.value;
              if (picked) rows.add(picked);
            }}
          >
            <option value="">+ {t("editor.entryAddFieldPick")}</option>
            {addable.map((f) => (
              <option key={f.key} value={f.key}>
                {f.key} · {fieldLabel(f, en)}
              </option>
            ))}
          </Select>
        )}
      </div>
    </section>
  );
}
