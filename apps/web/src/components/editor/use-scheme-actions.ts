"use client";
// What the editor's header buttons do through the REST API, and what came of it: save (a new
// scheme, or its next version), test (saved first; the worker runs it and the editor waits for it)
// and run (saved first, then the run's page). Test and run name the version whose mapping the editor
// shows: one saved elsewhere since is refused, not run in its place. A refused save keeps the
// server's issues, and the definition they were about, until the next save. Only 保存 overwrites a
// version saved elsewhere, pressed again once told; the saves 测试 and 运行 make first never do. A name
// the API would refuse (empty) is refused here, on its field, and nothing is sent.
import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { ApiClientError, api } from "@/lib/api/client";
import { issueText, schemeNameIssue, type ApiIssue, type RunDetailDto } from "@/lib/api/schemas";
import { useLocale, useT } from "@/lib/i18n/client";
import type { Draft } from "./use-scheme-draft";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The scheme as loaded: its id and version (none yet for a new one) and its draft as saved. */
export interface SavedScheme {
  schemeId?: string;
  version: number;
  draft: Draft;
}

/** What a save came to: the scheme's id and the version saved, or why it was not saved (the notice says it too). */
type SaveOutcome = { id: string; version: number } | { refused: string };

export function useSchemeActions(saved: SavedScheme, draft: Draft, edit: (update: (d: Draft) => Draft) => void) {
  const t = useT();
  const en = useLocale() === "en";
  const router = useRouter();
  const queryClient = useQueryClient();
  const [schemeId, setSchemeId] = useState(saved.schemeId);
  // The version 保存 is made on: after a refused save, the one saved elsewhere, which 保存 pressed
  // again (knowingly) overwrites.
  const [version, setVersion] = useState(saved.version);
  // The version whose mapping is `savedDraft`'s, the one the editor shows and its edits were made on:
  // what test and run ask for, and what the saves they make first are made on.
  const [savedVersion, setSavedVersion] = useState(saved.version);
  const [savedDraft, setSavedDraft] = useState(saved.draft);
  const savedJson = useMemo(() => JSON.stringify(savedDraft), [savedDraft]);
  // Apart: a save made while a test runs does not end the test's wait.
  const [saving, setSaving] = useState(false);
  const [testing, setTesting] = useState(false);
  const [starting, setStarting] = useState(false);
  const busy: "save" | "test" | "run" | null = saving ? "save" : testing ? "test" : starting ? "run" : null;
  const [notice, setNotice] = useState<{ tone: "red" | "green"; text: string } | null>(null);
  const [serverIssues, setServerIssues] = useState<ApiIssue[]>([]);
  const [refused, setRefused] = useState<unknown>(null);
  const [showIssues, setShowIssues] = useState(false);
  const [test, setTest] = useState<{ open: boolean; run?: RunDetailDto; error: string | null; sample: number }>({ open: false, error: null, sample: 0 });

  const dirty = JSON.stringify(draft) !== savedJson;

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), notice.tone === "green" ? 4_000 : 12_000);
    return () => clearTimeout(timer);
  }, [notice]);

  /**
   * Saves the draft. `overwrite`: made on the version saved elsewhere that a refused save named (保存
   * pressed again); otherwise on the version the edits were made on, so a version saved elsewhere
   * since is refused again, whatever was refused before.
   */
  async function save({ overwrite }: { overwrite: boolean }): Promise<SaveOutcome> {
    if (saving) return { refused: t("editor.saveInProgress") };
    // Not replaced by a name of our own (the field would not show what was saved): the name's fields say why.
    const nameIssue = schemeNameIssue(draft.name);
    if (nameIssue) {
      const text = t("editor.notSaved", { reason: issueText(nameIssue, en) });
      setNotice({ tone: "red", text });
      return { refused: text };
    }
    setSaving(true);
    setNotice(null);
    // The name and description only when this editor changed them: a rename made elsewhere since
    // (the list, another tab; it makes no version) is not undone by a save of the mapping.
    const renamed = draft.name !== savedDraft.name;
    const redescribed = draft.description !== savedDraft.description;
    try {
      // With the version this editor's edits were made on: a save made since elsewhere is a 409.
      const { scheme } = schemeId
        ? await api.updateScheme(schemeId, {
            definition: draft.definition,
            baseVersion: overwrite ? version : savedVersion,
            ...(renamed && { name: draft.name }),
            ...(redescribed && { description: draft.description }),
          })
        : await api.createScheme({ name: draft.name, description: draft.description, definition: draft.definition });
      // The name and description as stored: renamed elsewhere where this editor did not change them,
      // and the name without the spaces around it (the API trims it).
      const stored: Draft = { ...draft, name: scheme.name, description: scheme.description };
      setSavedDraft(stored);
      if (stored.name !== draft.name || stored.description !== draft.description) {
        // Unless retyped while the save was under way.
        edit((d) => ({
          ...d,
          name: d.name === draft.name ? stored.name : d.name,
          description: d.description === draft.description ? stored.description : d.description,
        }));
      }
      // The editor reads the scheme once (staleTime: Infinity): opened again, it shows what was saved.
      queryClient.setQueryData(["scheme", scheme.id], { scheme });
      setServerIssues([]);
      setVersion(scheme.currentVersion);
      setSavedVersion(scheme.currentVersion);
      setNotice({ tone: "green", text: t("editor.saved", { v: scheme.currentVersion }) });
      if (!schemeId) {
        setSchemeId(scheme.id);
        // Keep this editor (and its test results) mounted: only the address changes.
        window.history.replaceState(null, "", `/schemes/${scheme.id}`);
      }
      return { id: scheme.id, version: scheme.currentVersion };
    } catch (error) {
      if (error instanceof ApiClientError && error.code === "conflict" && error.issues.some((i) => i.path[0] === "baseVersion") && schemeId) {
        // Saved elsewhere since: the notice says so, and the next save (made knowingly) overwrites
        // the version now current.
        const latest = await api.scheme(schemeId).then(({ scheme }) => scheme.currentVersion, () => undefined);
        if (latest !== undefined) setVersion(latest);
        setNotice({ tone: "red", text: error.message });
        return { refused: error.message };
      }
      if (error instanceof ApiClientError) {
        setServerIssues(error.issues.map((i) => ({ ...i, path: i.path[0] === "definition" ? i.path.slice(1) : i.path })));
        setRefused(draft.definition);
        setShowIssues(error.issues.length > 0);
      }
      const text = error instanceof Error ? error.message : String(error);
      setNotice({ tone: "red", text });
      return { refused: text };
    } finally {
      setSaving(false);
    }
  }

  /**
   * The scheme and version the editor shows, saved first when the draft has changes: never over a
   * version saved elsewhere (that is 保存's, pressed knowingly).
   */
  async function saveShown(): Promise<SaveOutcome> {
    return dirty || !schemeId ? await save({ overwrite: false }) : { id: schemeId, version: savedVersion };
  }

  async function runTest() {
    setTesting(true);
    setTest((s) => ({ ...s, open: true, error: null, run: undefined }));
    try {
      const shown = await saveShown();
      if ("refused" in shown) {
        setTest((s) => ({ ...s, error: shown.refused }));
        return;
      }
      // The run is of `shown.version` (run.schemeVersion): a save made while it runs leaves its
      // results those of the version before (the editor marks them so).
      let { run } = await api.testScheme(shown.id, { baseVersion: shown.version });
      while (run.status === "queued" || run.status === "running") {
        await sleep(800);
        ({ run } = await api.run(run.id));
      }
      setTest((s) => ({ ...s, run, sample: 0 }));
    } catch (error) {
      setTest((s) => ({ ...s, error: error instanceof Error ? error.message : String(error) }));
    } finally {
      setTesting(false);
    }
  }

  async function startRun() {
    const shown = await saveShown();
    if ("refused" in shown) return;
    setStarting(true);
    try {
      const { run } = await api.startRun(shown.id, { baseVersion: shown.version });
      router.push(`/runs/${run.id}`);
    } catch (error) {
      setNotice({ tone: "red", text: error instanceof Error ? error.message : String(error) });
      setStarting(false);
    }
  }

  return {
    schemeId,
    /** The version whose mapping the editor shows (saved, or as opened): the draft is made on it. */
    savedVersion,
    /** The version saved elsewhere since `savedVersion` (a save refused for it), which 保存 pressed again overwrites. */
    newerVersion: version !== savedVersion ? version : undefined,
    dirty,
    busy,
    /** A test is under way (from its save, if any, to its result), whatever else is busy meanwhile. */
    testing,
    notice,
    dismissNotice: () => setNotice(null),
    /** The issues of the last refused save (paths into the definition), and the definition refused. */
    serverIssues,
    refused,
    showIssues,
    setShowIssues,
    test,
    selectSample: (sample: number) => setTest((s) => ({ ...s, sample })),
    closeTest: () => setTest((s) => ({ ...s, open: false })),
    /** 保存 (the button, Ctrl+S): after a refused save, overwrites the version saved elsewhere. */
    save: () => save({ overwrite: true }),
    runTest,
    startRun,
  };
}
