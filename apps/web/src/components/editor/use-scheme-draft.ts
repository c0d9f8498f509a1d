"use client";
// The editor's working copy of a scheme. Structural edits (add, move, delete, connect) are
// operations with an inverse, so undo / redo replays them without touching config edits made
// since (those are undone inside their own inputs, as text always is).
import type { SchemeDefinition, SchemeEdge, SchemeNode } from "@qiao/core";
import { useCallback, useReducer } from "react";

export interface Draft {
  name: string;
  description: string;
  definition: SchemeDefinition;
}

type Position = { x: number; y: number };

export type Op =
  /** `byKeys`: moved with the arrow keys; presses in a row on the same nodes are one step (draftReducer). */
  | { kind: "move"; moves: { id: string; from: Position; to: Position }[]; byKeys?: boolean }
  /**
   * `edges`: the node joins the chain connected (./node-chain.ts); `replaced`: the edge it goes
   * between (a filter added where the source was connected straight to the target).
   */
  | { kind: "add"; node: SchemeNode; edges?: SchemeEdge[]; replaced?: SchemeEdge[] }
  /** `bridges`: edges the removal adds (a filter taken out from between its source and target: ./node-chain.ts leaveChain). */
  | { kind: "remove"; nodes: { node: SchemeNode; index: number }[]; edges: SchemeEdge[]; bridges?: SchemeEdge[]; edgesAt?: number[] }
  | { kind: "connect"; edge: SchemeEdge }
  /** `at`: each edge's place in the list before (set by the reducer), so that undo puts it back there. */
  | { kind: "disconnect"; edges: SchemeEdge[]; at?: number[] };

const without = (edges: SchemeEdge[], gone: SchemeEdge[] = []) => edges.filter((e) => !gone.some((x) => x.id === e.id));

/** Each of `these` edges' place in `edges` (-1: not there), recorded by the reducer so undo can put it back there. */
const placesOf = (edges: SchemeEdge[], these: SchemeEdge[]) => these.map((edge) => edges.findIndex((e) => e.id === edge.id));

/**
 * `edges` with `back` put where `at` says each was (in order of place; one without a place last): the
 * draft after an undo then equals the one before, and nothing reads as unsaved.
 */
function putBack(edges: SchemeEdge[], back: SchemeEdge[], at: number[] | undefined): SchemeEdge[] {
  const placed = back.map((edge, i) => ({ edge, at: at?.[i] ?? -1 }));
  const out = [...edges];
  for (const p of placed.filter((p) => p.at >= 0).sort((a, b) => a.at - b.at)) out.splice(Math.min(p.at, out.length), 0, p.edge);
  return [...out, ...placed.filter((p) => p.at < 0).map((p) => p.edge)];
}

/** The definition after the operation. */
export function applyOp(def: SchemeDefinition, op: Op): SchemeDefinition {
  switch (op.kind) {
    case "move": {
      const to = new Map(op.moves.map((m) => [m.id, m.to]));
      return { ...def, nodes: def.nodes.map((n) => (to.has(n.id) ? { ...n, position: to.get(n.id)! } : n)) };
    }
    case "add":
      return { ...def, nodes: [...def.nodes, op.node], edges: [...without(def.edges, op.replaced), ...(op.edges ?? [])] };
    case "remove": {
      const ids = new Set(op.nodes.map((n) => n.node.id));
      return {
        ...def,
        nodes: def.nodes.filter((n) => !ids.has(n.id)),
        edges: [...without(def.edges, op.edges).filter((e) => !ids.has(e.source) && !ids.has(e.target)), ...(op.bridges ?? [])],
      };
    }
    case "connect":
      return { ...def, edges: [...without(def.edges, [op.edge]), op.edge] };
    case "disconnect":
      return { ...def, edges: without(def.edges, op.edges) };
  }
}

/** The definition before the operation (given the one after it). */
export function revertOp(def: SchemeDefinition, op: Op): SchemeDefinition {
  switch (op.kind) {
    case "move":
      return applyOp(def, { kind: "move", moves: op.moves.map((m) => ({ id: m.id, from: m.to, to: m.from })) });
    case "add":
      return {
        ...def,
        nodes: def.nodes.filter((n) => n.id !== op.node.id),
        edges: [...def.edges.filter((e) => e.source !== op.node.id && e.target !== op.node.id), ...(op.replaced ?? [])],
      };
    case "remove": {
      const nodes = [...def.nodes];
      for (const { node, index } of [...op.nodes].sort((a, b) => a.index - b.index)) nodes.splice(Math.min(index, nodes.length), 0, node);
      return { ...def, nodes, edges: putBack(without(def.edges, op.bridges), op.edges, op.edgesAt) };
    }
    case "connect":
      return { ...def, edges: without(def.edges, [op.edge]) };
    case "disconnect":
      return { ...def, edges: putBack(def.edges, op.edges, op.at) };
  }
}

