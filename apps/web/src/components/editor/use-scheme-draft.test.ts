// Undo / redo of a filter node and the rules edited on it: rule edits are not undoable steps of their
// own, so Ctrl+Z after editing a new filter's rules undoes the node's "add"; Ctrl+Shift+Z must bring
// the node back as it was when undone, with its rules (it brought back the empty node first added).
// Session 28's audit; failed before the fix. Arrow-key moves of a node in a row are one undoable
// step (session 33's audit found them not undoable at all). Undoing a connect gives back exactly the
// edges before it: connecting an edge that was already there, then Ctrl+Z, removed it.
import { defaultRetryPolicy, type SchemeDefinition, type SchemeNode } from "@qiao/core";
import { describe, expect, it } from "vitest";
import { newFilterNode } from "./catalog";
import { edgeOf, joinChain, leaveChain, placeInChain } from "./node-chain";
import { draftReducer, withNodeConfig, type Op } from "./use-scheme-draft";

const source: SchemeNode = {
  id: "source",
  type: "source",
  position: { x: 80, y: 120 },
  config: { connectionId: "", platform: "guanyi", api: "gy.erp.shop.get", params: {}, pageSize: 50 },
};
const target: SchemeNode = {
  id: "target",
  type: "target",
  position: { x: 460, y: 120 },
  config: { connectionId: "", platform: "kingdee", api: "batchSave", options: {}, batchSize: 100, mode: "create", mapping: {}, entries: {}, audit: "withSave" },
};
const definition: SchemeDefinition = {
  version: 1,
  timezone: "Asia/Shanghai",
  schedule: null,
  retry: defaultRetryPolicy(),
  nodes: [source, target],
  edges: [edgeOf("source", "target")],
};

describe("undo then redo of a filter node added and then given rules", () => {
  it("brings the filter back with its rules, not empty", () => {
    // The palette adds the filter (one undoable step, as scheme-editor.tsx's addNode does).
    const filter = newFilterNode(definition, placeInChain(definition, "filter"));
    const add: Op = { kind: "add", node: filter, ...joinChain(definition, filter) };
    let state = draftReducer({ draft: { name: "x", description: "", definition }, past: [], future: [] }, { type: "do", op: add });
    // The user writes a rule in the side panel (a config edit, not a step).
    const rules = [{ field: "{{type_name}}", op: "in" as const, value: "天猫\n京东" }];
    state = draftReducer(state, { type: "edit", update: (d) => withNodeConfig(d, filter.id, { match: "all", rules }) });
    // Ctrl+Z (the last step is the add), then Ctrl+Shift+Z.
    state = draftReducer(state, { type: "undo" });
    expect(state.draft.definition.nodes.some((n) => n.id === filter.id)).toBe(false);
    state = draftReducer(state, { type: "redo" });
    const back = state.draft.definition.nodes.find((n) => n.id === filter.id);
    expect(back?.type).toBe("filter");
    expect(back?.type === "filter" ? back.config.rules : undefined, "the rules written before Ctrl+Z are lost after Ctrl+Shift+Z").toEqual(rules);
    expect(state.draft.definition.edges.map((e) => `${e.source}→${e.target}`).sort()).toEqual([`${filter.id}→target`, `source→${filter.id}`]);
  });
});

describe("a node moved with the arrow keys", () => {
  const start = { draft: { name: "x", description: "", definition }, past: [], future: [] };
  const press = (id: string, from: { x: number; y: number }, dy: number): Op => ({ kind: "move", byKeys: true, moves: [{ id, from, to: { x: from.x, y: from.y + dy } }] });

  it("is one step for presses in a row, undone back to where the first press found it", () => {
    let state = draftReducer(start, { type: "do", op: press("target", { x: 460, y: 120 }, 5) });
    state = draftReducer(state, { type: "do", op: press("target", { x: 460, y: 125 }, 5) });
    state = draftReducer(state, { type: "do", op: press("target", { x: 460, y: 130 }, 5) });
    expect(state.past).toHaveLength(1);
    expect(state.draft.definition.nodes.find((n) => n.id === "target")?.position).toEqual({ x: 460, y: 135 });
    state = draftReducer(state, { type: "undo" });
    expect(state.draft.definition.nodes.find((n) => n.id === "target")?.position).toEqual({ x: 460, y: 120 });
    expect(state.past).toHaveLength(0);
  });

  it("is a step of its own after a move of another node or a drag", () => {
    let state = draftReducer(start, { type: "do", op: press("target", { x: 460, y: 120 }, 5) });
    state = draftReducer(state, { type: "do", op: press("source", { x: 80, y: 120 }, 5) });
    expect(state.past).toHaveLength(2);
    state = draftReducer(state, { type: "do", op: { kind: "move", moves: [{ id: "source", from: { x: 80, y: 125 }, to: { x: 80, y: 200 } }] } });
    state = draftReducer(state, { type: "do", op: press("source", { x: 80, y: 200 }, 5) });
    expect(state.past).toHaveLength(4);
    state = draftReducer(state, { type: "undo" });
    expect(state.draft.definition.nodes.find((n) => n.id === "source")?.position).toEqual({ x: 80, y: 200 });
  });
});

