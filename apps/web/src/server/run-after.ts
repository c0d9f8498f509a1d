// Run after (运行顺序, issue #13) at save: the schemes named must exist and must not lead back to
// this one. A refused order is an issue at definition.runAfter, with the loop spelled out by name.
import { runAfterCycle, type SchemeDefinition } from "@qiao/core";
import { listSchemeDefinitions, runAfterGraph, type Db } from "@qiao/db";
import type { ApiIssue } from "@/lib/api/schemas";

export async function runAfterIssues(db: Db, schemeId: string | null, definition: SchemeDefinition): Promise<ApiIssue[]> {
  const runAfter = definition.runAfter ?? [];
  if (runAfter.length === 0) return [];
  const path = ["definition", "runAfter"];
  const names = new Map((await listSchemeDefinitions(db)).map((s) => [s.id, s.name]));
  const unknown = runAfter.filter((id) => !names.has(id));
  if (unknown.length > 0) {
    return [{ path, severity: "error", message: `运行顺序中的方案不存在（可能已被删除）：${unknown.join("、")}`, messageEn: `Schemes in the run-after order do not exist (they may have been deleted): ${unknown.join(", ")}` }];
  }
  const self = schemeId ?? "(new)";
  const graph = await runAfterGraph(db);
  graph.delete(self);
  const cycle = runAfterCycle(graph, self, runAfter);
  if (!cycle) return [];
  const named = cycle.map((id) => (id === self ? (names.get(self) ?? "本方案") : (names.get(id) ?? id)));
  return [{ path, severity: "error", message: `运行顺序形成循环：${named.join(" → ")}。请去掉其中一个方案`, messageEn: `The run-after order loops: ${named.join(" → ")}. Remove one of these schemes` }];
}
