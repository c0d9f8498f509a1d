// The graph: unique ids, edges between existing nodes in the right direction, no cycles, and
// (for now) exactly one source connected to one target, directly or through one filter node.
import type { SchemeDefinition, SchemeNode } from "../scheme";
import { FILTER_ZH, kindEn, kindZh, SOURCE_ZH, TARGET_ZH, type Issues } from "./issues";

/** True when the graph is one source connected to one target, directly or through the one filter node. */
export function checkGraph(d: SchemeDefinition, issues: Issues): boolean {
  const before = issues.list.length;
  const nodeIndex = new Map<string, number>();
  d.nodes.forEach((node, index) => {
    if (nodeIndex.has(node.id)) {
      issues.error({
        path: ["nodes", index, "id"],
        nodeId: node.id,
        message: `有两个节点的 id 都是 “${node.id}”：节点 id 必须唯一，请修改其中一个`,
        messageEn: `Two nodes have the id "${node.id}": node ids must be unique, change one of them`,
      });
    } else nodeIndex.set(node.id, index);
  });
  const edgeIds = new Set<string>();
  const pairs = new Set<string>();
  const valid: { index: number; from: SchemeNode; to: SchemeNode }[] = [];
  d.edges.forEach((edge, index) => {
    if (edgeIds.has(edge.id)) {
      issues.error({
        path: ["edges", index, "id"],
        message: `有两条连线的 id 都是 “${edge.id}”：连线 id 必须唯一`,
        messageEn: `Two edges have the id "${edge.id}": edge ids must be unique`,
      });
    }
    edgeIds.add(edge.id);
    let dangling = false;
    for (const end of ["source", "target"] as const) {
      if (nodeIndex.has(edge[end])) continue;
      dangling = true;
      issues.error({
        path: ["edges", index, end],
        message: `连线 “${edge.id}” 的${end === "source" ? "起点" : "终点"} “${edge[end]}” 不是方案中的节点：请删除这条连线或重新连接`,
        messageEn: `The ${end} "${edge[end]}" of edge "${edge.id}" is not a node of the scheme: delete the edge or reconnect it`,
      });
    }
    if (dangling) return;
    const pair = `${edge.source}\u0000${edge.target}`;
    if (pairs.has(pair)) {
      issues.warning({
        path: ["edges", index],
        message: `连线 “${edge.id}” 与另一条连线重复（${edge.source} → ${edge.target}），可以删除`,
        messageEn: `Edge "${edge.id}" duplicates another edge (${edge.source} → ${edge.target}) and can be deleted`,
      });
      return;
    }
    pairs.add(pair);
    valid.push({ index, from: d.nodes[nodeIndex.get(edge.source) as number] as SchemeNode, to: d.nodes[nodeIndex.get(edge.target) as number] as SchemeNode });
  });

  const inCycle = reportCycles(d, valid, issues);
  for (const { index, from, to } of valid) {
    if (inCycle.has(index)) continue;
    if (from.type === "target") {
      issues.error({
        path: ["edges", index],
        nodeId: from.id,
        message: `连线从目标节点 “${from.id}” 出发：数据只能从源节点流向目标节点，请反向连接`,
        messageEn: `Edge starts at the target node "${from.id}": data flows from a source to a target, connect it the other way`,
      });
    } else if (to.type === "source") {
      issues.error({
        path: ["edges", index],
        nodeId: to.id,
        message: `连线指向源节点 “${to.id}”：源节点只读取数据，不能有输入连线`,
        messageEn: `Edge ends at the source node "${to.id}": a source only reads and takes no input`,
      });
    }
  }

  const sources = d.nodes.map((n, i) => [n, i] as const).filter(([n]) => n.type === "source");
  const targets = d.nodes.map((n, i) => [n, i] as const).filter(([n]) => n.type === "target");
  const filters = d.nodes.map((n, i) => [n, i] as const).filter(([n]) => n.type === "filter");
  if (sources.length === 0) {
    issues.error({
      path: ["nodes"],
      message: "方案中没有源节点：请添加一个源节点，选择要读取数据的平台和接口",
      messageEn: "The scheme has no source node: add one and choose the platform and API to read from",
    });
  }
  if (targets.length === 0) {
    issues.error({
      path: ["nodes"],
      message: "方案中没有目标节点：请添加一个目标节点，选择要写入数据的平台和接口",
      messageEn: "The scheme has no target node: add one and choose the platform and API to write to",
    });
  }
  for (const [list, zh, en] of [
    [sources, SOURCE_ZH, "source node"],
    [filters, FILTER_ZH, "filter node"],
    [targets, TARGET_ZH, "target node"],
  ] as const) {
    for (const [node, index] of list.slice(1)) {
      issues.error({
        path: ["nodes", index],
        nodeId: node.id,
        message: `一个方案目前只能有一个${zh}：请删除多余的${zh} “${node.id}”，或把它放到另一个方案中`,
        messageEn: `A scheme has a single ${en} for now: delete the extra ${en} "${node.id}" or move it to another scheme`,
      });
    }
  }
  if (d.nodes.length > 1) {
    const connected = new Set(valid.flatMap(({ from, to }) => [from.id, to.id]));
    d.nodes.forEach((node, index) => {
      if (connected.has(node.id)) return;
      issues.error({
        path: ["nodes", index],
        nodeId: node.id,
        message: `${kindZh(node)} “${node.id}” 没有任何连线：请把源节点连到${node.type === "filter" ? "过滤节点，再把过滤节点连到目标节点" : "目标节点"}，或删除这个节点`,
        messageEn: `The ${kindEn(node)} "${node.id}" is not connected: connect the source to ${node.type === "filter" ? "the filter and the filter to the target" : "the target"}, or delete the node`,
      });
    });
  }
  const [source] = sources;
  const [target] = targets;
  const [filter] = filters;
  if (issues.list.slice(before).some((i) => i.severity === "error") || !source || !target) return false;
  const linked = (from: SchemeNode, to: SchemeNode) => valid.some((e) => e.from.id === from.id && e.to.id === to.id);
  if (!filter) {
    if (linked(source[0], target[0])) return true;
    issues.error({
      path: ["edges"],
      message: `源节点 “${source[0].id}” 与目标节点 “${target[0].id}” 之间没有连线：请从源节点连到目标节点`,
      messageEn: `No edge leads from the source "${source[0].id}" to the target "${target[0].id}": connect them`,
    });
    return false;
  }
  const before2 = issues.list.length;
  if (linked(source[0], target[0])) {
    issues.error({
      path: ["edges", valid.find((e) => e.from.id === source[0].id && e.to.id === target[0].id)!.index],
      message: `源节点 “${source[0].id}” 直接连到了目标节点，绕过了过滤节点 “${filter[0].id}”：请删除这条连线，让数据经过过滤节点`,
      messageEn: `The source "${source[0].id}" is connected straight to the target, around the filter "${filter[0].id}": delete that edge so the records go through the filter`,
    });
  }
  for (const [from, to] of [
    [source[0], filter[0]],
    [filter[0], target[0]],
  ] as const) {
    if (linked(from, to)) continue;
    issues.error({
      path: ["edges"],
      nodeId: filter[0].id,
      message: `${kindZh(from)} “${from.id}” 与${kindZh(to)} “${to.id}” 之间没有连线：数据按 源节点 → 过滤节点 → 目标节点 流动，请连接它们`,
      messageEn: `No edge leads from the ${kindEn(from)} "${from.id}" to the ${kindEn(to)} "${to.id}": records flow source → filter → target, connect them`,
    });
  }
  return issues.list.length === before2;
}