export interface State {
  draft: Draft;
  past: Op[];
  future: Op[];
}

export type Action =
  | { type: "do"; op: Op }
  | { type: "undo" }
  | { type: "redo" }
  | { type: "edit"; update: (d: Draft) => Draft }
  | { type: "reset"; draft: Draft };

const HISTORY = 100;

/**
 * A keyboard move following one of the same nodes, as one step from where the first press found
 * them: each press moves a node 5 px, and undo takes back the whole move, as it does a drag.
 */
function joinedKeyMove(last: Op | undefined, op: Op): Op | undefined {
  if (op.kind !== "move" || !op.byKeys || last?.kind !== "move" || !last.byKeys) return undefined;
  const ids = (moves: { id: string }[]) => moves.map((m) => m.id).sort().join("\n");
  if (ids(last.moves) !== ids(op.moves)) return undefined;
  const from = new Map(last.moves.map((m) => [m.id, m.from]));
  return { ...op, moves: op.moves.map((m) => ({ ...m, from: from.get(m.id) ?? m.from })) };
}

/** Edge ids are at most 64 characters (@qiao/core). */
const EDGE_ID_MAX = 64;

/**
 * A connect as a step of the history, so that its undo takes away exactly what it added: none when
 * the two nodes are connected already (React Flow lets an edge be dragged again), and an id no other
 * edge has (edgeOf's `source-target`, cut to 64 characters, is another pair's too for ids with "-").
 */
function connectStep(def: SchemeDefinition, edge: SchemeEdge): Op | undefined {
  if (def.edges.some((e) => e.source === edge.source && e.target === edge.target)) return undefined;
  const taken = new Set(def.edges.map((e) => e.id));
  let id = edge.id;
  for (let n = 2; taken.has(id); n++) id = `${edge.id.slice(0, EDGE_ID_MAX - `-${n}`.length)}-${n}`;
  return { kind: "connect", edge: { ...edge, id } };
}

/** The history (exported for its tests). */
export function draftReducer(state: State, action: Action): State {
  switch (action.type) {
    case "do": {
      const def = state.draft.definition;
      const op =
        action.op.kind === "connect"
          ? connectStep(def, action.op.edge)
          : action.op.kind === "disconnect"
            ? { ...action.op, at: placesOf(def.edges, action.op.edges) }
            : action.op.kind === "remove"
              ? { ...action.op, edgesAt: placesOf(def.edges, action.op.edges) }
              : action.op;
      if (!op) return state;
      const joined = joinedKeyMove(state.past.at(-1), op);
      return {
        draft: { ...state.draft, definition: applyOp(state.draft.definition, op) },
        past: joined ? [...state.past.slice(0, -1), joined] : [...state.past.slice(-HISTORY + 1), op],
        future: [],
      };
    }
    case "undo": {
      const op = state.past.at(-1);
      if (!op) return state;
      // Undoing an add takes the node away as it is now (its config edited since): redo brings it
      // back so, not as it was first added (a filter's rules, a target's mapping were lost).
      const current = op.kind === "add" ? state.draft.definition.nodes.find((n) => n.id === op.node.id) : undefined;
      const redo: Op = op.kind === "add" && current ? { ...op, node: current } : op;
      return {
        draft: { ...state.draft, definition: revertOp(state.draft.definition, op) },
        past: state.past.slice(0, -1),
        future: [redo, ...state.future],
      };
    }
    case "redo": {
      const [op, ...rest] = state.future;
      if (!op) return state;
      return { draft: { ...state.draft, definition: applyOp(state.draft.definition, op) }, past: [...state.past, op], future: rest };
    }
    case "edit":
      return { ...state, draft: action.update(state.draft) };
    case "reset":
      return { draft: action.draft, past: [], future: [] };
  }
}

export function useSchemeDraft(initial: Draft) {
  const [state, dispatch] = useReducer(draftReducer, { draft: initial, past: [], future: [] });
  return {
    draft: state.draft,
    canUndo: state.past.length > 0,
    canRedo: state.future.length > 0,
    run: useCallback((op: Op) => dispatch({ type: "do", op }), []),
    undo: useCallback(() => dispatch({ type: "undo" }), []),
    redo: useCallback(() => dispatch({ type: "redo" }), []),
    edit: useCallback((update: (d: Draft) => Draft) => dispatch({ type: "edit", update }), []),
    reset: useCallback((draft: Draft) => dispatch({ type: "reset", draft }), []),
  };
}

/** Replaces one node's config (not an undoable step: text edits undo inside their inputs). */
export function withNodeConfig(draft: Draft, id: string, config: Partial<SchemeNode["config"]>): Draft {
  return {
    ...draft,
    definition: {
      ...draft.definition,
      nodes: draft.definition.nodes.map((n) => (n.id === id ? ({ ...n, config: { ...n.config, ...config } } as SchemeNode) : n)),
    },
  };
}
