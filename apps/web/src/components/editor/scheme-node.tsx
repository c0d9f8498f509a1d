"use client";
// How a node looks on the canvas: a source or target's platform, API and connection, a filter's
// condition in a few words, and each node's errors.
import type { SchemeNode } from "@qiao/core";
import { Handle, Position, type AriaLabelConfig, type Node, type NodeProps } from "@xyflow/react";
import { useMemo } from "react";
import { useT } from "@/lib/i18n/client";
import { cx } from "@/components/ui";
import { connectorOf, sourceApiOf, targetApiOf, type Catalog } from "./catalog";
import { filterSummary, ruleText } from "./filter-rules";

export type SchemeNodeData = { errors: number } & (
  | { kind: "source" | "target"; platformName: string; apiName: string; apiId: string; connectionName: string | null }
  | { kind: "filter"; summary: string; rules: string[] }
);

/** How many rules a filter card lists; the summary counts them all. */
const CARD_RULES = 2;

/** What the node's card shows (`errors`: the compiler's errors at the node). */
export function nodeCardData(n: SchemeNode, catalog: Catalog, en: boolean, t: ReturnType<typeof useT>, errors: number): SchemeNodeData {
  if (n.type === "filter") {
    return { kind: "filter", summary: filterSummary(n.config, t), rules: n.config.rules.slice(0, CARD_RULES).map((r) => ruleText(r, t)), errors };
  }
  const connector = connectorOf(catalog, n.config.platform);
  const api = n.type === "source" ? sourceApiOf(catalog, n) : targetApiOf(catalog, n);
  return {
    kind: n.type,
    platformName: (en ? connector?.nameEn : connector?.name) ?? n.config.platform,
    apiName: (en ? api?.nameEn : api?.name) ?? n.config.api,
    apiId: n.config.api,
    connectionName: catalog.connections.find((c) => c.id === n.config.connectionId)?.name ?? null,
    errors,
  };
}

/** The node's name in an edge's label: its API, or 过滤条件. */
export function nodeCardName(data: SchemeNodeData, t: ReturnType<typeof useT>): string {
  return data.kind === "filter" ? t("editor.filterNode") : data.apiName;
}

export type SchemeFlowNode = Node<SchemeNodeData, "scheme">;

/** What React Flow reads to screen readers on the canvas, in the UI's language. */
export function useCanvasAriaLabels(): Partial<AriaLabelConfig> {
  const t = useT();
  return useMemo(
    () => ({
      "node.a11yDescription.default": t("canvas.nodeHelp"),
      "node.a11yDescription.keyboardDisabled": t("canvas.nodeMoveHelp"),
      "node.a11yDescription.ariaLiveMessage": ({ x, y }: { x: number; y: number }) => t("canvas.nodeMoved", { x, y }),
      "edge.a11yDescription.default": t("canvas.edgeHelp"),
      "controls.ariaLabel": t("canvas.controls"),
      "controls.zoomIn.ariaLabel": t("canvas.zoomIn"),
      "controls.zoomOut.ariaLabel": t("canvas.zoomOut"),
      "controls.fitView.ariaLabel": t("canvas.fitView"),
      "controls.interactive.ariaLabel": t("canvas.interactive"),
      "minimap.ariaLabel": t("canvas.miniMap"),
      "handle.ariaLabel": t("canvas.handle"),
    }),
    [t],
  );
}

const HEADER = { source: "bg-sky-50 text-sky-800", filter: "bg-violet-50 text-violet-800", target: "bg-amber-50 text-amber-800" } as const;
const HANDLE = "!h-3 !w-3 !border-2 !border-white";

export function SchemeNodeView({ data, selected }: NodeProps<SchemeFlowNode>) {
  const t = useT();
  return (
    <div
      className={cx(
        "w-60 rounded-xl bg-white shadow-sm ring-1 transition-shadow",
        selected ? "ring-2 ring-brand-500 shadow-md" : data.errors > 0 ? "ring-red-300" : "ring-slate-200",
      )}
    >
      <div className={cx("flex items-center justify-between rounded-t-xl px-3 py-1.5 text-xs font-medium", HEADER[data.kind])}>
        <span>
          {data.kind === "filter"
            ? t("editor.filterNode")
            : `${data.kind === "source" ? t("editor.sourceNode") : t("editor.targetNode")} · ${data.platformName}`}
        </span>
        {data.errors > 0 && (
          <span data-testid="node-errors" className="rounded-full bg-red-600 px-1.5 text-[10px] font-semibold text-white">
            {t("editor.nodeErrors", { count: data.errors })}
          </span>
        )}
      </div>
      {data.kind === "filter" ? (
        <div className="px-3 py-2.5">
          <div className="font-medium text-slate-900" data-testid="filter-summary">
            {data.summary}
          </div>
          {data.rules.map((rule, k) => (
            <div key={k} className="truncate font-mono text-[11px] text-slate-500" title={rule}>
              {rule}
            </div>
          ))}
        </div>
      ) : (
        <div className="px-3 py-2.5">
          <div className="font-medium text-slate-900">{data.apiName}</div>
          <div className="font-mono text-[11px] text-slate-500">{data.apiId}</div>
          <div className={cx("mt-1.5 truncate text-xs", data.connectionName ? "text-slate-600" : "text-red-600")}>
            {data.connectionName ?? t("editor.chooseConnection")}
          </div>
        </div>
      )}
      {data.kind !== "source" && <Handle type="target" position={Position.Left} className={cx(HANDLE, data.kind === "filter" ? "!bg-violet-500" : "!bg-amber-500")} />}
      {data.kind !== "target" && <Handle type="source" position={Position.Right} className={cx(HANDLE, data.kind === "filter" ? "!bg-violet-500" : "!bg-sky-500")} />}
    </div>
  );
}