/** One issue per cycle; returns the indexes of the edges that lie on one. */
function reportCycles(d: SchemeDefinition, edges: { index: number; from: SchemeNode; to: SchemeNode }[], issues: Issues): Set<number> {
  const out = new Map<string, { index: number; to: string }[]>();
  for (const e of edges) out.set(e.from.id, [...(out.get(e.from.id) ?? []), { index: e.index, to: e.to.id }]);
  const state = new Map<string, "open" | "done">();
  const stack: { node: string; via: number }[] = [];
  const inCycle = new Set<number>();
  const visit = (node: string): void => {
    state.set(node, "open");
    for (const { index, to } of out.get(node) ?? []) {
      if (state.get(to) === "open") {
        const from = stack.findIndex((s) => s.node === to);
        const loop = [...stack.slice(from + 1).map((s) => s.via), index];
        const names = [...stack.slice(from).map((s) => s.node), to];
        loop.forEach((i) => inCycle.add(i));
        issues.error({
          path: ["edges", index],
          message: `连线形成了环：${names.join(" → ")}；数据只能从源节点流向目标节点，请删除环上的一条连线`,
          messageEn: `The edges form a cycle: ${names.join(" → ")}; data flows one way from the source to the target, delete one edge of the cycle`,
        });
      } else if (!state.has(to)) {
        stack.push({ node: to, via: index });
        visit(to);
        stack.pop();
      }
    }
    state.set(node, "done");
  };
  for (const node of d.nodes) {
    if (state.has(node.id)) continue;
    stack.push({ node: node.id, via: -1 });
    visit(node.id);
    stack.pop();
  }
  return inCycle;
}
