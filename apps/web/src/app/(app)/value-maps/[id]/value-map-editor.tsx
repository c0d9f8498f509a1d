"use client";
// One value map: its name, description and default, its rows edited in place and saved whole,
// CSV import (all or nothing, the server names the line of a problem) and export.
import { duplicateSources } from "@qiao/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { ApiClientError, api } from "@/lib/api/client";
import { issueText, type ValueMapDto } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useLocale, useT } from "@/lib/i18n/client";
import { useCan } from "@/components/role";
import { Alert, Button, Card, ConfirmDialog, Field, Input, PageHeader, Select } from "@/components/ui";
import { useConfirmedAction } from "@/components/use-confirmed-action";
import { ValueMapRows, type DraftRow } from "./value-map-rows";

interface Draft {
  name: string;
  description: string;
  defaultValue: string | null;
  rows: DraftRow[];
}

let nextKey = 1;
const newKey = () => nextKey++;

function draftOf(m: ValueMapDto): Draft {
  return { name: m.name, description: m.description, defaultValue: m.defaultValue, rows: m.entries.map((e) => ({ key: newKey(), ...e })) };
}

const contentOf = (d: Draft) => JSON.stringify([d.name, d.description, d.defaultValue, d.rows.map((r) => [r.source, r.target])]);

