"use client";
// Every connector API, draggable onto the canvas (or added with a click / Enter), and the filter
// node (过滤条件) between them. Target APIs that share an id (金蝶 batchSave) are one entry per
// form: 客户新增, 物料新增, 销售出库单新增.
import type { ConnectorMeta } from "@qiao/core";
import type { ReactNode } from "react";
import { useLocale, useT } from "@/lib/i18n/client";
import { cx } from "@/components/ui";

export const DRAG_TYPE = "application/x-qiao-node";

export type PaletteItem =
  | {
      kind: "source" | "target";
      platform: string;
      api: string;
      /** A target's form (BD_Customer, SAL_OUTSTOCK …). */
      formId?: string;
    }
  | { kind: "filter" };

/** A palette entry's test id: `palette-source-gy.erp.shop.get`, `palette-target-batchSave-SAL_OUTSTOCK`, `palette-filter`. */
export const paletteTestId = (item: PaletteItem) =>
  item.kind === "filter" ? "palette-filter" : `palette-${item.kind}-${item.api}${item.formId ? `-${item.formId}` : ""}`;

const GROUP_STYLE = {
  source: "border-sky-200 bg-sky-50/60 hover:bg-sky-50",
  filter: "border-violet-200 bg-violet-50/60 hover:bg-violet-50",
  target: "border-amber-200 bg-amber-50/60 hover:bg-amber-50",
} as const;

interface Entry {
  item: PaletteItem;
  name: string;
  detail: ReactNode;
}

export function Palette({ connectors, onAdd }: { connectors: ConnectorMeta[]; onAdd: (item: PaletteItem) => void }) {
  const t = useT();
  const en = useLocale() === "en";
  const apis = (kind: "source" | "target"): { kind: PaletteItem["kind"]; title: string; items: Entry[] } => ({
    kind,
    title: kind === "source" ? t("editor.sources") : t("editor.targets"),
    items: connectors.flatMap((c) =>
      c.apis
        .filter((a) => a.kind === kind)
        .map((a) => ({
          item: { kind, platform: c.platform, api: a.id, ...(a.kind === "target" && { formId: a.formId }) },
          name: en ? a.nameEn : a.name,
          detail: (
            <>
              {en ? c.nameEn : c.name} · <span className="font-mono">{a.kind === "target" ? `${a.id} · ${a.formId}` : a.id}</span>
            </>
          ),
        })),
    ),
  });
  const filter = { kind: "filter" as const, title: t("editor.paletteFilters"), items: [{ item: { kind: "filter" as const }, name: t("editor.filterNode"), detail: t("editor.filterPaletteDetail") }] };
  const groups = [apis("source"), filter, apis("target")];
  return (
    <aside className="flex w-60 shrink-0 flex-col overflow-y-auto border-r border-slate-200 bg-white">
      <div className="border-b border-slate-100 px-4 py-3">
        <h2 className="text-sm font-semibold text-slate-900">{t("editor.palette")}</h2>
        <p className="mt-0.5 text-xs text-slate-500">{t("editor.paletteHelp")}</p>
      </div>
      {groups.map((g) => (
        <div key={g.kind} className="px-3 py-3">
          <h3 className="px-1 pb-2 text-xs font-medium uppercase tracking-wide text-slate-500">
            {g.title}
          </h3>
          <ul className="space-y-1.5">
            {g.items.map(({ item, name, detail }) => (
              <li key={paletteTestId(item)}>
                <button
                  type="button"
                  draggable
                  data-testid={paletteTestId(item)}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(DRAG_TYPE, JSON.stringify(item));
                    e.dataTransfer.effectAllowed = "move";
                  }}
                  onClick={() => onAdd(item)}
                  className={cx(
                    "w-full cursor-grab rounded-lg border px-3 py-2 text-left text-sm transition-colors active:cursor-grabbing",
                    GROUP_STYLE[g.kind],
                  )}
                >
                  <div className="font-medium text-slate-800">{name}</div>
                  <div className="text-xs text-slate-500">{detail}</div>
                </button>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </aside>
  );
}
