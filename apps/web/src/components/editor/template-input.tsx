"use client";
// A template field: `{{` or `<<` opens suggestions of source fields and variables; problems
// reported by @qiao/core show under the field with the offending part of the template marked.
// Inside `map('…` it offers the value maps' names (issue #13), fetched when first needed.
import { useQuery } from "@tanstack/react-query";
import { useId, useRef, useState, type KeyboardEvent } from "react";
import { api } from "@/lib/api/client";
import { issueText, type ApiIssue } from "@/lib/api/schemas";
import { useLocale, useT } from "@/lib/i18n/client";
import { cx, inputClass } from "@/components/ui";

export interface Suggestion {
  /** What goes between the braces. */
  value: string;
  label: string;
  group: string;
}

// `$` too: row templates read the header record as `$parent.shop_code`.
const OPEN_TOKEN = /(\{\{|<<)\s*([A-Za-z0-9_.$\u4e00-\u9fa5]*)$/;
/** `| map('仓库` before the caret: the quote and the part of a value map's name typed so far. */
const MAP_TOKEN = /\|\s*map\(\s*(['"])([^'"]*)$/;

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
  const [open, setOpen] = useState<{ start: number; query: string; close: string; map?: true } | null>(null);
  const [active, setActive] = useState(0);
  const t = useT();
  const valueMaps = useQuery({ queryKey: ["value-maps", ""], queryFn: () => api.valueMaps(), enabled: !!open?.map, staleTime: 30_000 });
  const mapSuggestions: Suggestion[] = (valueMaps.data?.valueMaps ?? []).map((m) => ({
    value: m.name,
    label: m.description || t("valueMaps.rowCount", { count: m.entryCount }),
    group: t("nav.valueMaps"),
  }));

  const matches = open
    ? (open.map ? mapSuggestions : suggestions)
        .filter((s) => s.value.toLowerCase().includes(open.query.toLowerCase()) || s.label.includes(open.query))
        .slice(0, 12)
    : [];

  function detect(text: string, caret: number) {
    const inMap = MAP_TOKEN.exec(text.slice(0, caret));
    if (inMap) {
      const query = inMap[2] ?? "";
      setOpen({ start: caret - query.length, query, close: inMap[1]!, map: true });
      setActive(0);
      return;
    }
    const m = OPEN_TOKEN.exec(text.slice(0, caret));
    if (!m) return setOpen(null);
    setOpen({ start: m.index, query: m[2] ?? "", close: m[1] === "<<" ? ">>" : "}}" });
    setActive(0);
  }

  function pick(s: Suggestion) {
    const el = input.current;
    if (!el || !open) return;
    const caret = el.selectionStart ?? value.length;
    if (open.map) {
      // The name, its closing quote and ")": the rest of a name typed after the caret is replaced.
      const rest = value.slice(caret).replace(/^[^'"\s)}>|]*(['"]\s*\))?/, "");
      const inserted = `${s.value}${open.close})`;
      onChange(value.slice(0, open.start) + inserted + rest);
      setOpen(null);
      requestAnimationFrame(() => {
        el.focus();
        el.setSelectionRange(open.start + inserted.length, open.start + inserted.length);
      });
      return;
    }
    const opener = open.close === ">>" ? "<<" : "{{";
    const after = value.slice(caret).replace(/^[^{}<>\s]*\s*(\}\}|>>)/, "");
    const inserted = `${opener}${s.value}${open.close}`;
    const next = value.slice(0, open.start) + inserted + after;
    onChange(next);
    setOpen(null);
    requestAnimationFrame(() => {
      el.focus();
      const pos = open.start + inserted.length;
      el.setSelectionRange(pos, pos);
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
      pick(matches[active]!);
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
        aria-autocomplete="list"
        aria-expanded={matches.length > 0}
        aria-controls={matches.length > 0 ? listId : undefined}
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
          className="absolute left-0 right-0 top-full z-30 mt-1 max-h-60 overflow-y-auto rounded-lg bg-white py-1 text-xs shadow-lg ring-1 ring-slate-200"
        >
          {matches.map((s, k) => (
            <li
              key={`${s.group}:${s.value}`}
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
