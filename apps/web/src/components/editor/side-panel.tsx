"use client";
// The editor's right-hand panel: the selected node's configuration, or the scheme's settings when
// nothing is selected.
import type { SchemeNode } from "@qiao/core";
import type { ApiIssue } from "@/lib/api/schemas";
import { useT } from "@/lib/i18n/client";
import { Button } from "@/components/ui";
import { upstreamSource, type Catalog } from "./catalog";
import { FilterPanel } from "./filter-panel";
import { missingLinks } from "./node-chain";
import { SourcePanel } from "./node-panels";
import { ReadCursorSection } from "./read-cursor";
import { SettingsPanel } from "./settings-panel";
import { TargetPanel } from "./target-panel";
import type { EditorSample } from "./tested-preview";
import { withNodeConfig, type Draft } from "./use-scheme-draft";

/** The side panel's element id: the issue list gives it focus when an issue picks a node. */
export const NODE_PANEL_ID = "editor-node-panel";

export function SidePanel({
  schemeId,
  draft,
  selected,
  catalog,
  issues,
  sample,
  edit,
  onDelete,
  onConnect,
}: {
  /** The saved scheme's id (undefined until a new scheme is saved). */
  schemeId: string | undefined;
  draft: Draft;
  selected: string | null;
  catalog: Catalog;
  issues: ApiIssue[];
  /** The test run's record picked for previews in the mapping tables. */
  sample: EditorSample | null;
  edit: (update: (d: Draft) => Draft) => void;
  onDelete: (nodeId: string) => void;
  /** Connects two nodes of the chain (the keyboard's way: an edge is otherwise dragged). */
  onConnect: (source: string, target: string) => void;
}) {
  const t = useT();
  const index = draft.definition.nodes.findIndex((n) => n.id === selected);
  const node = index >= 0 ? draft.definition.nodes[index] : undefined;
  // The chain's links at this node that have no edge yet (source → filter → target).
  const unconnected = node ? missingLinks(draft.definition, node.id) : [];
  const updateNode = (config: Partial<SchemeNode["config"]>) => node && edit((d) => withNodeConfig(d, node.id, config));
  const shared = { index, catalog, issues, onChange: updateNode };
  return (
    <aside
      id={NODE_PANEL_ID}
      tabIndex={-1}
      aria-label={node ? t("editor.nodePanel", { id: node.id }) : t("editor.schemePanel")}
      className="w-[560px] shrink-0 overflow-y-auto border-l border-slate-200 bg-white focus:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-brand-300"
      data-testid="node-panel"
    >
      {node ? (
        <>
          <div className="flex items-center justify-between border-b border-slate-100 px-5 py-2.5">
            <span className="font-mono text-xs text-slate-500">{node.id}</span>
            <div className="flex gap-1">
              {unconnected.map(({ from, to }) => (
                <Button key={`${from.id}-${to.id}`} size="sm" variant="ghost" onClick={() => onConnect(from.id, to.id)}>
                  {t("editor.connectNodes", { source: from.id, target: to.id })}
                </Button>
              ))}
              <Button size="sm" variant="ghost" className="text-red-600" onClick={() => onDelete(node.id)}>
                {t("editor.deleteNode")}
              </Button>
            </div>
          </div>
          {node.type === "source" ? (
            <SourcePanel node={node} {...shared} />
          ) : node.type === "filter" ? (
            <FilterPanel key={node.id} node={node} {...shared} sourceNode={upstreamSource(draft.definition, node.id)} />
          ) : (
            <TargetPanel
              key={node.id}
              node={node}
              {...shared}
              sourceNode={upstreamSource(draft.definition, node.id)}
              sample={sample}
              timezone={draft.definition.timezone}
            />
          )}
        </>
      ) : (
        <>
          <p className="border-b border-slate-100 px-5 py-3 text-xs text-slate-500">{t("editor.selectHint")}</p>
          <SettingsPanel draft={draft} issues={issues} onChange={edit} />
          {schemeId && <ReadCursorSection schemeId={schemeId} />}
        </>
      )}
    </aside>
  );
}
