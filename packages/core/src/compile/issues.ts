// The issues of one compilation, collected as the checks find them, and how nodes are named in them.
import type { SchemeNode } from "../scheme";
import type { SchemeIssue } from "./plan";

type Issue = Omit<SchemeIssue, "severity">;

export class Issues {
  readonly list: SchemeIssue[] = [];
  error(issue: Issue): void {
    this.list.push({ ...issue, severity: "error" });
  }
  warning(issue: Issue): void {
    this.list.push({ ...issue, severity: "warning" });
  }
  get hasErrors(): boolean {
    return this.list.some((i) => i.severity === "error");
  }
}

export const SOURCE_ZH = "源节点";
export const TARGET_ZH = "目标节点";
export const FILTER_ZH = "过滤节点";
export const kindZh = (node: SchemeNode) => (node.type === "source" ? SOURCE_ZH : node.type === "filter" ? FILTER_ZH : TARGET_ZH);
export const kindEn = (node: SchemeNode) => (node.type === "source" ? "source node" : node.type === "filter" ? "filter node" : "target node");
