// Whether a new version of a scheme reads a different set of records from its source, so that the
// scheme's cursor (LAST_SYNC_TIME) no longer says what was read: another connection (another 管易云
// tenant), platform or API, or other filter params (店铺代码, 仓库, …). Such a version clears the
// cursor: its next run reads from the beginning, and staging's hashes keep the records that did not
// change from being sent again (docs/decisions.md, session 18). A param that is a template on both
// sides (the window's `{{LAST_SYNC_TIME datetime}}`, paging's `{{PAGINATION_PAGE_SIZE}}`) is how the
// read is made, not what it selects: changing it keeps the cursor. So do the page size, the id field
// and everything downstream of the source (the mapping: staging's hashes resend what it changes).
// A filter node's condition edited (added, removed, changed) clears the cursor too: records it left
// out before (staged as filtered) are read and judged again, and those it now keeps are written;
// staging's hashes keep the rest from being sent again (docs/decisions.md, session 28).
import { parseTemplate } from "./template/parse";
import { templateRefs } from "./template/evaluate";
import { stableStringify } from "./mapping";

/** A source node's config as stored (any older definition), or undefined. */
function sourceConfig(definition: unknown): { connectionId?: unknown; platform?: unknown; api?: unknown; params?: unknown } | undefined {
  const nodes = (definition as { nodes?: unknown } | null | undefined)?.nodes;
  if (!Array.isArray(nodes)) return undefined;
  const node = nodes.find((n): n is { type: string; config?: unknown } => typeof n === "object" && n !== null && (n as { type?: unknown }).type === "source");
  const config = node?.config;
  return typeof config === "object" && config !== null ? (config as Record<string, unknown>) : undefined;
}

/** The filter node's config as stored, as comparable text ("" without a filter node). */
function filterConfig(definition: unknown): string {
  const nodes = (definition as { nodes?: unknown } | null | undefined)?.nodes;
  if (!Array.isArray(nodes)) return "";
  const node = nodes.find((n): n is { type: string; config?: unknown } => typeof n === "object" && n !== null && (n as { type?: unknown }).type === "filter");
  return node ? stableStringify(node.config ?? null) : "";
}

/** A template (it references a built-in variable: source params cannot read record fields). */
const templated = (value: string) => value.includes("{{") || value.includes("<<");

function paramsOf(config: { params?: unknown }): Record<string, string> {
  const params = config.params;
  if (typeof params !== "object" || params === null) return {};
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === "string" ? v.trim() : JSON.stringify(v)]));
}

/**
 * Whether `after` reads from another source than `before` did: another connection, platform or API
 * (not other params or another filter: the same system's records, selected differently). Staged
 * records of `before` are then another system's, with source ids that may name other records.
 */
export function sourceSwitched(before: unknown, after: unknown): boolean {
  const a = sourceConfig(before);
  const b = sourceConfig(after);
  if (!a || !b) return a !== b;
  return a.connectionId !== b.connectionId || a.platform !== b.platform || a.api !== b.api;
}

/**
 * Whether `after` reads other records from its source than `before` did: a different connection,
 * platform or API, or a filter param (a fixed value on either side: not a template, not empty)
 * added, removed or changed. An empty param is an absent one (the request leaves it out).
 */
export function sourceReadChanged(before: unknown, after: unknown): boolean {
  const a = sourceConfig(before);
  const b = sourceConfig(after);
  if (!a || !b) return a !== b;
  if (sourceSwitched(before, after)) return true;
  if (filterConfig(before) !== filterConfig(after)) return true;
  const pa = paramsOf(a);
  const pb = paramsOf(b);
  for (const key of new Set([...Object.keys(pa), ...Object.keys(pb)])) {
    const x = pa[key] ?? "";
    const y = pb[key] ?? "";
    if (x === y) continue;
    // A template, or no value, selects no fixed set: adding the window's start
    // (`{{LAST_SYNC_TIME datetime}}`, a full read made incremental) reads what changed since the
    // cursor, which the full reads before it covered; removing it reads everything again.
    if ((x === "" || templated(x)) && (y === "" || templated(y))) continue;
    return true;
  }
  return false;
}

/**
 * Whether the definition's source reads a window that starts at the scheme's cursor: one of its
 * params references LAST_SYNC_TIME (管易云's `{{LAST_SYNC_TIME datetime}}` start of a modification
 * window). Without one every run reads whatever its params select, and the cursor, though runs still
 * move it, says nothing about what the next run reads (the scheme page shows it only for such a
 * source, with 从头读取: docs/decisions.md, session 18).
 */
export function readsFromCursor(definition: unknown): boolean {
  const config = sourceConfig(definition);
  if (!config) return false;
  return Object.values(paramsOf(config)).some((value) => {
    if (!templated(value)) return false;
    const parsed = parseTemplate(value);
    return parsed.ok && templateRefs(parsed.template).variables.some((v) => v.text === "LAST_SYNC_TIME");
  });
}
