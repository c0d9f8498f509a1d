// Run after (运行顺序, issue #13) at save: the schemes named must exist and must not lead back to
// this one. A refused order is an issue at definition.runAfter, with the loop spelled out by name.
import type { SchemeDefinition } from "@qiao/core";
import { listSchemeDefinitions, runAfterLoop, type Db } from "@qiao/db";
import type { ApiIssue } from "@/lib/api/schemas";

const path = ["definition", "runAfter"];

const schemeNames = async (db: Db) => new Map((await listSchemeDefinitions(db)).map((s) => [s.id, s.name]));

function loopIssue(loop: readonly string[], names: ReadonlyMap<string, string>): ApiIssue {
  const named = loop.map((id) => names.get(id) ?? id);
  return { path, severity: "error", message: `运行顺序形成循环：${named.join(" → ")}。请去掉其中一个方案`, messageEn: `The run-after order loops: ${named.join(" → ")}. Remove one of these schemes` };
}

export async function runAfterIssues(db: Db, schemeId: string | null, definition: SchemeDefinition): Promise<ApiIssue[]> {
  const runAfter = definition.runAfter ?? [];
  if (runAfter.length === 0) return [];
  const names = await schemeNames(db);
  const unknown = runAfter.filter((id) => !names.has(id));
  if (unknown.length > 0) {
    return [{ path, severity: "error", message: `运行顺序中的方案不存在（可能已被删除）：${unknown.join("、")}`, messageEn: `Schemes in the run-after order do not exist (they may have been deleted): ${unknown.join(", ")}` }];
  }
  // A new scheme closes no loop: no order names it yet.
  const loop = schemeId === null ? null : await runAfterLoop(db, schemeId, runAfter);
  return loop ? [loopIssue(loop, names)] : [];
}

/** The issue of a loop the save itself found (RunAfterLoopError: another save closed it after validation). */
export async function runAfterLoopIssue(db: Db, loop: readonly string[]): Promise<ApiIssue> {
  return loopIssue(loop, await schemeNames(db));
}
