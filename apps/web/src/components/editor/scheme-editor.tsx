"use client";
// The scheme editor: palette | React Flow canvas | panel of the selected node (or the scheme's
// settings). Validation is @qiao/core's compiler run in the browser on every change; save,
// test and run go through the REST API (./use-scheme-actions.ts; the worker executes tests and runs).
import { compileScheme, defaultRetryPolicy, type SchemeDefinition, type SchemeEdge } from "@qiao/core";
import { useQuery } from "@tanstack/react-query";
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type NodeChange,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useDeferredValue, useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from "react";
import { api } from "@/lib/api/client";
import type { ApiIssue } from "@/lib/api/schemas";
import { useLocale, useT } from "@/lib/i18n/client";
import { Alert, Spinner } from "@/components/ui";
import { newFilterNode, newNode, type Catalog } from "./catalog";
import { EditorHeader } from "./editor-header";
import { DRAG_TYPE, Palette, type PaletteItem } from "./palette";
import { edgeOf, flowsDown, joinChain, leaveChain, placeInChain } from "./node-chain";
import { nodeCardData, nodeCardName, SchemeNodeView, useCanvasAriaLabels, type SchemeFlowNode } from "./scheme-node";
import { NODE_PANEL_ID, SidePanel } from "./side-panel";
import { standingServerIssues } from "./server-issues";
import { sampleOf } from "./tested-preview";
import { compileRefs, TemplateRefsProvider, useLoadTemplateRefs } from "./template-refs";
import { TestResults, testResultOf } from "./test-results";
import { isTyping, useEditorKeys } from "./use-editor-keys";
import { useSchemeActions } from "./use-scheme-actions";
import { useSchemeDraft, type Draft, type Op } from "./use-scheme-draft";

const nodeTypes = { scheme: SchemeNodeView };
const EMPTY: SchemeDefinition = { version: 1, timezone: "Asia/Shanghai", schedule: null, retry: defaultRetryPolicy(), nodes: [], edges: [] };

