"use client";
// What the editor's header buttons do through the REST API, and what came of it: save (a new
// scheme, or its next version), test (saved first; the worker runs it and the editor waits for it)
// and run (saved first, then the run's page). A refused save keeps the server's issues, and the
// definition they were about, until the next save.
import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { ApiClientError, api } from "@/lib/api/client";
import type { ApiIssue, RunDetailDto } from "@/lib/api/schemas";
import { useT } from "@/lib/i18n/client";
import type { Draft } from "./use-scheme-draft";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The scheme as loaded: its id and version (none yet for a new one) and its draft as saved. */
export interface SavedScheme {
  schemeId?: string;
  version: number;
  draft: Draft;
}

export function useSchemeActions(saved: SavedScheme, draft: Draft) {
  const t = useT();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [schemeId, setSchemeId] = useState(saved.schemeId);
  const [version, setVersion] = useState(saved.version);
  const [savedJson, setSavedJson] = useState(() => JSON.stringify(saved.draft));
  const [busy, setBusy] = useState<"save" | "test" | "run" | null>(null);
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

  async function save(): Promise<string | null> {
    if (busy === "save") return null;
    setBusy("save");
    setNotice(null);
    const body = { name: draft.name.trim() || t("editor.untitled"), description: draft.description, definition: draft.definition };
    try {
      // With the version this editor opened (or last saved): a save made since elsewhere is a 409.
      const { scheme } = schemeId ? await api.updateScheme(schemeId, { ...body, baseVersion: version }) : await api.createScheme(body);
      setSavedJson(JSON.stringify(draft));
      // The editor reads the scheme once (staleTime: Infinity): opened again, it shows what was saved.
      queryClient.setQueryData(["scheme", scheme.id], { scheme });
      setServerIssues([]);
      setVersion(scheme.currentVersion);
      setNotice({ tone: "green", text: t("editor.saved", { v: scheme.currentVersion }) });
      if (!schemeId) {
        setSchemeId(scheme.id);
        // Keep this editor (and its test results) mounted: only the address changes.
        window.history.replaceState(null, "", `/schemes/${scheme.id}`);
      }
      return scheme.id;
    } catch (error) {
      if (error instanceof ApiClientError && error.code === "conflict" && error.issues.some((i) => i.path[0] === "baseVersion") && schemeId) {
        // Saved elsewhere since: the notice says so, and the next save (made knowingly) overwrites
        // the version now current.
        const latest = await api.scheme(schemeId).then(({ scheme }) => scheme.currentVersion, () => undefined);
        if (latest !== undefined) setVersion(latest);
        setNotice({ tone: "red", text: error.message });
        return null;
      }
      if (error instanceof ApiClientError) {
        setServerIssues(error.issues.map((i) => ({ ...i, path: i.path[0] === "definition" ? i.path.slice(1) : i.path })));
        setRefused(draft.definition);
        setShowIssues(error.issues.length > 0);
      }
      setNotice({ tone: "red", text: error instanceof Error ? error.message : String(error) });
      return null;
    } finally {
      setBusy(null);
    }
  }

  async function runTest() {
    setTest((s) => ({ ...s, open: true, error: null, run: undefined }));
    const id = dirty || !schemeId ? await save() : schemeId;
    if (!id) {
      setTest((s) => ({ ...s, error: t("editor.validationFailed") }));
      return;
    }
    setBusy("test");
    try {
      let { run } = await api.testScheme(id);
      while (run.status === "queued" || run.status === "running") {
        await sleep(800);
        ({ run } = await api.run(run.id));
      }
      setTest((s) => ({ ...s, run, sample: 0 }));
    } catch (error) {
      setTest((s) => ({ ...s, error: error instanceof Error ? error.message : String(error) }));
    } finally {
      setBusy(null);
    }
  }

  async function startRun() {
    const id = dirty || !schemeId ? await save() : schemeId;
    if (!id) return;
    setBusy("run");
    try {
      const { run } = await api.startRun(id);
      router.push(`/runs/${run.id}`);
    } catch (error) {
      setNotice({ tone: "red", text: error instanceof Error ? error.message : String(error) });
      setBusy(null);
    }
  }

  return {
    schemeId,
    version,
    dirty,
    busy,
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
    save,
    runTest,
    startRun,
  };
}