describe("undo of a connect", () => {
  const start = { draft: { name: "x", description: "", definition }, past: [], future: [] };

  it("keeps an edge that was there before the connect", () => {
    // React Flow lets an edge be dragged again between two nodes already connected.
    let state = draftReducer(start, { type: "do", op: { kind: "connect", edge: edgeOf("source", "target") } });
    state = draftReducer(state, { type: "undo" });
    expect(state.draft.definition.edges).toEqual(definition.edges);
  });

  it("takes away only the new edge when another edge had its id", () => {
    // Ids are cut to 64 characters, and node ids may hold "-": "a-b" → "c" and "a" → "b-c" share one.
    const other = { id: "a-b-c", source: "a-b", target: "c" };
    const before = { ...definition, edges: [other, ...definition.edges] };
    let state = draftReducer({ ...start, draft: { ...start.draft, definition: before } }, { type: "do", op: { kind: "connect", edge: edgeOf("a", "b-c") } });
    expect(state.draft.definition.edges.map((e) => `${e.source}→${e.target}`)).toEqual(["a-b→c", "source→target", "a→b-c"]);
    state = draftReducer(state, { type: "undo" });
    expect(state.draft.definition.edges).toEqual(before.edges);
  });
});

describe("undo of a disconnect", () => {
  it("puts the edges back where they were, so the draft equals the one before", () => {
    const edges = [
      { id: "e1", source: "s1", target: "t" },
      { id: "e2", source: "s2", target: "t" },
      { id: "e3", source: "s3", target: "t" },
      { id: "e4", source: "s4", target: "t" },
    ];
    const before = { ...definition, edges };
    const start = { draft: { name: "x", description: "", definition: before }, past: [], future: [] };
    let state = draftReducer(start, { type: "do", op: { kind: "disconnect", edges: [edges[2]!, edges[0]!] } });
    expect(state.draft.definition.edges.map((e) => e.id)).toEqual(["e2", "e4"]);
    state = draftReducer(state, { type: "undo" });
    expect(state.draft.definition.edges).toEqual(edges);
    state = draftReducer(state, { type: "redo" });
    expect(state.draft.definition.edges.map((e) => e.id)).toEqual(["e2", "e4"]);
  });
});

describe("undo of a node's removal", () => {
  it("puts the node's edges back where they were, so the draft equals the one before (else it reads as unsaved)", () => {
    // source → filter → target, the edges in that order; the source deleted (Delete in the canvas,
    // or 删除节点), then Ctrl+Z.
    const filter = newFilterNode(definition, placeInChain(definition, "filter"));
    const before: SchemeDefinition = {
      ...definition,
      nodes: [source, filter, target],
      edges: [edgeOf("source", filter.id), edgeOf(filter.id, "target")],
    };
    const start = { draft: { name: "x", description: "", definition: before }, past: [], future: [] };
    const remove: Op = {
      kind: "remove",
      nodes: [{ node: source, index: 0 }],
      edges: before.edges.filter((e) => e.source === "source" || e.target === "source"),
      bridges: leaveChain(before, ["source"]),
    };
    let state = draftReducer(start, { type: "do", op: remove });
    state = draftReducer(state, { type: "undo" });
    // useSchemeActions' dirty is JSON.stringify(draft) !== JSON.stringify(saved): order counts.
    expect(JSON.stringify(state.draft.definition)).toBe(JSON.stringify(before));
  });
});
