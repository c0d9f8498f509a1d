// How nodes added from the palette join the chain source → filter → target, as one undoable step.
import { defaultRetryPolicy, type SchemeDefinition, type SchemeNode } from "@qiao/core";
import { describe, expect, it } from "vitest";
import { newFilterNode, upstreamSource } from "./catalog";
import { edgeOf, flowsDown, joinChain, leaveChain, missingLinks, placeInChain } from "./node-chain";
import { applyOp, revertOp, type Op } from "./use-scheme-draft";

const source = (id = "source", x = 80): SchemeNode => ({
  id,
  type: "source",
  position: { x, y: 120 },
  config: { connectionId: "", platform: "guanyi", api: "gy.erp.shop.get", params: {}, pageSize: 50 },
});
const target = (id = "target", x = 460): SchemeNode => ({
  id,
  type: "target",
  position: { x, y: 160 },
  config: { connectionId: "", platform: "kingdee", api: "batchSave", options: {}, batchSize: 100, mode: "create", mapping: {}, entries: {}, audit: "withSave" },
});
const scheme = (nodes: SchemeNode[], edges = [] as SchemeDefinition["edges"]): SchemeDefinition => ({
  version: 1,
  timezone: "Asia/Shanghai",
  schedule: null,
  retry: defaultRetryPolicy(),
  nodes,
  edges,
});

/** What the editor does when the palette adds `node`. */
function add(def: SchemeDefinition, node: SchemeNode): { op: Op; after: SchemeDefinition } {
  const op: Op = { kind: "add", node, ...joinChain(def, node) };
  return { op, after: applyOp(def, op) };
}

const links = (def: SchemeDefinition) => def.edges.map((e) => `${e.source}→${e.target}`).sort();

describe("a filter added to a scheme", () => {
  const connected = scheme([source(), target()], [edgeOf("source", "target")]);

  it("goes between a source connected straight to its target, and undo puts the edge back", () => {
    const filter = newFilterNode(connected, placeInChain(connected, "filter"));
    const { op, after } = add(connected, filter);
    expect(filter).toMatchObject({ id: "filter", type: "filter", config: { match: "all", rules: [] } });
    expect(links(after)).toEqual(["filter→target", "source→filter"]);
    expect(revertOp(after, op)).toEqual(connected);
    expect(applyOp(revertOp(after, op), op)).toEqual(after);
  });

  it("connects a source and a target that were not connected", () => {
    const { after } = add(scheme([source(), target()]), newFilterNode(connected, { x: 0, y: 0 }));
    expect(links(after)).toEqual(["filter→target", "source→filter"]);
  });

  it("connects to the one end there is, and the other end joins it when added", () => {
    const onlySource = add(scheme([source()]), newFilterNode(connected, { x: 0, y: 0 })).after;
    expect(links(onlySource)).toEqual(["source→filter"]);
    expect(links(add(onlySource, target()).after)).toEqual(["filter→target", "source→filter"]);
    const onlyTarget = add(scheme([target()]), newFilterNode(connected, { x: 0, y: 0 })).after;
    expect(links(onlyTarget)).toEqual(["filter→target"]);
    expect(links(add(onlyTarget, source()).after)).toEqual(["filter→target", "source→filter"]);
  });

  it("is added unconnected when the scheme has one already (the compiler allows one)", () => {
    const withFilter = add(connected, newFilterNode(connected, { x: 0, y: 0 })).after;
    const second = newFilterNode(withFilter, { x: 0, y: 0 });
    expect(second.id).toBe("filter-2");
    expect(joinChain(withFilter, second)).toEqual({ edges: [], replaced: [] });
  });

  it("goes below the middle of the source and the target, after the source when alone", () => {
    expect(placeInChain(connected, "filter")).toEqual({ x: 270, y: 320 });
    expect(placeInChain(scheme([source()]), "filter")).toEqual({ x: 460, y: 120 });
    const withFilter = scheme([source(), { ...newFilterNode(connected, { x: 460, y: 120 }) }]);
    expect(placeInChain(withFilter, "target")).toEqual({ x: 840, y: 120 });
  });
});

describe("a source or a target added", () => {
  it("connects the lone source and target as before (session 27)", () => {
    expect(links(add(scheme([source()]), target()).after)).toEqual(["source→target"]);
    expect(links(add(scheme([target()]), source()).after)).toEqual(["source→target"]);
  });

  it("connects nothing when the scheme has that kind already", () => {
    const def = scheme([source(), target()], [edgeOf("source", "target")]);
    expect(joinChain(def, target("target-2", 900))).toEqual({ edges: [], replaced: [] });
  });
});

describe("the links the side panel offers to connect", () => {
  it("are the chain's links at the node without an edge", () => {
    const filter = newFilterNode(scheme([]), { x: 0, y: 0 });
    const def = scheme([source(), filter, target()], [edgeOf("source", "target"), edgeOf("source", "filter")]);
    const ids = (id: string) => missingLinks(def, id).map(({ from, to }) => `${from.id}→${to.id}`);
    expect(ids("filter")).toEqual(["filter→target"]);
    expect(ids("target")).toEqual(["filter→target"]);
    expect(ids("source")).toEqual([]);
    expect(missingLinks(scheme([source(), target()]), "source").map(({ to }) => to.id)).toEqual(["target"]);
  });

  it("go down the chain only", () => {
    expect(flowsDown("source", "filter")).toBe(true);
    expect(flowsDown("filter", "target")).toBe(true);
    expect(flowsDown("source", "target")).toBe(true);
    expect(flowsDown("target", "filter")).toBe(false);
    expect(flowsDown("filter", "source")).toBe(false);
    expect(flowsDown("filter", "filter")).toBe(false);
    expect(flowsDown(undefined, "target")).toBe(false);
  });
});

describe("the source a node reads", () => {
  it("is found through the filter", () => {
    const filter = newFilterNode(scheme([]), { x: 0, y: 0 });
    const def = scheme([source("a"), source("b"), filter, target()], [edgeOf("b", "filter"), edgeOf("filter", "target")]);
    expect(upstreamSource(def, "target")?.id).toBe("b");
    expect(upstreamSource(def, "filter")?.id).toBe("b");
    expect(upstreamSource(scheme([source("a"), filter]), "filter")?.id).toBe("a");
  });
});

describe("leaveChain", () => {
  const def = (edges: [string, string][]): SchemeDefinition =>
    ({
      version: 1,
      timezone: "Asia/Shanghai",
      schedule: null,
      nodes: [
        { id: "s", type: "source", position: { x: 0, y: 0 }, config: {} },
        { id: "f", type: "filter", position: { x: 0, y: 0 }, config: { match: "all", rules: [] } },
        { id: "t", type: "target", position: { x: 0, y: 0 }, config: {} },
      ],
      edges: edges.map(([a, b]) => edgeOf(a, b)),
    }) as unknown as SchemeDefinition;

  it("gives a source and target their direct edge back when the filter between them goes", () => {
    expect(leaveChain(def([["s", "f"], ["f", "t"]]), ["f"])).toEqual([edgeOf("s", "t")]);
  });

  it("bridges nothing when an end goes too, the filter was not between them, or they are connected", () => {
    expect(leaveChain(def([["s", "f"], ["f", "t"]]), ["f", "t"])).toEqual([]);
    expect(leaveChain(def([["s", "f"]]), ["f"])).toEqual([]);
    expect(leaveChain(def([["s", "f"], ["f", "t"], ["s", "t"]]), ["f"])).toEqual([]);
    expect(leaveChain(def([["s", "f"], ["f", "t"]]), ["s"])).toEqual([]);
  });
});
