"use client";
// Under a mapping's template: a link per value map it maps through (to that map's page) and per
// scheme it looks up (to that scheme), and a note per ERP lookup. Links open a new tab, so the
// editor's unsaved draft stays where it is.
import { parseTemplate, templateLookupRefs, templateMapRefs } from "@qiao/core";
import Link from "next/link";
import { useMemo, type ReactNode } from "react";
import { useT } from "@/lib/i18n/client";
import { cx } from "@/components/ui";
import { lookupScheme, useTemplateRefs, valueMapHref } from "./template-refs";

type Ref = { kind: "map"; name: string } | { kind: "lookup"; name: string } | { kind: "erp"; form: string; key: string };

function refsOf(template: string): Ref[] {
  if (!template.includes("map") && !template.includes("lookup")) return [];
  const parsed = parseTemplate(template);
  if (!parsed.ok) return [];
  const refs = new Map<string, Ref>();
  for (const { name } of templateMapRefs(parsed.template)) refs.set(`map:${name}`, { kind: "map", name });
  for (const { ref } of templateLookupRefs(parsed.template)) {
    if (ref.kind === "scheme") refs.set(`lookup:${ref.scheme}`, { kind: "lookup", name: ref.scheme });
    else refs.set(`erp:${ref.formId}:${ref.keyField}`, { kind: "erp", form: ref.formId, key: ref.keyField });
  }
  return [...refs.values()];
}

const chip = "inline-flex max-w-full items-center gap-1 truncate rounded-full px-2 py-0.5 text-[11px] ring-1 ring-inset";

function RefLink({ href, title, testId, tone, children }: { href: string; title: string; testId: string; tone: string; children: ReactNode }) {
  return (
    <Link href={href} target="_blank" rel="noopener" title={title} data-testid={testId} className={cx(chip, tone)}>
      {children}
    </Link>
  );
}

export function TemplateRefChips({ template }: { template: string }) {
  const t = useT();
  const refs = useTemplateRefs();
  const found = useMemo(() => refsOf(template), [template]);
  if (found.length === 0) return null;
  return (
    <div className="mt-1 flex flex-wrap gap-1">
      {found.map((r) => {
        if (r.kind === "map") {
          return (
            <RefLink
              key={`map:${r.name}`}
              href={valueMapHref(refs, r.name)}
              title={t("editor.ref.mapTitle", { name: r.name })}
              testId="template-ref-map"
              tone="bg-emerald-50 text-emerald-800 ring-emerald-200 hover:bg-emerald-100"
            >
              {t("editor.ref.map")} · {r.name}
            </RefLink>
          );
        }
        if (r.kind === "erp") {
          return (
            <span key={`erp:${r.form}:${r.key}`} title={t("editor.ref.erpTitle", { form: r.form, key: r.key })} className={cx(chip, "bg-slate-50 text-slate-600 ring-slate-200")}>
              {t("editor.ref.erp")} · {r.form}
            </span>
          );
        }
        const scheme = lookupScheme(refs, r.name);
        const label = `${t("editor.ref.lookup")} · ${r.name}`;
        return scheme ? (
          <RefLink
            key={`lookup:${r.name}`}
            href={`/schemes/${scheme.id}`}
            title={t("editor.ref.lookupTitle", { name: r.name })}
            testId="template-ref-lookup"
            tone="bg-sky-50 text-sky-800 ring-sky-200 hover:bg-sky-100"
          >
            {label}
          </RefLink>
        ) : (
          <span
            key={`lookup:${r.name}`}
            title={refs.schemes ? t("editor.ref.lookupUnknown", { name: r.name }) : undefined}
            data-testid="template-ref-lookup"
            className={cx(chip, refs.schemes ? "bg-red-50 text-red-700 ring-red-200" : "bg-slate-50 text-slate-600 ring-slate-200")}
          >
            {label}
          </span>
        );
      })}
    </div>
  );
}
