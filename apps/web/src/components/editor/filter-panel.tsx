"use client";
// The side panel of a selected filter node (过滤条件): whether all or any of its rules must hold,
// and the rules, each a source field (a template, as a mapping's, or picked from the source's
// fields), an operator and a value, with the compiler's issues of each rule beside it.
import {
  CONDITION_OPS,
  LIST_CONDITION_OPS,
  SCHEME_LIMITS,
  UNARY_CONDITION_OPS,
  type ConditionOp,
  type ConditionRule,
  type FilterNode,
  type SourceNode,
} from "@qiao/core";
import { useEffect, useMemo, useRef, useState } from "react";
import type { ApiIssue } from "@/lib/api/schemas";
import { useLocale, useT } from "@/lib/i18n/client";
import { Button, cx, Input, inputClass, Select } from "@/components/ui";
import { fieldSuggestions, issuesAt, sourceApiOf, type Catalog } from "./catalog";
import { newRowKey, newRule, plainField, withOp } from "./filter-rules";
import { IssueLines, Section } from "./node-panels";
import { TemplateInput, type Suggestion } from "./template-input";

const MATCHES = ["all", "any"] as const;
const ADD_ID = "filter-add-rule";
/** The field picker's value when the field is a template other than one source field. */
const OTHER = "\u0000template";
const ruleId = (i: number, part: "pick" | "field" | "op" | "value" | "delete") => `filter-rule-${i}-${part}`;

