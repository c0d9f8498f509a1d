// The chain records flow along: source → filter (过滤条件, optional) → target. How a node added
// from the palette joins it (where it goes, which edges it gets, which edge it goes between) and
// which of a node's links are missing (the side panel's "连线" button, the keyboard's way).
import type { SchemeDefinition, SchemeEdge, SchemeNode } from "@qiao/core";

type Kind = SchemeNode["type"];
type Position = { x: number; y: number };

const KINDS: readonly Kind[] = ["source", "filter", "target"];
/** Horizontal distance between neighbours of the chain: a node is 240 px wide. */
const STEP = 380;

/** An edge between two nodes, named after them (ids are at most 64 characters). */
export const edgeOf = (source: string, target: string): SchemeEdge => ({ id: `${source}-${target}`.slice(0, 64), source, target });

/** Whether an edge may lead from a node of one kind to one of another: down the chain. */
export function flowsDown(from: Kind | undefined, to: Kind | undefined): boolean {
  return from !== undefined && to !== undefined && KINDS.indexOf(from) < KINDS.indexOf(to);
}

/**
 * The scheme's nodes in chain order; undefined when a kind has several nodes (the compiler says
 * which to delete, and nothing is connected for the user meanwhile).
 */
function chainOf(nodes: readonly SchemeNode[]): SchemeNode[] | undefined {
  const chain: SchemeNode[] = [];
  for (const kind of KINDS) {
    const of = nodes.filter((n) => n.type === kind);
    if (of.length > 1) return undefined;
    if (of[0]) chain.push(of[0]);
  }
  return chain;
}

const linksOf = (chain: SchemeNode[]) => chain.slice(1).map((to, k) => [chain[k]!, to] as const);

/**
 * How `node`, new to the scheme, joins the chain: edges to its neighbours, and the edge between
 * them it replaces (a filter added where the source is connected straight to the target).
 */
export function joinChain(def: SchemeDefinition, node: SchemeNode): { edges: SchemeEdge[]; replaced: SchemeEdge[] } {
  const chain = chainOf([...def.nodes, node]);
  if (!chain) return { edges: [], replaced: [] };
  const at = chain.indexOf(node);
  const before = chain[at - 1];
  const after = chain[at + 1];
  return {
    edges: [...(before ? [edgeOf(before.id, node.id)] : []), ...(after ? [edgeOf(node.id, after.id)] : [])],
    replaced: before && after ? def.edges.filter((e) => e.source === before.id && e.target === after.id) : [],
  };
}

/** The chain's links at the node that have no edge yet, e.g. source → filter for a filter just dropped. */
export function missingLinks(def: SchemeDefinition, nodeId: string): { from: SchemeNode; to: SchemeNode }[] {
  const chain = chainOf(def.nodes);
  if (!chain) return [];
  return linksOf(chain)
    .filter(([from, to]) => (from.id === nodeId || to.id === nodeId) && !def.edges.some((e) => e.source === from.id && e.target === to.id))
    .map(([from, to]) => ({ from, to }));
}

/**
 * Where a node added with a click (or Enter) goes: after the node before it in the chain, before
 * the one after it; a filter between a source and a target goes below the middle of them.
 */
export function placeInChain(def: SchemeDefinition, kind: Kind): Position {
  const count = def.nodes.length;
  const fallback = { x: kind === "source" ? 80 : kind === "filter" ? 270 : 460, y: 120 + (count % 4) * 40 };
  const chain = chainOf(def.nodes);
  if (!chain || def.nodes.some((n) => n.type === kind)) return fallback;
  const rank = KINDS.indexOf(kind);
  const before = chain.filter((n) => KINDS.indexOf(n.type) < rank).at(-1);
  const after = chain.find((n) => KINDS.indexOf(n.type) > rank);
  if (before && after) return { x: Math.round((before.position.x + after.position.x) / 2), y: Math.max(before.position.y, after.position.y) + 160 };
  if (before) return { x: before.position.x + STEP, y: before.position.y };
  if (after) return { x: after.position.x - STEP, y: after.position.y };
  return fallback;
}

/**
 * What removing `removed` leaves to bridge: a filter taken out from between a source and a target it
 * connected gives them their direct edge back (the inverse of joinChain), so a scheme that was valid
 * stays valid. Nothing when the source or target goes too, or they are connected already.
 */
export function leaveChain(def: SchemeDefinition, removed: readonly string[]): SchemeEdge[] {
  const chain = chainOf(def.nodes);
  if (!chain) return [];
  const linked = (from: string, to: string) => def.edges.some((e) => e.source === from && e.target === to);
  const bridges: SchemeEdge[] = [];
  for (let at = 1; at < chain.length - 1; at++) {
    const node = chain[at]!;
    const before = chain[at - 1]!;
    const after = chain[at + 1]!;
    if (!removed.includes(node.id) || removed.includes(before.id) || removed.includes(after.id)) continue;
    if (linked(before.id, node.id) && linked(node.id, after.id) && !linked(before.id, after.id)) bridges.push(edgeOf(before.id, after.id));
  }
  return bridges;
}
