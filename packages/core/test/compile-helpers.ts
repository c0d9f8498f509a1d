// The seed scheme and its variants, compiled against the fake catalog, for the compiler's tests.
import { compileScheme, type SchemeIssue } from "../src/compile";
import type { SchemeDefinition } from "../src/scheme";
import { seedSchemeDefinition } from "../src/seeds";
import { catalog, SOURCE_CONNECTION, TARGET_CONNECTION } from "./fake-catalog";

export const seed = () => seedSchemeDefinition({ sourceConnectionId: SOURCE_CONNECTION, targetConnectionId: TARGET_CONNECTION });

/** The seed with a change applied to a deep copy. */
export function variant(change: (d: SchemeDefinition) => void): SchemeDefinition {
  const d = structuredClone(seed());
  change(d);
  return d;
}

export const source = (d: SchemeDefinition) => d.nodes[0] as Extract<SchemeDefinition["nodes"][number], { type: "source" }>;
export const target = (d: SchemeDefinition) => d.nodes[1] as Extract<SchemeDefinition["nodes"][number], { type: "target" }>;

export function issuesOf(def: unknown): SchemeIssue[] {
  const r = compileScheme(def, catalog);
  if (r.ok) throw new Error(`expected issues, got a plan (warnings: ${JSON.stringify(r.warnings)})`);
  return r.issues;
}

export function warningsOf(def: unknown): SchemeIssue[] {
  const r = compileScheme(def, catalog);
  if (!r.ok) throw new Error(`expected a plan: ${r.issues.map((i) => i.messageEn).join("; ")}`);
  return r.warnings;
}

export const errors = (issues: SchemeIssue[]) => issues.filter((i) => i.severity === "error");