export function FilterPanel({
  node,
  index,
  catalog,
  issues,
  sourceNode,
  onChange,
}: {
  node: FilterNode;
  index: number;
  catalog: Catalog;
  issues: ApiIssue[];
  /** The source whose records the filter reads (its fields are offered). */
  sourceNode: SourceNode | undefined;
  onChange: (config: Partial<FilterNode["config"]>) => void;
}) {
  const t = useT();
  const en = useLocale() === "en";
  const sourceApi = sourceNode && sourceApiOf(catalog, sourceNode);
  const suggestions = useMemo(() => fieldSuggestions(sourceApi, en, t("editor.sourceFields")), [sourceApi, en, t]);
  const base = ["nodes", index, "config"];
  const { match, rules } = node.config;

  // Each row's key, beside its rule: deleting a rule removes that rule's row, and the rows after it
  // keep their DOM (caret, selection, an open completion list) instead of taking on their
  // neighbour's. Editor-only: the rules saved carry no key. Rules added or removed by another hand
  // than this panel's (the draft replaced) get new rows.
  const [rowKeys, setRowKeys] = useState(() => rules.map(() => newRowKey()));
  if (rowKeys.length !== rules.length) setRowKeys(rules.map(() => newRowKey()));

  // Where the keyboard goes once the rules re-render: the new rule's first control, or after a
  // delete the first control of the rule that took its place, else of the one before it, else
  // "添加条件" (not a neighbour's ✕, where a second Enter would delete another rule).
  const focusNext = useRef<string | null>(null);
  useEffect(() => {
    if (!focusNext.current) return;
    document.getElementById(focusNext.current)?.focus();
    focusNext.current = null;
  });
  const firstControl = (i: number) => ruleId(i, suggestions.length > 0 ? "pick" : "field");

  const setRule = (i: number, rule: ConditionRule) => onChange({ rules: rules.map((r, k) => (k === i ? rule : r)) });
  function addRule() {
    focusNext.current = firstControl(rules.length);
    setRowKeys([...rowKeys, newRowKey()]);
    onChange({ rules: [...rules, newRule()] });
  }
  function deleteRule(i: number) {
    const next = rules.filter((_, k) => k !== i);
    focusNext.current = next.length === 0 ? ADD_ID : firstControl(Math.min(i, next.length - 1));
    setRowKeys(rowKeys.filter((_, k) => k !== i));
    onChange({ rules: next });
  }

  const listIssues = [...issuesAt(issues, [...base, "rules"], true), ...issuesAt(issues, [...base, "match"])].filter((i) => i.severity !== "warning");
  return (
    <Section title={t("editor.filterNode")}>
      <p className="text-xs text-slate-500" data-testid="filter-help">
        {t("editor.filterHelp")}
      </p>
      <fieldset>
        <legend className="mb-1 block text-sm font-medium text-slate-700">{t("editor.filterMatch")}</legend>
        <div className="inline-flex rounded-lg p-0.5 ring-1 ring-slate-300">
          {MATCHES.map((m) => (
            <label
              key={m}
              className={cx(
                "cursor-pointer rounded-md px-3 py-1 text-sm has-focus-visible:ring-2 has-focus-visible:ring-brand-500",
                match === m ? "bg-brand-600 text-white" : "text-slate-700 hover:bg-slate-50",
              )}
            >
              <input type="radio" name="filter-match" value={m} checked={match === m} onChange={() => onChange({ match: m })} className="sr-only" />
              {t(`editor.filterMatch.${m}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <div>
        <h4 className="mb-2 text-sm font-medium text-slate-700">{t("editor.filterRules")}</h4>
        {rules.length === 0 && <p className="mb-2 text-xs text-slate-500">{t("editor.filterNoRules")}</p>}
        <IssueLines issues={listIssues} className="mb-2" />
        <ol className="space-y-2" data-testid="filter-rules">
          {rules.map((rule, i) => (
            <RuleRow
              key={rowKeys[i]}
              index={i}
              rule={rule}
              issues={issuesAt(issues, [...base, "rules", i])}
              path={[...base, "rules", i]}
              suggestions={suggestions}
              onChange={(r) => setRule(i, r)}
              onDelete={() => deleteRule(i)}
            />
          ))}
        </ol>
        <Button id={ADD_ID} size="sm" className="mt-2" disabled={rules.length >= SCHEME_LIMITS.conditionRules} onClick={addRule}>
          + {t("editor.filterAddRule")}
        </Button>
      </div>
    </Section>
  );
}

function RuleRow({
  index: i,
  rule,
  issues,
  path,
  suggestions,
  onChange,
  onDelete,
}: {
  index: number;
  rule: ConditionRule;
  /** The issues at the rule's path and under it. */
  issues: ApiIssue[];
  path: (string | number)[];
  suggestions: Suggestion[];
  onChange: (rule: ConditionRule) => void;
  onDelete: () => void;
}) {
  const t = useT();
  const n = i + 1;
  const at = (part: string) => issues.filter((x) => x.path[path.length] === part);
  const own = issues.filter((x) => x.path[path.length] !== "field" && x.path[path.length] !== "value");
  const valueIssues = at("value");
  const failing = issues.some((x) => x.severity !== "warning");
  const picked = plainField(rule.field);
  const unary = UNARY_CONDITION_OPS.has(rule.op);
  const list = LIST_CONDITION_OPS.has(rule.op);
  const valueHelp = `${ruleId(i, "value")}-help`;
  const labelClass = "w-10 shrink-0 pt-1.5 text-xs text-slate-500";
  return (
    <li
      data-testid={`filter-rule-${i}`}
      aria-labelledby={`filter-rule-${i}-title`}
      className={cx("rounded-lg border p-3", failing ? "border-red-200 bg-red-50/40" : "border-slate-200")}
    >
      <div className="mb-2 flex items-center justify-between gap-2">
        <h5 id={`filter-rule-${i}-title`} className="text-xs font-semibold text-slate-700">
          {t("editor.filterRule", { n })}
        </h5>
        <Button
          id={ruleId(i, "delete")}
          size="sm"
          variant="ghost"
          aria-label={t("editor.filterRuleDelete", { n })}
          title={t("editor.filterRuleDelete", { n })}
          onClick={onDelete}
        >
          ✕
        </Button>
      </div>
      <IssueLines issues={own} className="mb-2" />
      <div className="space-y-2">
        <div className="flex items-start gap-2">
          <label htmlFor={ruleId(i, "field")} className={labelClass}>
            {t("editor.filterRuleField")}
          </label>
          {suggestions.length > 0 && (
            <Select
              id={ruleId(i, "pick")}
              data-testid={ruleId(i, "pick")}
              aria-label={t("editor.filterRulePick", { n })}
              className="!w-40 shrink-0 !py-1.5 text-xs"
              value={picked !== undefined && suggestions.some((s) => s.value === picked) ? picked : rule.field.trim() ? OTHER : ""}
              onChange={(e) => {
                if (e.target.value !== OTHER) onChange({ ...rule, field: e.target.value ? `{{${e.target.value}}}` : "" });
              }}
            >
              <option value="">{t("editor.filterRulePickNone")}</option>
              {suggestions.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label} · {s.value}
                </option>
              ))}
              <option value={OTHER} disabled>
                {t("editor.filterRulePickOther")}
              </option>
            </Select>
          )}
          <div className="min-w-0 flex-1">
            <TemplateInput
              id={ruleId(i, "field")}
              testId={ruleId(i, "field")}
              ariaLabel={t("editor.filterRuleFieldOf", { n })}
              value={rule.field}
              placeholder="{{type_name}}"
              suggestions={suggestions}
              issues={at("field")}
              onChange={(field) => onChange({ ...rule, field })}
            />
          </div>
        </div>
        <div className="flex items-start gap-2">
          <label htmlFor={ruleId(i, "op")} className={labelClass}>
            {t("editor.filterRuleCompare")}
          </label>
          <Select
            id={ruleId(i, "op")}
            data-testid={ruleId(i, "op")}
            aria-label={t("editor.filterRuleOp", { n })}
            className="!w-40 shrink-0 !py-1.5 text-xs"
            value={rule.op}
            onChange={(e) => onChange(withOp(rule, e.target.value as ConditionOp))}
          >
            {CONDITION_OPS.map((op) => (
              <option key={op} value={op}>
                {t(`editor.conditionOp.${op}`)}
              </option>
            ))}
          </Select>
          {!unary && (
            <div className="min-w-0 flex-1">
              {list ? (
                <textarea
                  id={ruleId(i, "value")}
                  data-testid={ruleId(i, "value")}
                  aria-label={t("editor.filterRuleValue", { n })}
                  aria-describedby={valueHelp}
                  aria-invalid={valueIssues.length > 0 || undefined}
                  rows={3}
                  value={rule.value}
                  onChange={(e) => onChange({ ...rule, value: e.target.value })}
                  className={cx(inputClass, "py-1.5 text-xs", valueIssues.length > 0 && "border-red-400")}
                />
              ) : (
                <Input
                  id={ruleId(i, "value")}
                  data-testid={ruleId(i, "value")}
                  aria-label={t("editor.filterRuleValue", { n })}
                  invalid={valueIssues.length > 0}
                  className="!py-1.5 text-xs"
                  placeholder={t("editor.filterRuleValuePlaceholder")}
                  value={rule.value}
                  onChange={(e) => onChange({ ...rule, value: e.target.value })}
                />
              )}
              {list && (
                <p id={valueHelp} className="mt-1 text-xs text-slate-500">
                  {t("editor.filterRuleListHelp")}
                </p>
              )}
              <IssueLines issues={valueIssues} />
            </div>
          )}
        </div>
      </div>
    </li>
  );
}
