"use client";
// A template field: `{{` or `<<` opens suggestions of source fields and variables, `| ` the
// filters, `map('` the value maps' names and `lookup('` the other schemes' names (issue #13);
// problems reported by @qiao/core show under the field with the offending part of the template
// marked. The field is an ARIA combobox: ↑/↓ move, Enter or Tab picks, Escape closes.
import { templateFilters } from "@qiao/core";
import { useId, useRef, useState, type KeyboardEvent } from "react";
import { issueText, type ApiIssue } from "@/lib/api/schemas";
import { useLocale, useT } from "@/lib/i18n/client";
import { cx, inputClass } from "@/components/ui";
import { applyCompletion, completionAt, type Completion } from "./template-completion";
import { useTemplateRefs } from "./template-refs";

export interface Suggestion {
  /** What goes between the braces. */
  value: string;
  label: string;
  group: string;
}

export function TemplateInput({
  id,
  value,
  onChange,
  suggestions,
  issues,
  placeholder,
  ariaLabel,
  testId,
}: {
  id?: string;
  value: string;
  onChange: (value: string) => void;
  suggestions: Suggestion[];
  issues: ApiIssue[];
  placeholder?: string;
  ariaLabel?: string;
  testId?: string;
}) {
  const en = useLocale() === "en";
  const listId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState<Completion | null>(null);
  const [active, setActive] = useState(0);
  const t = useT();
  const refs = useTemplateRefs();

  function offers(c: Completion): Suggestion[] {
    switch (c.kind) {
      case "field":
        return suggestions;
      case "filter":
        return templateFilters.map((f) => ({ value: f.name, label: en ? `${f.syntaxEn} — ${f.descriptionEn}` : `${f.syntax} — ${f.description}`, group: t("editor.filters") }));
      case "map":
        return (refs.valueMaps ?? []).map((m) => ({ value: m.name, label: m.description || t("valueMaps.rowCount", { count: m.entryCount }), group: t("nav.valueMaps") }));
      case "lookup":
        return (refs.schemes ?? []).filter((s) => s.id !== refs.schemeId).map((s) => ({ value: s.name, label: t("editor.lookupScheme"), group: t("nav.schemes") }));
    }
  }

  const query = open?.query.toLowerCase() ?? "";
  // Names that start with what is typed come first, then those that contain it.
  const rank = (s: Suggestion) => (s.value.toLowerCase().startsWith(query) ? 0 : 1);
  const matches = open
    ? offers(open)
        .filter((s) =>
          open.kind === "filter"
            ? s.value.startsWith(query)
            : s.value.toLowerCase().includes(query) || (open.kind !== "lookup" && s.label.includes(open.query)),
        )
        .sort((x, y) => rank(x) - rank(y))
        .slice(0, 12)
    : [];
  const optionId = (k: number) => `${listId}-option-${k}`;

  function detect(text: string, caret: number) {
    setOpen(completionAt(text, caret));
    setActive(0);
  }

  function pick(s: Suggestion) {
    const el = input.current;
    if (!el || !open) return;
    const next = applyCompletion(value, el.selectionStart ?? value.length, open, s.value);
    onChange(next.text);
    // A filter that takes a name (map, lookup) goes straight on to offering the names.
    detect(next.text, next.caret);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(next.caret, next.caret);
    });
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (!open || matches.length === 0) return;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setActive((a) => (a + 1) % matches.length);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => (a - 1 + matches.length) % matches.length);
    } else if (e.key === "Enter" || e.key === "Tab") {
      e.preventDefault();
      pick(matches[Math.min(active, matches.length - 1)]!);
    } else if (e.key === "Escape") {
      e.preventDefault();
      setOpen(null);
    }
  }

  const errors = issues.filter((i) => i.severity !== "warning");
  const shown = errors[0] ?? issues[0];
  const marked = shown && shown.start !== undefined && shown.end !== undefined && value.length > 0;

  return (
    <div className="relative">
      <input
        ref={input}
        id={id}
        value={value}
        placeholder={placeholder}
        aria-label={ariaLabel}
        aria-invalid={errors.length > 0 || undefined}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={matches.length > 0}
        aria-controls={matches.length > 0 ? listId : undefined}
        aria-activedescendant={matches.length > 0 ? optionId(Math.min(active, matches.length - 1)) : undefined}
        data-testid={testId}
        spellCheck={false}
        autoComplete="off"
        className={cx(
          inputClass,
          "py-1.5 font-mono text-xs",
          errors.length > 0 && "border-red-400 focus:border-red-500 focus:ring-red-100",
          errors.length === 0 && issues.length > 0 && "border-amber-400",
        )}
        onChange={(e) => {
          onChange(e.target.value);
          detect(e.target.value, e.target.selectionStart ?? e.target.value.length);
        }}
        onKeyDown={onKeyDown}
        onClick={(e) => detect(e.currentTarget.value, e.currentTarget.selectionStart ?? 0)}
        onBlur={() => setTimeout(() => setOpen(null), 150)}
      />
      {matches.length > 0 && (
        <ul
          id={listId}
          role="listbox"
          aria-label={open ? t(`editor.complete.${open.kind}`) : undefined}
          className="absolute left-0 right-0 top-full z-30 mt-1 max-h-60 overflow-y-auto rounded-lg bg-white py-1 text-xs shadow-lg ring-1 ring-slate-200"
        >
          {matches.map((s, k) => (
            <li
              key={`${s.group}:${s.value}`}
              id={optionId(k)}
              data-value={s.value}
              role="option"
              aria-selected={k === active}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(s);
              }}
              onMouseEnter={() => setActive(k)}
              className={cx("flex cursor-pointer items-center justify-between gap-3 px-3 py-1.5", k === active && "bg-brand-50")}
            >
              <span className="font-mono text-slate-800">{s.value}</span>
              <span className="truncate text-slate-500">
                {s.label} · {s.group}
              </span>
            </li>
          ))}
        </ul>
      )}
      {shown && (
        <p role={errors.length > 0 ? "alert" : undefined} className={cx("mt-1 text-xs", errors.length > 0 ? "text-red-600" : "text-amber-700")}>
          {marked && (
            <code className="mr-1.5 rounded bg-slate-100 px-1 font-mono text-slate-700">
              {value.slice(0, shown.start)}
              <mark className="rounded-sm bg-red-200 text-red-900 underline decoration-red-500 decoration-wavy">
                {value.slice(shown.start, Math.max(shown.end!, shown.start! + 1)) || " "}
              </mark>
              {value.slice(Math.max(shown.end!, shown.start! + 1))}
            </code>
          )}
          {issueText(shown, en)}
        </p>
      )}
    </div>
  );
}
