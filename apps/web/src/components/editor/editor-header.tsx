"use client";
// The editor's top bar: name, version, save state, the issue list (a click selects the node),
// undo / redo, and save, test and run. The version is the one the draft is made on: after a save
// refused for a version saved elsewhere since, that one is named beside it as a conflict, never in its place.
import Link from "next/link";
import { useId, useRef } from "react";
import { issueText, schemeNameIssue, type ApiIssue } from "@/lib/api/schemas";
import { useLocale, useT } from "@/lib/i18n/client";
import { IfCan } from "@/components/role";
import { Badge, Button, cx } from "@/components/ui";
import { NODE_PANEL_ID } from "./side-panel";

export function EditorHeader({
  name,
  onName,
  version,
  newerVersion,
  dirty,
  schemeId,
  issues,
  showIssues,
  onShowIssues,
  onPickNode,
  history,
  busy,
  onSave,
  onTest,
  onRun,
}: {
  name: string;
  onName: (name: string) => void;
  version: number;
  newerVersion: number | undefined;
  dirty: boolean;
  schemeId: string | undefined;
  issues: ApiIssue[];
  showIssues: boolean;
  onShowIssues: (show: boolean) => void;
  onPickNode: (nodeId: string) => void;
  history: { undo: () => void; redo: () => void; canUndo: boolean; canRedo: boolean };
  busy: "save" | "test" | "run" | null;
  onSave: () => void;
  onTest: () => void;
  onRun: () => void;
}) {
  const t = useT();
  const en = useLocale() === "en";
  const listId = useId();
  const nameErrorId = useId();
  const nameIssue = schemeNameIssue(name);
  const toggle = useRef<HTMLButtonElement>(null);
  const open = showIssues && issues.length > 0;
  /** Closes the list and gives focus back to its button (a keyboard user is not left on nothing). */
  const close = () => {
    onShowIssues(false);
    toggle.current?.focus();
  };
  return (
    <header className="flex h-14 shrink-0 items-center gap-3 border-b border-slate-200 bg-white px-4">
      <Link href="/schemes" className="text-sm text-slate-500 hover:text-slate-800">
        ← {t("nav.schemes")}
      </Link>
      {/* The page's heading, for screen readers' heading list; the name input below shows it. */}
      <h1 className="sr-only">{name || t("editor.name")}</h1>
      <input
        aria-label={t("editor.name")}
        value={name}
        onChange={(e) => onName(e.target.value)}
        aria-invalid={nameIssue ? true : undefined}
        aria-describedby={nameIssue ? nameErrorId : undefined}
        className={cx(
          "min-w-0 max-w-md flex-1 rounded-md border px-2 py-1 text-base font-semibold text-slate-900 focus:outline-none",
          nameIssue ? "border-red-400 focus:border-red-500" : "border-transparent hover:border-slate-200 focus:border-brand-500",
        )}
      />
      {nameIssue && (
        <span id={nameErrorId} className="shrink-0 text-xs text-red-700">
          {issueText(nameIssue, en)}
        </span>
      )}
      {version > 0 && <Badge>v{version}</Badge>}
      {newerVersion !== undefined && (
        <Badge tone="amber" data-testid="version-conflict" title={t("editor.versionConflictHelp", { base: version, current: newerVersion })}>
          {t("editor.versionConflict", { v: newerVersion })}
        </Badge>
      )}
      <span data-testid="save-state" className={dirty ? "text-xs font-medium text-amber-700" : "text-xs text-slate-500"}>
        {dirty ? `● ${t("editor.unsaved")}` : t("editor.allSaved")}
      </span>
      <div
        className="relative"
        onKeyDown={(e) => {
          if (e.key === "Escape" && open) {
            e.stopPropagation();
            close();
          }
        }}
      >
        <button
          ref={toggle}
          type="button"
          onClick={() => onShowIssues(!showIssues)}
          aria-expanded={issues.length > 0 ? open : undefined}
          aria-controls={open ? listId : undefined}
          data-testid="issues-toggle"
          className={
            issues.length > 0
              ? "rounded-full bg-red-50 px-2.5 py-1 text-xs font-medium text-red-700 ring-1 ring-red-200"
              : "rounded-full bg-emerald-50 px-2.5 py-1 text-xs font-medium text-emerald-700 ring-1 ring-emerald-200"
          }
        >
          {issues.length > 0 ? t("editor.issues", { count: issues.length }) : `✓ ${t("editor.noIssues")}`}
        </button>
        {open && (
          <ul
            id={listId}
            className="absolute left-0 top-full z-40 mt-2 max-h-80 w-[28rem] overflow-y-auto rounded-xl bg-white p-2 text-sm shadow-lg ring-1 ring-slate-200"
            data-testid="issues-list"
          >
            {issues.map((i, k) => (
              <li key={k}>
                <button
                  type="button"
                  className="w-full rounded-lg px-2 py-1.5 text-left text-slate-700 hover:bg-slate-50"
                  onClick={() => {
                    if (!i.nodeId) return close();
                    onPickNode(i.nodeId);
                    onShowIssues(false);
                    // The picked node's settings, where the issue is fixed (the panel takes focus once shown).
                    requestAnimationFrame(() => document.getElementById(NODE_PANEL_ID)?.focus());
                  }}
                >
                  {i.nodeId && <span className="mr-1 font-mono text-xs text-slate-500">[{i.nodeId}]</span>}
                  {issueText(i, en)}
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="ml-auto flex items-center gap-2">
        <Button size="sm" variant="ghost" onClick={history.undo} disabled={!history.canUndo} title="Ctrl+Z" aria-label={t("editor.undo")}>
          ↶ {t("editor.undo")}
        </Button>
        <Button size="sm" variant="ghost" onClick={history.redo} disabled={!history.canRedo} title="Ctrl+Shift+Z" aria-label={t("editor.redo")}>
          ↷ {t("editor.redo")}
        </Button>
        {schemeId && (
          <Link href={`/schemes/${schemeId}/runs`} className="rounded-lg px-3 py-2 text-sm text-slate-600 hover:bg-slate-100">
            {t("editor.runs")}
          </Link>
        )}
        <IfCan least="editor">
          <Button onClick={onSave} busy={busy === "save"} disabled={!dirty && !!schemeId}>
            {t("editor.save")}
          </Button>
          <Button onClick={onTest} busy={busy === "test"} disabled={busy !== null}>
            {t("editor.test")}
          </Button>
          <Button variant="primary" onClick={onRun} busy={busy === "run"} disabled={busy !== null}>
            {t("editor.run")}
          </Button>
        </IfCan>
      </div>
    </header>
  );
}
