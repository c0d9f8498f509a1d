// The server's answer to a refused save, shown at the fields it names. The server knows what the
// browser cannot check (a lookup's key field against the other scheme's source), and its issue
// stays on a field only while that field still holds what was sent: edit it and the stale
// message goes (the header's list keeps every issue until the next save).
import type { ApiIssue } from "@/lib/api/schemas";

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/** The server's issues of the fields unchanged since `sent`, except those the browser reports too. */
export function standingServerIssues(server: readonly ApiIssue[], sent: unknown, current: unknown, browser: readonly ApiIssue[]): ApiIssue[] {
  return server.filter(
    (i) =>
      i.path.length > 0 &&
      valueAt(sent, i.path) !== undefined &&
      JSON.stringify(valueAt(sent, i.path)) === JSON.stringify(valueAt(current, i.path)) &&
      !browser.some((b) => b.message === i.message),
  );
}
