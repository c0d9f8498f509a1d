"use client";
// Tabs as the ARIA tab pattern has them: one stop in the page's Tab order (the selected tab), arrow
// keys (and Home / End) move and select, each tab names the panel it shows. The records' status
// tabs, the failed records' filter and the reconciliation report's categories share it.
import type { KeyboardEvent, ReactNode } from "react";
import { cx } from "@/components/ui";

export interface Tab {
  id: string;
  label: ReactNode;
  testId?: string;
}

export function TabList({
  tabs,
  selected,
  onSelect,
  label,
  idPrefix,
  panelId,
  className,
}: {
  tabs: readonly Tab[];
  selected: string;
  onSelect: (id: string) => void;
  /** The list's accessible name. */
  label: string;
  /** Tab elements get `${idPrefix}-${tab.id}` as id (the panel is labelled by the selected one). */
  idPrefix: string;
  /** The id of the panel the tabs control. */
  panelId?: string;
  className?: string;
}) {
  const onKeyDown = (e: KeyboardEvent) => {
    const at = tabs.findIndex((tab) => tab.id === selected);
    const to =
      e.key === "ArrowRight" ? (at + 1) % tabs.length
      : e.key === "ArrowLeft" ? (at - 1 + tabs.length) % tabs.length
      : e.key === "Home" ? 0
      : e.key === "End" ? tabs.length - 1
      : -1;
    const next = tabs[to];
    if (!next) return;
    e.preventDefault();
    onSelect(next.id);
    document.getElementById(`${idPrefix}-${next.id}`)?.focus();
  };
  return (
    <div role="tablist" aria-label={label} className={cx("flex flex-wrap gap-1", className)} onKeyDown={onKeyDown}>
      {tabs.map((tab) => (
        <button
          key={tab.id}
          id={`${idPrefix}-${tab.id}`}
          type="button"
          role="tab"
          aria-selected={selected === tab.id}
          aria-controls={panelId}
          tabIndex={selected === tab.id ? 0 : -1}
          data-testid={tab.testId}
          onClick={() => onSelect(tab.id)}
          className={cx(
            "rounded-full px-3 py-1 text-xs font-medium focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500",
            selected === tab.id ? "bg-brand-600 text-white" : "bg-slate-100 text-slate-600 hover:bg-slate-200",
          )}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}
