"use client";
// One row of a mapping table (target field ← template, with the sample's value), shared by the
// head mapping and the entry tables' row mappings, and the live preview of a template.
import { evaluateTemplate, keepsRow, parseTemplate, templateLookupRefs, templateMapRefs, type FieldMeta } from "@qiao/core";
import { useState, type ReactNode } from "react";
import type { ApiIssue } from "@/lib/api/schemas";
import { useLocale, useT } from "@/lib/i18n/client";
import { Badge, Button, cx } from "@/components/ui";
import { TemplateInput, type Suggestion } from "./template-input";
import { TemplateRefChips } from "./template-ref-chips";

const PREVIEW_VARS = { CURRENT_TIME: new Date(), LAST_SYNC_TIME: null, PAGINATION_PAGE_SIZE: 50, PAGINATION_START_PAGE: 1 };

const NOT_EVALUATED = Symbol("not evaluated");

/**
 * A template's value for a sample record; NOT_EVALUATED when it is empty, does not parse, or reads
 * a value map or a lookup (their data live on the server: the test run shows those values).
 */
function evaluated(template: string, record: unknown, timezone: string, parent?: unknown): unknown {
  if (!template) return NOT_EVALUATED;
  const parsed = parseTemplate(template);
  if (!parsed.ok || templateMapRefs(parsed.template).length > 0 || templateLookupRefs(parsed.template).length > 0) return NOT_EVALUATED;
  return evaluateTemplate(parsed.template, { record, parent, vars: { ...PREVIEW_VARS, CURRENT_TIME: new Date() }, timezone });
}

/** Whether the row filter keeps a list item of the sample record (no filter, or one that does not parse: kept). */
export function rowKept(filter: string, item: unknown, record: unknown, timezone: string): boolean {
  const value = evaluated(filter, item, timezone, record);
  return value === NOT_EVALUATED || keepsRow(value);
}

/**
 * What a template gives for a sample record (for a row template: the list item, with the record as
 * `parent` for `$parent.*`): text as is, other values as JSON, "∅" for nothing.
 */
