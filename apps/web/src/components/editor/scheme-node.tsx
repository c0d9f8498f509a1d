"use client";
// How a source or target node looks on the canvas: platform, API, connection, and its errors.
import { Handle, Position, type AriaLabelConfig, type Node, type NodeProps } from "@xyflow/react";
import { useMemo } from "react";
import { useT } from "@/lib/i18n/client";
import { cx } from "@/components/ui";

export type SchemeNodeData = {
  kind: "source" | "target";
  platformName: string;
  apiName: string;
  apiId: string;
  connectionName: string | null;
  errors: number;
};

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

export function SchemeNodeView({ data, selected }: NodeProps<SchemeFlowNode>) {
  const t = useT();
  const source = data.kind === "source";
  return (
    <div
      className={cx(
        "w-60 rounded-xl bg-white shadow-sm ring-1 transition-shadow",
        selected ? "ring-2 ring-brand-500 shadow-md" : data.errors > 0 ? "ring-red-300" : "ring-slate-200",
      )}
    >
      <div className={cx("flex items-center justify-between rounded-t-xl px-3 py-1.5 text-xs font-medium", source ? "bg-sky-50 text-sky-800" : "bg-amber-50 text-amber-800")}>
        <span>
          {source ? t("editor.sourceNode") : t("editor.targetNode")} · {data.platformName}
        </span>
        {data.errors > 0 && (
          <span data-testid="node-errors" className="rounded-full bg-red-600 px-1.5 text-[10px] font-semibold text-white">
            {t("editor.nodeErrors", { count: data.errors })}
          </span>
        )}
      </div>
      <div className="px-3 py-2.5">
        <div className="font-medium text-slate-900">{data.apiName}</div>
        <div className="font-mono text-[11px] text-slate-500">{data.apiId}</div>
        <div className={cx("mt-1.5 truncate text-xs", data.connectionName ? "text-slate-600" : "text-red-600")}>
          {data.connectionName ?? t("editor.chooseConnection")}
        </div>
      </div>
      {source ? (
        <Handle type="source" position={Position.Right} className="!h-3 !w-3 !border-2 !border-white !bg-sky-500" />
      ) : (
        <Handle type="target" position={Position.Left} className="!h-3 !w-3 !border-2 !border-white !bg-amber-500" />
      )}
    </div>
  );
}
