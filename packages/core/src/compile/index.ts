// From a scheme definition (as stored or as the editor sends it) to a run plan: the graph made
// linear, the connector metadata resolved and every template parsed. Everything wrong is
// reported at once, each issue with its path into the definition and a message a person can
// act on; warnings do not stop a plan.
import type { SourceApiMeta } from "../connector-meta";
import { schemeDefinitionSchema, schemeNodeSchema } from "../scheme";
import { canReadTimeZone, DEFAULT_TIMEZONE, timeZoneIssue } from "../template/timezone";
import { checkGraph } from "./graph";
import { Issues } from "./issues";
import type { CompileResult, SchemeCatalog } from "./plan";
import { at, reportShapeIssues } from "./shape";
import { zhCN } from "../zod-locales";
import { checkSource } from "./source";
import { checkTarget } from "./target";
import { checkLookups } from "./lookups";
import { checkValueMaps } from "./value-maps";
import { checkFilter } from "./filter";

export { definitionValueMaps, planValueMaps } from "./value-maps";
export { definitionLookupSchemes, lookupCatalog, planLookups, planLookupSchemes } from "./lookups";
export { quoteTemplateLiteral, renameInDefinition, renameInTemplate, type NamedKind } from "./rename-references";
export type { CompileResult, ConditionRulePlan, FilterPlan, IssuePath, LookupSchemeInfo, RunPlan, SchemeCatalog, SchemeIssue } from "./plan";
export { pickTargetForm } from "./target-form";

export interface CompileOptions {
  /**
   * Also refuses what a definition may no longer be saved with, although one stored with it still
   * runs: a timezone that is no IANA name (an abbreviation such as "CST", which Intl reads as
   * America/Chicago; session 30). The editor and every save ask for it; a run does not.
   */
  forSave?: boolean;
}

export function compileScheme(def: unknown, catalog: SchemeCatalog, options: CompileOptions = {}): CompileResult {
  const issues = new Issues();
  if (options.forSave) checkSavedTimezone(def, issues);
  const parsed = schemeDefinitionSchema.safeParse(def, { error: zhCN() });
  if (!parsed.success) {
    reportShapeIssues(def, parsed.error.issues, issues);
    checkWellFormedNodes(def, catalog, issues);
    return { ok: false, issues: issues.list };
  }
  const d = parsed.data;
  const graph = checkGraph(d, issues);
  const sources = d.nodes.flatMap((node, index) => (node.type === "source" ? [{ node, index }] : []));
  const targets = d.nodes.flatMap((node, index) => (node.type === "target" ? [{ node, index }] : []));
  const source = sources.map(({ node, index }) => checkSource(node, index, catalog, issues, d.timezone))[0];
  const target = targets.map(({ node, index }) => checkTarget(node, index, catalog, issues, d.timezone, source?.api))[0];
  const filters = d.nodes.flatMap((node, index) => (node.type === "filter" ? [checkFilter(node, index, source?.api, issues)] : []));
  checkValueMaps(d, catalog, issues);
  checkLookups(d, catalog, issues);
  if (issues.hasErrors || !graph || !source || !target) return { ok: false, issues: issues.list };
  const [filter] = filters;
  return { ok: true, plan: { timezone: d.timezone, retryBackoffMs: d.retry.backoffMs, source, ...(filter && { filter }), target }, warnings: issues.list };
}

/** A timezone the shape check lets through as stored (Intl reads it) that a save refuses (timeZoneIssue). */
function checkSavedTimezone(def: unknown, issues: Issues): void {
  const timezone = at(def, "timezone");
  if (typeof timezone !== "string" || !canReadTimeZone(timezone)) return;
  const issue = timeZoneIssue(timezone);
  if (issue) issues.error({ path: ["timezone"], ...issue });
}

/** When the definition as a whole is malformed, still check the nodes that are well-formed. */
function checkWellFormedNodes(def: unknown, catalog: SchemeCatalog, issues: Issues): void {
  const rawNodes = at(def, "nodes");
  if (!Array.isArray(rawNodes)) return;
  const rawTimezone = at(def, "timezone");
  const timezone = typeof rawTimezone === "string" && canReadTimeZone(rawTimezone) ? rawTimezone : DEFAULT_TIMEZONE;
  const nodes = rawNodes.flatMap((raw: unknown, index) => {
    const r = schemeNodeSchema.safeParse(raw);
    return r.success ? [{ node: r.data, index }] : [];
  });
  let sourceApi: SourceApiMeta | undefined;
  for (const { node, index } of nodes) {
    if (node.type === "source") sourceApi ??= checkSource(node, index, catalog, issues, timezone)?.api;
  }
  for (const { node, index } of nodes) {
    if (node.type === "target") checkTarget(node, index, catalog, issues, timezone, sourceApi);
    if (node.type === "filter") checkFilter(node, index, sourceApi, issues);
  }
}
