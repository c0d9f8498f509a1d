import { describe, expect, it } from "vitest";
import { errors, issuesOf, source, target, variant, warningsOf } from "../../test/compile-helpers";

describe("compileScheme: graph", () => {
  it("reports a missing source", () => {
    const issues = issuesOf(variant((d) => ((d.nodes = [target(d)]), (d.edges = []))));
    expect(errors(issues)).toEqual([expect.objectContaining({ path: ["nodes"], message: expect.stringContaining("没有源节点") })]);
  });

  it("reports a missing target", () => {
    const issues = issuesOf(variant((d) => ((d.nodes = [source(d)]), (d.edges = []))));
    expect(errors(issues)).toEqual([expect.objectContaining({ path: ["nodes"], message: expect.stringContaining("没有目标节点") })]);
  });

  it("reports an empty scheme as missing both", () => {
    expect(errors(issuesOf(variant((d) => ((d.nodes = []), (d.edges = [])))))).toHaveLength(2);
  });

  it("reports a second source and a second target", () => {
    const def = variant((d) => {
      d.nodes.push({ ...structuredClone(source(d)), id: "source2" }, { ...structuredClone(target(d)), id: "target2" });
      d.edges.push({ id: "e2", source: "source2", target: "target2" });
    });
    const issues = errors(issuesOf(def));
    expect(issues).toEqual([
      expect.objectContaining({ path: ["nodes", 2], nodeId: "source2", message: expect.stringContaining("只能有一个源节点") }),
      expect.objectContaining({ path: ["nodes", 3], nodeId: "target2", message: expect.stringContaining("只能有一个目标节点") }),
    ]);
  });

  it("reports a cycle once, naming its nodes", () => {
    const issues = errors(issuesOf(variant((d) => d.edges.push({ id: "back", source: "target", target: "source" }))));
    expect(issues).toEqual([expect.objectContaining({ path: ["edges", 1], message: expect.stringContaining("source → target → source") })]);
    expect(issues[0]?.messageEn).toContain("cycle");
  });

  it("reports an edge from a node to itself as a cycle", () => {
    const issues = errors(issuesOf(variant((d) => d.edges.push({ id: "self", source: "target", target: "target" }))));
    expect(issues).toEqual([expect.objectContaining({ path: ["edges", 1], message: expect.stringContaining("target → target") })]);
  });

  it("reports edges in the wrong direction", () => {
    const issues = errors(issuesOf(variant((d) => (d.edges = [{ id: "e", source: "target", target: "source" }]))));
    // Only one edge, both nodes connected: this is a cycle-free graph flowing the wrong way.
    expect(issues).toEqual([expect.objectContaining({ path: ["edges", 0], message: expect.stringContaining("从目标节点 “target” 出发") })]);
  });

  it("reports an unconnected node", () => {
    const issues = errors(issuesOf(variant((d) => (d.edges = []))));
    expect(issues).toEqual([
      expect.objectContaining({ path: ["nodes", 0], nodeId: "source", message: expect.stringContaining("没有任何连线") }),
      expect.objectContaining({ path: ["nodes", 1], nodeId: "target", message: expect.stringContaining("没有任何连线") }),
    ]);
  });

  it("reports an edge to a node that does not exist", () => {
    const issues = errors(issuesOf(variant((d) => d.edges.push({ id: "e2", source: "source", target: "ghost" }))));
    expect(issues).toEqual([expect.objectContaining({ path: ["edges", 1, "target"], message: expect.stringContaining("“ghost” 不是方案中的节点") })]);
  });

  it("reports duplicate node and edge ids", () => {
    const def = variant((d) => {
      d.nodes.push({ ...structuredClone(target(d)) });
      d.edges.push({ id: "source-target", source: "source", target: "target" });
    });
    const paths = errors(issuesOf(def)).map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["nodes.2.id", "edges.1.id"]));
  });

  it("warns about a duplicate edge", () => {
    const warnings = warningsOf(variant((d) => d.edges.push({ id: "again", source: "source", target: "target" })));
    expect(warnings).toEqual([expect.objectContaining({ path: ["edges", 1], severity: "warning" })]);
  });
});
