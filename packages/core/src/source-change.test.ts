import { describe, expect, it } from "vitest";
import { SOURCE_CONNECTION, TARGET_CONNECTION } from "../test/fake-catalog";
import type { SchemeDefinition } from "./scheme";
import { seedItemsSchemeDefinition, seedSchemeDefinition } from "./seeds";
import { readsFromCursor, sourceReadChanged } from "./source-change";

const base = () => structuredClone(seedSchemeDefinition({ sourceConnectionId: SOURCE_CONNECTION, targetConnectionId: TARGET_CONNECTION }));
const source = (d: SchemeDefinition) => {
  const node = d.nodes.find((n) => n.type === "source");
  if (node?.type !== "source") throw new Error("no source");
  return node.config;
};
const changed = (change: (d: SchemeDefinition) => void) => {
  const after = base();
  change(after);
  return sourceReadChanged(base(), after);
};

describe("sourceReadChanged", () => {
  it("another connection, platform or API reads other records", () => {
    expect(changed((d) => (source(d).connectionId = "5f0c6d1e-0000-4000-8000-000000000001"))).toBe(true);
    expect(changed((d) => (source(d).api = "gy.erp.items.get"))).toBe(true);
    expect(changed((d) => (source(d).platform = "other"))).toBe(true);
  });

  it("a filter param added, changed or removed reads other records", () => {
    expect(changed((d) => (source(d).params.code = "SHOP01"))).toBe(true);
    const filtered = base();
    source(filtered).params.code = "SHOP01";
    const other = structuredClone(filtered);
    source(other).params.code = "SHOP02";
    expect(sourceReadChanged(filtered, other)).toBe(true);
    expect(sourceReadChanged(filtered, base())).toBe(true);
    // A fixed window bound instead of a template selects other records too.
    expect(changed((d) => (source(d).params.modify_end_date = "2026-01-01 00:00:00"))).toBe(true);
  });

  it("a filter node added, changed or removed judges the records again", () => {
    const withFilter = (value: string) => {
      const d = base();
      d.nodes.push({ id: "filter", type: "filter", position: { x: 0, y: 0 }, config: { match: "all", rules: [{ field: "{{type_name}}", op: "eq", value }] } });
      return d;
    };
    expect(sourceReadChanged(base(), withFilter("天猫"))).toBe(true);
    expect(sourceReadChanged(withFilter("天猫"), withFilter("京东"))).toBe(true);
    expect(sourceReadChanged(withFilter("天猫"), base())).toBe(true);
    const moved = withFilter("天猫");
    moved.nodes[2]!.position = { x: 50, y: 50 };
    expect(sourceReadChanged(withFilter("天猫"), moved)).toBe(false);
  });

  it("a template changed into another template, the page size, or the target keep the cursor", () => {
    expect(changed(() => {})).toBe(false);
    expect(changed((d) => (source(d).params.modify_end_date = "<<CURRENT_TIME datetime>>"))).toBe(false);
    expect(changed((d) => (source(d).pageSize = 20))).toBe(false);
    expect(changed((d) => (source(d).params.code = ""))).toBe(false);
    expect(changed((d) => (d.timezone = "Asia/Tokyo"))).toBe(false);
  });

  it("a full read made incremental (the window's start added as a template) keeps the cursor, and back", () => {
    // The full reads before it read everything up to the cursor: what changed since is what it reads.
    expect(changed((d) => (source(d).params.modify_start_date = "{{LAST_SYNC_TIME datetime}}"))).toBe(false);
    const incremental = base();
    source(incremental).params.modify_start_date = "{{LAST_SYNC_TIME datetime}}";
    expect(sourceReadChanged(incremental, base())).toBe(false);
  });

  it("a definition without a source on one side only counts as changed", () => {
    expect(sourceReadChanged({ nodes: [] }, base())).toBe(true);
    expect(sourceReadChanged(null, null)).toBe(false);
  });
});

describe("readsFromCursor", () => {
  const ids = { sourceConnectionId: SOURCE_CONNECTION, targetConnectionId: TARGET_CONNECTION };
  it("a source param that reads LAST_SYNC_TIME (either delimiter) makes an incremental read", () => {
    expect(readsFromCursor(seedItemsSchemeDefinition(ids))).toBe(true);
    const d = base();
    source(d).params.modify_start_date = "<<LAST_SYNC_TIME datetime>>";
    expect(readsFromCursor(d)).toBe(true);
  });

  it("a source without one reads everything each run, whatever the cursor", () => {
    // The shops seed: a window's end (CURRENT_TIME) and paging, no start.
    expect(readsFromCursor(base())).toBe(false);
    const d = base();
    source(d).params.note = "LAST_SYNC_TIME";
    source(d).params.escaped = "\\{{LAST_SYNC_TIME}}";
    expect(readsFromCursor(d)).toBe(false);
    expect(readsFromCursor({ nodes: [] })).toBe(false);
    expect(readsFromCursor(null)).toBe(false);
  });
});