export function previewOf(template: string, record: unknown, timezone: string, parent?: unknown): string | undefined {
  const value = evaluated(template, record, timezone, parent);
  if (value === NOT_EVALUATED) return undefined;
  if (value === undefined || value === null) return "∅";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A mapping with `key` set to `template`; an empty template removes the key (unmapped). */
export function withTemplate(mapping: Record<string, string>, key: string, template: string): Record<string, string> {
  const next = { ...mapping };
  if (template === "") delete next[key];
  else next[key] = template;
  return next;
}

/**
 * The rows of a mapping table beyond those it always shows (an entry table's optional fields, keys
 * the form does not have). An emptied template unmaps its key, yet its row stays, in its place and
 * with the focus, for the template typed over it: a row goes by its ✕ only (session 33).
 */
export function useShownRows(mapping: Record<string, string>, setTemplate: (key: string, template: string) => void) {
  const [kept, setKept] = useState<string[]>([]);
  const keep = (key: string) => setKept((k) => (k.includes(key) ? k : [...k, key]));
  return {
    shown: (key: string) => mapping[key] !== undefined || kept.includes(key),
    /** Sorted: a key unmapped and mapped again comes back last in the mapping, not in the table. */
    keys: [...new Set([...Object.keys(mapping), ...kept])].sort(),
    add: keep,
    set: (key: string, template: string) => {
      if (template === "") keep(key);
      setTemplate(key, template);
    },
    remove: (key: string) => {
      setKept((k) => k.filter((x) => x !== key));
      setTemplate(key, "");
    },
  };
}

export function fieldLabel(f: FieldMeta, en: boolean) {
  return en ? f.labelEn : f.label;
}

export function MappingTable({ testId, sample, children }: { testId: string; sample: boolean; children: ReactNode }) {
  const t = useT();
  return (
    <div className="-mx-2">
      <table className="w-full table-fixed text-left text-xs" data-testid={testId}>
        <thead className="text-slate-500">
          <tr>
            <th className="w-[34%] px-2 py-1 font-medium">{t("editor.field")}</th>
            <th className="px-2 py-1 font-medium">{t("editor.template")}</th>
            {sample && <th className="w-[24%] px-2 py-1 font-medium">{t("editor.preview")}</th>}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/**
 * A field of the form and its template. `name` makes the ids: input `map-<name>`, row
 * `mapping-row-<name>`, preview `preview-<name>` (`FName`, `entry-FEntity-FMaterialID`);
 * `onRemove` adds a ✕ (row fields the user added).
 */
export function MappingRow({
  name,
  field,
  template,
  suggestions,
  issues,
  preview,
  onChange,
  onRemove,
}: {
  name: string;
  field: FieldMeta;
  template: string;
  suggestions: Suggestion[];
  issues: ApiIssue[];
  /** undefined: no sample; null: a sample, no value. */
  preview: string | null | undefined;
  onChange: (value: string) => void;
  onRemove?: () => void;
}) {
  const t = useT();
  const en = useLocale() === "en";
  const id = `map-${name}`;
  return (
    <tr data-testid={`mapping-row-${name}`} className={cx("align-top", issues.length > 0 && "bg-red-50/40")}>
      <td className="px-2 py-1.5">
        <label htmlFor={id} className="block">
          {/* Sub-head keys (SubHeadEntity.FSettleCurrID) are long: they wrap rather than hide. */}
          <span className="break-all font-mono font-medium text-slate-800">{field.key}</span>
          {field.required && (
            <span className="ml-1 text-red-500" title={t("editor.required")}>
              *
            </span>
          )}
          <span className="block text-slate-500">
            {fieldLabel(field, en)} · {field.type}
            {field.baseData && (
              <Badge className="ml-1 !px-1 !py-0 text-[10px]" tone="amber">
                {t("editor.baseData")}
              </Badge>
            )}
          </span>
        </label>
      </td>
      <td className="px-2 py-1.5">
        <div className="flex items-start gap-1">
          <div className="min-w-0 flex-1">
            <TemplateInput id={id} testId={id} value={template} suggestions={suggestions} issues={issues} onChange={onChange} />
            <TemplateRefChips template={template} />
          </div>
          {onRemove && (
            <Button size="sm" variant="ghost" onClick={onRemove} aria-label={`${t("editor.entryRemoveField")} ${field.key}`} title={t("editor.entryRemoveField")}>
              ✕
            </Button>
          )}
        </div>
      </td>
      {preview !== undefined && (
        <td className="break-all px-2 py-1.5 font-mono text-slate-700" data-testid={`preview-${name}`}>
          {preview ?? <span className="text-slate-500">—</span>}
        </td>
      )}
    </tr>
  );
}

/** A mapped key the form does not have: shown in red with its template, to fix or delete. */
export function UnknownMappingRow({
  name,
  template,
  suggestions,
  issues,
  sample,
  onChange,
  onRemove,
}: {
  name: string;
  template: string;
  suggestions: Suggestion[];
  issues: ApiIssue[];
  sample: boolean;
  onChange: (value: string) => void;
  onRemove: () => void;
}) {
  const t = useT();
  return (
    <tr className="bg-red-50/40 align-top">
      <td className="px-2 py-1.5 font-mono text-red-700">{name}</td>
      <td className="px-2 py-1.5" colSpan={sample ? 2 : 1}>
        <div className="flex items-start gap-2">
          <div className="flex-1">
            <TemplateInput value={template} ariaLabel={name} suggestions={suggestions} issues={issues} onChange={onChange} />
          </div>
          <Button size="sm" variant="ghost" onClick={onRemove} aria-label={`${t("editor.entryRemoveField")} ${name}`} title={t("editor.entryRemoveField")}>
            ✕
          </Button>
        </div>
      </td>
    </tr>
  );
}
