// Defect (session 32's audit): a record key "__proto__" (a target's mapping field, an option, an
// entry table; a source's params; an entry table's row mapping) was dropped by the definition schema
// without a word: zod's record parse does not copy it, before any key schema sees it. A file or a
// save with such a key was stored without that entry, as if the person had never written it. Fix:
// scheme.ts' boundedRecord refuses an own "__proto__" key at the key, in both languages; other names
// of Object.prototype ("constructor", "prototype") are kept as own keys. Failing before its fix.
import { expect, it } from "vitest";
import { schemeDefinitionSchema } from "./scheme";
import { seedSchemeDefinition } from "./seeds";

const ids = { sourceConnectionId: "00000000-0000-4000-8000-000000000001", targetConnectionId: "00000000-0000-4000-8000-000000000002" };

type RawNode = { type: string; config: Record<string, unknown> };

/** The seed as JSON.parse reads a request or an imported file, with `json` as the node's `field`. */
function withRecord(type: "source" | "target", field: string, json: string) {
  const raw = JSON.parse(JSON.stringify(seedSchemeDefinition(ids))) as { nodes: RawNode[] };
  const index = raw.nodes.findIndex((n) => n.type === type);
  raw.nodes[index]!.config[field] = JSON.parse(json);
  return { raw, index };
}

it.each([
  ["target", "mapping", '{"FName":"{{name}}","__proto__":"{{code}}"}', ["mapping", "__proto__"]],
  ["target", "options", '{"IsAutoSubmitAndAudit":true,"__proto__":true}', ["options", "__proto__"]],
  ["target", "entries", '{"__proto__":{"from":"details","mapping":{"FMaterialId":"{{item_code}}"}}}', ["entries", "__proto__"]],
  ["target", "entries", '{"FEntity":{"from":"details","mapping":{"__proto__":"{{item_code}}"}}}', ["entries", "FEntity", "mapping", "__proto__"]],
  ["source", "params", '{"__proto__":"1"}', ["params", "__proto__"]],
] as const)("a %s's %s key \"__proto__\" is refused at the key, never silently dropped", (type, field, json, at) => {
  const { raw, index } = withRecord(type, field, json);
  const parsed = schemeDefinitionSchema.safeParse(raw);
  expect(parsed.success).toBe(false);
  const issue = parsed.error?.issues.find((i) => i.path.at(-1) === "__proto__");
  expect(issue?.path).toEqual(["nodes", index, "config", ...at]);
  expect(issue?.message).toContain("__proto__");
  expect((issue as { params?: { messageEn?: string } } | undefined)?.params?.messageEn).toContain('"__proto__" cannot be a key');
});

it('"constructor" and "prototype" are kept as own keys (and a record left out still defaults to {})', () => {
  const { raw, index } = withRecord("target", "mapping", '{"constructor":"{{a}}","prototype":"{{b}}"}');
  delete raw.nodes.find((n) => n.type === "target")!.config.options;
  const parsed = schemeDefinitionSchema.parse(raw);
  const config = parsed.nodes[index]!.config as { mapping: Record<string, string>; options: Record<string, unknown> };
  expect(Object.entries(config.mapping)).toEqual([
    ["constructor", "{{a}}"],
    ["prototype", "{{b}}"],
  ]);
  expect(config.options).toEqual({});
});
