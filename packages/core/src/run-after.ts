// Run after (运行顺序, issue #13 item 4): a scheme may run by itself after other schemes' successful
// runs. The chains must not loop: saving a scheme whose run-after would close a cycle is refused.

/**
 * The cycle that `schemeId` running after `runAfter` would close, as ids from `schemeId` back to
 * it (e.g. [A, B, A]), or null. `graph`: every other scheme's run-after (id → the ids it runs after).
 */
export function runAfterCycle(graph: ReadonlyMap<string, readonly string[]>, schemeId: string, runAfter: readonly string[]): string[] | null {
  // A path from one of `runAfter` back to `schemeId` along run-after edges closes a cycle.
  const seen = new Set<string>();
  const walk = (id: string, path: string[]): string[] | null => {
    if (id === schemeId) return [...path, id];
    if (seen.has(id)) return null;
    seen.add(id);
    for (const next of graph.get(id) ?? []) {
      const found = walk(next, [...path, id]);
      if (found) return found;
    }
    return null;
  };
  for (const first of runAfter) {
    const found = walk(first, [schemeId]);
    if (found) return found;
  }
  return null;
}