export function SchemeEditor({ schemeId }: { schemeId?: string }) {
  const t = useT();
  const connectors = useQuery({ queryKey: ["connectors"], queryFn: api.connectors, staleTime: Infinity });
  const connections = useQuery({ queryKey: ["connections"], queryFn: api.connections });
  const scheme = useQuery({
    queryKey: ["scheme", schemeId],
    queryFn: () => api.scheme(schemeId!),
    enabled: !!schemeId,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  const error = connectors.error ?? connections.error ?? scheme.error;
  if (error) return <Alert>{t("common.error", { message: error.message })}</Alert>;
  if (!connectors.data || !connections.data || (schemeId && !scheme.data)) {
    return (
      <p className="flex items-center gap-2 text-sm text-slate-500">
        <Spinner /> {t("common.loading")}
      </p>
    );
  }
  const s = scheme.data?.scheme;
  const initial: Draft = s
    ? { name: s.name, description: s.description, definition: s.definition }
    : { name: t("editor.untitled"), description: "", definition: EMPTY };
  return (
    <ReactFlowProvider>
      <EditorLoaded
        schemeId={schemeId}
        version={s?.currentVersion ?? 0}
        initial={initial}
        catalog={{ connectors: connectors.data.connectors, connections: connections.data.connections }}
      />
    </ReactFlowProvider>
  );
}

function EditorLoaded({ schemeId: initialId, version: initialVersion, initial, catalog }: { schemeId?: string; version: number; initial: Draft; catalog: Catalog }) {
  const t = useT();
  const en = useLocale() === "en";
  const flow = useReactFlow();
  const canvasAriaLabels = useCanvasAriaLabels();
  const { draft, run: apply, undo, redo, edit, canUndo, canRedo } = useSchemeDraft(initial);
  const actions = useSchemeActions({ schemeId: initialId, version: initialVersion, draft: initial }, draft, edit);
  const { schemeId, dirty, busy, test } = actions;
  const [selected, setSelected] = useState<string | null>(null);
  const [selectedEdges, setSelectedEdges] = useState<Set<string>>(new Set());
  const [measured, setMeasured] = useState<Record<string, { width: number; height: number }>>({});
  const dragStart = useRef(new Map<string, { x: number; y: number }>());
  // Fit a loaded scheme once; a new one keeps the viewport the user drops nodes into.
  const [fitView] = useState(initial.definition.nodes.length > 0);

  const definition = useDeferredValue(draft.definition);

  const refs = useLoadTemplateRefs(schemeId);
  const compileCatalog = useMemo(() => {
    const connectors = new Map(catalog.connectors.map((c) => [c.platform, c]));
    return { connections: new Map(catalog.connections.map((c) => [c.id, { platform: c.platform, name: c.name }])), connectors, ...compileRefs(refs, connectors) };
  }, [catalog, refs]);
  const issues: ApiIssue[] = useMemo(() => {
    const result = compileScheme(definition, compileCatalog, { forSave: true });
    return result.ok ? result.warnings : result.issues;
  }, [definition, compileCatalog]);
  const errors = issues.filter((i) => i.severity !== "warning");
  const allIssues = [...errors, ...actions.serverIssues.filter((s) => !errors.some((e) => e.message === s.message))];

  useEditorKeys(dirty, { undo, redo, save: () => void actions.save() });

  const nodes: SchemeFlowNode[] = draft.definition.nodes.map((n) => ({
    id: n.id,
    type: "scheme",
    position: n.position,
    selected: n.id === selected,
    ...(measured[n.id] && { measured: measured[n.id] }),
    data: nodeCardData(n, catalog, en, t, errors.filter((i) => i.nodeId === n.id).length),
  }));
  const nameOf = (id: string) => {
    const data = nodes.find((n) => n.id === id)?.data;
    return data ? nodeCardName(data, t) : id;
  };
  const edges: Edge[] = draft.definition.edges.map((e) => ({
    id: e.id,
    source: e.source,
    target: e.target,
    selected: selectedEdges.has(e.id),
    ariaLabel: t("canvas.edge", { source: nameOf(e.source), target: nameOf(e.target) }),
    animated: busy === "run" || actions.testing,
    style: { strokeWidth: 2 },
  }));

  function onNodesChange(changes: NodeChange<SchemeFlowNode>[]) {
    const removed: string[] = [];
    const positions = new Map<string, { x: number; y: number }>();
    for (const c of changes) {
      if (c.type === "position" && c.position) positions.set(c.id, c.position);
      else if (c.type === "dimensions" && c.dimensions) {
        const dims = c.dimensions;
        setMeasured((m) => (m[c.id]?.width === dims.width && m[c.id]?.height === dims.height ? m : { ...m, [c.id]: dims }));
      } else if (c.type === "select") setSelected((s) => (c.selected ? c.id : s === c.id ? null : s));
      else if (c.type === "remove") removed.push(c.id);
    }
    // A drag shows as it goes and is one step once dropped (onNodeDragStop). A move with no drag in
    // progress is the arrow keys' (the canvas's help offers them): a step from where the draft has the node.
    const byKeys = dragStart.current.size === 0 && changes.every((c) => c.type !== "position" || c.dragging !== true);
    if (positions.size > 0 && byKeys) {
      const moves = draft.definition.nodes.flatMap((n) => {
        const to = positions.get(n.id);
        return to && (to.x !== n.position.x || to.y !== n.position.y) ? [{ id: n.id, from: n.position, to }] : [];
      });
      if (moves.length > 0) apply({ kind: "move", moves, byKeys: true });
    } else if (positions.size > 0) {
      edit((d) => ({
        ...d,
        definition: { ...d.definition, nodes: d.definition.nodes.map((n) => (positions.has(n.id) ? { ...n, position: positions.get(n.id)! } : n)) },
      }));
    }
    if (removed.length > 0) {
      apply(removalOf(removed));
      setSelected(null);
    }
  }

  /** The removal of nodes as one step: their edges, and `alsoEdges` (other edges selected with them). */
  function removalOf(removed: string[], alsoEdges: SchemeEdge[] = []): Op {
    const def = draft.definition;
    return {
      kind: "remove",
      nodes: def.nodes.flatMap((node, index) => (removed.includes(node.id) ? [{ node, index }] : [])),
      edges: [...def.edges.filter((e) => removed.includes(e.source) || removed.includes(e.target)), ...alsoEdges],
      bridges: leaveChain(def, removed),
    };
  }

  function onEdgesChange(changes: EdgeChange[]) {
    const removed = changes.filter((c) => c.type === "remove").map((c) => c.id);
    for (const c of changes) {
      if (c.type === "select") {
        setSelectedEdges((s) => {
          const next = new Set(s);
          if (c.selected) next.add(c.id);
          else next.delete(c.id);
          return next;
        });
      }
    }
    if (removed.length > 0) apply({ kind: "disconnect", edges: draft.definition.edges.filter((e) => removed.includes(e.id)) });
  }

  /**
   * Delete / Backspace in the canvas: the selected node (one undoable step, as its panel's 删除节点)
   * and the selected edges. React Flow's own delete key listens on the whole page, and took a node
   * away while the focus was on a button of the side panel.
   */
  function onCanvasKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if ((e.key !== "Delete" && e.key !== "Backspace") || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
    // The canvas's own buttons (zoom, fit view) and its minimap are in it, but a key on them is not for a node.
    if (e.target instanceof Element && e.target.closest(".react-flow__controls, .react-flow__minimap")) return;
    const edges = draft.definition.edges.filter((edge) => selectedEdges.has(edge.id) && edge.source !== selected && edge.target !== selected);
    if (!selected && edges.length === 0) return;
    e.preventDefault();
    // One step for all that goes (the node, its edges and the other edges selected with it).
    if (selected) {
      apply(removalOf([selected], edges));
      setSelected(null);
    } else apply({ kind: "disconnect", edges });
    setSelectedEdges(new Set());
    // The focused node or edge goes: the focus goes to the panel (the scheme's settings), not to <body>.
    requestAnimationFrame(() => document.getElementById(NODE_PANEL_ID)?.focus());
  }

  const kindOf = (id: string | null) => draft.definition.nodes.find((n) => n.id === id)?.type;
  const isValidConnection = (c: Connection | Edge) => flowsDown(kindOf(c.source), kindOf(c.target));

  function onConnect(c: Pick<Connection, "source" | "target">) {
    if (!isValidConnection({ ...c, sourceHandle: null, targetHandle: null })) return;
    apply({ kind: "connect", edge: edgeOf(c.source, c.target) });
  }

  function addNode(item: PaletteItem, position?: { x: number; y: number }) {
    const def = draft.definition;
    const at = position ?? placeInChain(def, item.kind);
    const node = item.kind === "filter" ? newFilterNode(def, at) : newNode(catalog, def, item.kind, item.platform, item.api, at, item.formId);
    // A node joins the chain source → filter → target as soon as it is added: a keyboard cannot
    // drag an edge, and there is nothing else to connect it to (session 27). A filter dropped on
    // source → target goes between them, in the same undoable step.
    apply({ kind: "add", node, ...joinChain(def, node) });
    selectOnly(node.id);
  }

  /** The node the editor picks (added, or chosen in the issue list) is all that is selected. */
  function selectOnly(id: string | null) {
    setSelected(id);
    setSelectedEdges(new Set());
  }

  function onDrop(e: DragEvent) {
    const raw = e.dataTransfer.getData(DRAG_TYPE);
    if (!raw) return;
    e.preventDefault();
    const item = JSON.parse(raw) as PaletteItem;
    const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
    addNode(item, { x: Math.round(p.x - 120), y: Math.round(p.y - 40) });
  }

  const testResult = testResultOf(test.run);
  const sampleRecord = testResult?.records[test.sample];
  // What the worker mapped is the mapping's shown only with nothing unsaved and no save since the
  // version tested (a save made while the test ran).
  const asTested = !dirty && test.run?.schemeVersion === actions.savedVersion;
  const sample = sampleRecord
    ? { ...sampleOf(sampleRecord, asTested), label: `${t("editor.sampleRecord", { n: test.sample + 1 })} · #${sampleRecord.sourceId}` }
    : null;

  // Where the focus was as the notice appeared (the 保存 button, usually): it goes back there when the
  // notice is closed from the keyboard, not to <body> with the button that closed it.
  const focusBeforeNotice = useRef<Element | null>(null);
  const noticeShown = actions.notice !== null;
  useEffect(() => {
    if (noticeShown) focusBeforeNotice.current = document.activeElement;
  }, [noticeShown]);
  const closeNotice = () => {
    const back = focusBeforeNotice.current;
    const hadFocus = document.activeElement?.closest("[data-notice]") !== null;
    // Moved before the notice goes (not in the next frame): the button that closed it leaves with it,
    // and for that frame the focus was on <body>.
    if (hadFocus) {
      // Not back to a control disabled since (保存, once saved): it cannot hold the focus.
      if (back instanceof HTMLElement && back.isConnected && back !== document.body && !(back instanceof HTMLButtonElement && back.disabled)) back.focus();
      else document.getElementById(NODE_PANEL_ID)?.focus();
    }
    actions.dismissNotice();
  };

  return (
    <TemplateRefsProvider value={refs}>
      <div className="fixed inset-x-0 bottom-0 top-[57px] flex flex-col bg-slate-50" data-testid="scheme-editor">
        <EditorHeader
          name={draft.name}
          onName={(name) => edit((d) => ({ ...d, name }))}
          version={actions.savedVersion}
          newerVersion={actions.newerVersion}
          dirty={dirty}
          schemeId={schemeId}
          issues={allIssues}
          showIssues={actions.showIssues}
          onShowIssues={actions.setShowIssues}
          onPickNode={selectOnly}
          history={{ undo, redo, canUndo, canRedo }}
          busy={busy}
          onSave={() => void actions.save()}
          onTest={() => void actions.runTest()}
          onRun={() => void actions.startRun()}
        />
        {actions.notice && (
          <div
            className="absolute right-4 top-16 z-50 max-w-md"
            data-notice
            onClick={closeNotice}
            onKeyDown={(e) => {
              if (e.key === "Escape") closeNotice();
            }}
          >
            <Alert tone={actions.notice.tone}>
              <span className="flex items-start gap-2">
                <span data-testid="editor-notice">{actions.notice.text}</span>
                {/* Closed by a click anywhere on it, by this button, or by Escape while it holds focus. */}
                <button
                  type="button"
                  className="ml-auto shrink-0 rounded px-1 leading-none opacity-70 hover:opacity-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-current"
                  aria-label={t("common.close")}
                  data-testid="editor-notice-close"
                  onClick={closeNotice}
                >
                  ✕
                </button>
              </span>
            </Alert>
          </div>
        )}
        <div className="flex min-h-0 flex-1">
          <Palette connectors={catalog.connectors} onAdd={(item) => addNode(item)} />
          <div className="flex min-w-0 flex-1 flex-col">
            <div
              className="relative min-h-0 flex-1"
              onDragOver={(e) => {
                if (e.dataTransfer.types.includes(DRAG_TYPE)) {
                  e.preventDefault();
                  e.dataTransfer.dropEffect = "move";
                }
              }}
              onDrop={onDrop}
            >
              <ReactFlow<SchemeFlowNode, Edge>
                nodes={nodes}
                edges={edges}
                nodeTypes={nodeTypes}
                onNodesChange={onNodesChange}
                onEdgesChange={onEdgesChange}
                onConnect={onConnect}
                isValidConnection={isValidConnection}
                onNodeDragStart={(_e, _n, dragged) => {
                  dragStart.current = new Map(dragged.map((n) => [n.id, { ...n.position }]));
                }}
                onNodeDragStop={(_e, _n, dragged) => {
                  const moves = dragged
                    .map((n) => ({ id: n.id, from: dragStart.current.get(n.id) ?? n.position, to: { ...n.position } }))
                    .filter((m) => m.from.x !== m.to.x || m.from.y !== m.to.y);
                  dragStart.current = new Map();
                  if (moves.length > 0) apply({ kind: "move", moves });
                }}
                onPaneClick={() => setSelected(null)}
                deleteKeyCode={null}
                onKeyDown={onCanvasKeyDown}
                fitView={fitView}
                ariaLabelConfig={canvasAriaLabels}
                fitViewOptions={{ maxZoom: 1, padding: 0.3 }}
              >
                <Background gap={20} color="#e2e8f0" />
                <Controls showInteractive={false} />
                <MiniMap pannable zoomable className="!bg-white" />
              </ReactFlow>
              {draft.definition.nodes.length === 0 && (
                <div className="pointer-events-none absolute inset-0 flex items-center justify-center">
                  <p className="rounded-xl bg-white/80 px-5 py-3 text-sm text-slate-500 shadow-sm ring-1 ring-slate-200">{t("editor.paletteHelp")}</p>
                </div>
              )}
              {draft.definition.nodes.length >= 2 && draft.definition.edges.length === 0 && (
                <div className="pointer-events-none absolute bottom-4 left-1/2 -translate-x-1/2 rounded-full bg-white px-4 py-1.5 text-xs text-slate-500 shadow ring-1 ring-slate-200">
                  {t("editor.connectHint")}
                </div>
              )}
            </div>
            {test.open && (
              <TestResults
                run={test.run}
                savedVersion={actions.savedVersion}
                pending={actions.testing}
                error={test.error}
                selected={test.sample}
                onSelect={actions.selectSample}
                onClose={actions.closeTest}
              />
            )}
          </div>
          <SidePanel
            schemeId={schemeId}
            draft={draft}
            selected={selected}
            catalog={catalog}
            issues={[...issues, ...standingServerIssues(actions.serverIssues, actions.refused, draft.definition, issues)]}
            sample={sample}
            edit={edit}
            onDelete={(id) => {
              onNodesChange([{ type: "remove", id }]);
              // The delete button goes with the node: focus stays in the panel (now the scheme's settings).
              requestAnimationFrame(() => document.getElementById(NODE_PANEL_ID)?.focus());
            }}
            onConnect={(source, target) => onConnect({ source, target })}
          />
        </div>
      </div>
    </TemplateRefsProvider>
  );
}