export function ValueMapEditor({ id }: { id: string }) {
  const t = useT();
  const fmt = useFormat();
  const en = useLocale() === "en";
  const router = useRouter();
  const qc = useQueryClient();
  const canEdit = useCan("editor");
  const loaded = useQuery({ queryKey: ["value-map", id], queryFn: () => api.valueMap(id) });
  const [base, setBase] = useState<ValueMapDto | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [mode, setMode] = useState<"replace" | "merge">("replace");
  const file = useRef<HTMLInputElement>(null);

  const adopt = (m: ValueMapDto) => {
    setBase(m);
    setDraft(draftOf(m));
    qc.setQueryData(["value-map", id], m);
    void qc.invalidateQueries({ queryKey: ["value-maps"] });
  };
  useEffect(() => {
    if (loaded.data && !base) {
      setBase(loaded.data);
      setDraft(draftOf(loaded.data));
    }
  }, [loaded.data, base]);

  const dirty = !!draft && !!base && contentOf(draft) !== contentOf(draftOf(base));
  const duplicates = useMemo(() => (draft ? duplicateSources(draft.rows) : []), [draft]);

  const save = useMutation({
    // With the updatedAt the table was read at: an import or another save since is a 409, not undone.
    mutationFn: (d: Draft) =>
      api.updateValueMap(id, {
        name: d.name,
        description: d.description,
        defaultValue: d.defaultValue,
        entries: d.rows.map(({ source, target }) => ({ source, target })),
        ...(base && { updatedAt: base.updatedAt }),
      }),
    onSuccess: (m) => {
      adopt(m);
      setNotice(t("valueMaps.saved"));
    },
  });
  const importing = useMutation({
    mutationFn: (f: File) => api.importValueMap(id, f, mode),
    onSuccess: (r) => {
      adopt(r.valueMap);
      setNotice(t("valueMaps.imported", { count: r.imported, gbk: r.encoding === "gb18030" ? t("valueMaps.importedGbk") : "" }));
    },
  });
  const removal = useConfirmedAction<ValueMapDto>(async (mapId) => {
    await api.deleteValueMap(mapId);
    router.push("/value-maps");
  }, ["value-maps"]);

  const error = save.error ?? importing.error;
  const issues = error instanceof ApiClientError ? error.issues : [];
  const invalid = useMemo(() => {
    const set = new Set<number>();
    for (const d of duplicates) for (const r of d.rows) set.add(r - 1);
    for (const i of issues) if (i.path[0] === "entries" && typeof i.path[1] === "number") set.add(i.path[1]);
    return set;
  }, [duplicates, issues]);

  if (loaded.error) return <Alert>{t("common.error", { message: loaded.error.message })}</Alert>;
  if (!draft || !base) return <p className="text-sm text-slate-500">{t("common.loading")}</p>;

  const set = (patch: Partial<Draft>) => {
    setNotice(null);
    setDraft({ ...draft, ...patch });
  };
  const canSave = canEdit && dirty && duplicates.length === 0 && draft.name.trim() !== "";
  const nameIssue = issues.find((i) => i.path[0] === "name");
  const onKeyDown = (e: KeyboardEvent) => {
    // Ctrl/⌘+S saves, as in the scheme editor.
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
      e.preventDefault();
      if (canSave) save.mutate(draft);
    }
  };

  return (
    <section onKeyDown={onKeyDown}>
      <Link href="/value-maps" className="text-sm text-brand-700 hover:underline">
        ← {t("valueMaps.back")}
      </Link>
      <PageHeader
        title={base.name}
        subtitle={
          <>
            {t("valueMaps.usage")} <code className="rounded bg-slate-100 px-1 py-0.5 text-xs text-slate-700">{`{{${t("valueMaps.usageField")} | map('${base.name}')}}`}</code>
          </>
        }
        actions={
          <>
            <a className="rounded-lg px-3.5 py-2 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50 focus-visible:ring-2 focus-visible:ring-brand-500" href={`/api/value-maps/${id}/export`} download>
              {t("valueMaps.export")}
            </a>
            {canEdit && (
              <Button variant="ghost" className="text-red-600" onClick={() => removal.ask(base)}>
                {t("common.delete")}
              </Button>
            )}
          </>
        }
      />
      <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
        <Card className="p-5">
          <ValueMapRows rows={draft.rows} onChange={(rows) => set({ rows })} invalid={invalid} readOnly={!canEdit} newKey={newKey} />
        </Card>
        <div className="space-y-4">
          <Card className="space-y-4 p-5">
            <Field label={t("valueMaps.name")} htmlFor="vm-name" required {...(nameIssue ? { error: issueText(nameIssue, en) } : draft.name !== base.name && { help: t("valueMaps.renameWarning", { name: base.name }) })}>
              <Input id="vm-name" value={draft.name} readOnly={!canEdit} invalid={!!nameIssue} maxLength={100} onChange={(e) => set({ name: e.target.value })} />
            </Field>
            <Field label={t("valueMaps.description")} htmlFor="vm-description">
              <Input id="vm-description" value={draft.description} readOnly={!canEdit} maxLength={500} onChange={(e) => set({ description: e.target.value })} />
            </Field>
            <Field label={t("valueMaps.default")} htmlFor="vm-default" help={t("valueMaps.defaultHelp")}>
              <label className="mb-2 flex items-center gap-2 text-sm text-slate-700">
                <input type="checkbox" checked={draft.defaultValue !== null} disabled={!canEdit} onChange={(e) => set({ defaultValue: e.target.checked ? "" : null })} />
                {t("valueMaps.hasDefault")}
              </label>
              {draft.defaultValue !== null && (
                <Input id="vm-default" value={draft.defaultValue} readOnly={!canEdit} maxLength={500} onChange={(e) => set({ defaultValue: e.target.value })} />
              )}
            </Field>
            {duplicates[0] && <Alert>{t("valueMaps.duplicates", { source: duplicates[0].source, rows: fmt.list(duplicates[0].rows.map(String)) })}</Alert>}
            {error && <Alert>{error.message}{issues[0] && !error.message.includes(issueText(issues[0], en)) && fmt.aside(issueText(issues[0], en))}</Alert>}
            {notice && !dirty && <Alert tone="green">{notice}</Alert>}
            {canEdit && (
              <div className="flex items-center gap-2">
                <Button variant="primary" disabled={!canSave} busy={save.isPending} onClick={() => save.mutate(draft)}>
                  {t("common.save")}
                </Button>
                {dirty && (
                  <Button variant="ghost" onClick={() => { save.reset(); setDraft(draftOf(base)); }}>
                    {t("valueMaps.discard")}
                  </Button>
                )}
                {dirty && <span className="text-xs text-amber-700">{t("valueMaps.unsaved")}</span>}
              </div>
            )}
          </Card>
          {canEdit && (
            <Card className="space-y-3 p-5">
              <Field label={t("valueMaps.importMode")} htmlFor="vm-import-mode" help={t("valueMaps.importHelp")}>
                <Select id="vm-import-mode" value={mode} onChange={(e) => setMode(e.target.value === "merge" ? "merge" : "replace")}>
                  <option value="replace">{t("valueMaps.importReplace")}</option>
                  <option value="merge">{t("valueMaps.importMerge")}</option>
                </Select>
              </Field>
              <input
                ref={file}
                type="file"
                accept=".csv,text/csv"
                className="hidden"
                data-testid="value-map-import-file"
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  e.target.value = "";
                  if (f) {
                    save.reset();
                    importing.mutate(f);
                  }
                }}
              />
              <Button busy={importing.isPending} disabled={dirty} title={dirty ? t("valueMaps.importUnsaved") : undefined} onClick={() => file.current?.click()}>
                {t("valueMaps.import")}
              </Button>
              {dirty && <p className="text-xs text-slate-500">{t("valueMaps.importUnsaved")}</p>}
            </Card>
          )}
        </div>
      </div>
      <ConfirmDialog
        {...removal.dialog}
        title={t("valueMaps.deleteTitle")}
        message={t("valueMaps.deleteConfirm", { name: base.name })}
        confirmLabel={t("common.delete")}
      />
    </section>
  );
}
