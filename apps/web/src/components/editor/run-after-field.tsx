"use client";
// Run after (运行顺序, issue #13): the schemes after whose successful runs this one runs by itself,
// and how long its records may wait for their lookups. A cycle is refused by the server at save.
import { useLocale, useT } from "@/lib/i18n/client";
import { Field, Input } from "@/components/ui";
import { useTemplateRefs } from "./template-refs";
import type { Draft } from "./use-scheme-draft";

export function RunAfterField({ draft, serverError, waitError, onChange }: { draft: Draft; serverError: string | undefined; waitError: string | undefined; onChange: (update: (d: Draft) => Draft) => void }) {
  const t = useT();
  const en = useLocale() === "en";
  const refs = useTemplateRefs();
  const chosen = new Set(draft.definition.runAfter ?? []);
  const others = (refs.schemes ?? []).filter((s) => s.id !== refs.schemeId);
  const toggle = (id: string, on: boolean) =>
    onChange((d) => {
      const next = new Set(d.definition.runAfter ?? []);
      if (on) next.add(id);
      else next.delete(id);
      const runAfter = [...next];
      const { runAfter: _old, ...rest } = d.definition;
      return { ...d, definition: runAfter.length > 0 ? { ...rest, runAfter } : rest };
    });
  return (
    <>
      <fieldset className="space-y-2" aria-describedby="run-after-help">
        <legend className="text-sm font-medium text-slate-700">{t("editor.runAfter")}</legend>
        <p id="run-after-help" className="text-xs text-slate-500">
          {t("editor.runAfterHelp")}
        </p>
        {others.length === 0 ? (
          <p className="text-xs text-slate-500">{refs.schemes ? t("editor.runAfterNone") : "…"}</p>
        ) : (
          <ul className="max-h-40 space-y-1 overflow-auto rounded-lg border border-slate-200 p-2" data-testid="run-after-list">
            {others.map((s) => (
              <li key={s.id}>
                <label className="flex items-center gap-2 text-sm text-slate-700">
                  <input type="checkbox" className="h-4 w-4 rounded border-slate-300" checked={chosen.has(s.id)} onChange={(e) => toggle(s.id, e.target.checked)} />
                  {s.name}
                </label>
              </li>
            ))}
          </ul>
        )}
        {serverError && (
          <p role="alert" className="text-xs text-red-600">
            {serverError}
          </p>
        )}
      </fieldset>
      <Field label={t("editor.waitLimit")} htmlFor="scheme-wait-limit" help={t("editor.waitLimitHelp")} error={waitError}>
        <Input
          id="scheme-wait-limit"
          type="number"
          min={1}
          max={8760}
          placeholder={en ? "72 (default)" : "72（默认）"}
          value={draft.definition.waitLimitHours ?? ""}
          onChange={(e) => {
            const hours = e.target.value === "" ? undefined : Math.trunc(Number(e.target.value));
            onChange((d) => {
              const { waitLimitHours: _old, ...rest } = d.definition;
              return { ...d, definition: hours === undefined || !Number.isFinite(hours) ? rest : { ...rest, waitLimitHours: hours } };
            });
          }}
        />
      </Field>
    </>
  );
}
