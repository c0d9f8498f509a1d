import { describe, expect, it } from "vitest";
import { errors, seed, target, variant } from "../../test/compile-helpers";
import { catalog, vars } from "../../test/fake-catalog";
import { mapRecord } from "../map-record";
import type { SchemeDefinition } from "../scheme";
import type { LookupResolver } from "../template/types";
import { compileScheme, definitionLookupSchemes, lookupCatalog, planLookups, planLookupSchemes, type RunPlan } from ".";

const SHOPS = "店铺→客户";
const schemes = lookupCatalog(
  [
    { id: "a0000000-0000-4000-8000-000000000001", name: SHOPS, definition: seed() },
    { id: "a0000000-0000-4000-8000-000000000002", name: "同名", definition: seed() },
    { id: "a0000000-0000-4000-8000-000000000003", name: "同名", definition: seed() },
  ],
  catalog.connectors,
);
const withSchemes = { ...catalog, schemes };

function withMapping(mapping: Record<string, string>): SchemeDefinition {
  return variant((d) => Object.assign(target(d).config.mapping, mapping));
}

function issues(def: SchemeDefinition) {
  const r = compileScheme(def, withSchemes);
  return r.ok ? [] : errors(r.issues).map((i) => [i.field, i.messageEn]);
}

describe("lookup checks at save", () => {
  it("knows each scheme's source id field and fields", () => {
    expect(schemes.get(SHOPS)).toMatchObject({ ids: ["a0000000-0000-4000-8000-000000000001"], idField: "id" });
    expect(schemes.get(SHOPS)?.fields).toContain("name");
  });

  it("accepts a lookup of an existing scheme, by its id field or a field its source has", () => {
    expect(issues(withMapping({ FDescription: `{{lookup('${SHOPS}', code)}}`, FName: `{{name | lookup('${SHOPS}', 'name', 'id')}}` }))).toEqual([]);
  });

  it("names an unknown scheme, an ambiguous name and a missing key field", () => {
    expect(issues(withMapping({ FDescription: "{{lookup('没有', code)}}" }))).toEqual([["FDescription", expect.stringContaining('The scheme "没有" named by lookup does not exist')]]);
    expect(issues(withMapping({ FDescription: "{{lookup('同名', code)}}" }))).toEqual([["FDescription", expect.stringContaining('2 schemes are named "同名"')]]);
    expect(issues(withMapping({ FDescription: `{{lookup('${SHOPS}', code, 'colour')}}` }))).toEqual([["FDescription", expect.stringContaining("have no field colour")]]);
  });

  it("lists the schemes a definition's lookups read, once each, not the ERP's forms", () => {
    const d = withMapping({ FDescription: `{{lookup('${SHOPS}', code)}}`, FName: `{{name | lookup('${SHOPS}', 'name')}}`, FShortName: "{{nick | erp_lookup('BD_STOCK', 'FName')}}" });
    expect(definitionLookupSchemes(d)).toEqual([SHOPS]);
    expect(definitionLookupSchemes(seed())).toEqual([]);
  });

  it("skips the scheme check when the catalog does not list schemes", () => {
    expect(compileScheme(withMapping({ FDescription: "{{lookup('没有', code)}}" }), catalog).ok).toBe(true);
  });
});

describe("mapping with lookups", () => {
  const plan = (): RunPlan => {
    const r = compileScheme(withMapping({ FDescription: `{{lookup('${SHOPS}', code)}}`, FName: "{{nick | erp_lookup('BD_STOCK', 'FName')}}" }), withSchemes);
    if (!r.ok) throw new Error(r.issues.map((i) => i.messageEn).join("; "));
    return r.plan;
  };

  it("lists the plan's lookups and the schemes they read", () => {
    expect(planLookupSchemes(plan())).toEqual([SHOPS]);
    expect(planLookups(plan())).toHaveLength(2);
  });

  const fetched = (known: Record<string, string | undefined>): LookupResolver => ({
    get: (ref, key) => (key in known ? { known: true, value: known[key] } : { known: false }),
  });
  const shop = { code: "S1", name: "一店", nick: "总仓" };

  it("asks for what is not fetched, then maps with the answers", () => {
    const first = mapRecord(plan().target, shop, vars, "Asia/Shanghai", undefined, fetched({}));
    expect(first.unresolved.map((u) => u.key).sort()).toEqual(["S1", "总仓"]);
    // Mapped as is, it is no record to send: each unanswered lookup is an error of its field (session 18).
    expect(first.errors.map((e) => [e.field, e.message]).sort()).toEqual([
      ["FDescription", expect.stringContaining(`lookup('${SHOPS}') 对 “S1” 的查找结果在映射时还没有取得`)],
      ["FName", expect.stringContaining("erp_lookup('BD_STOCK', 'FName') 对 “总仓” 的查找结果在映射时还没有取得")],
    ]);
    expect(first.payload).not.toHaveProperty("FName");
    const second = mapRecord(plan().target, shop, vars, "Asia/Shanghai", undefined, fetched({ S1: "CUST-S1", 总仓: "CK001" }));
    expect(second).toMatchObject({ errors: [], waits: [], unresolved: [] });
    expect(second.payload).toMatchObject({ FDescription: "CUST-S1", FName: "CK001" });
  });

  it("waits for what the scheme has not written; fails what the ERP does not have", () => {
    const waiting = mapRecord(plan().target, shop, vars, "Asia/Shanghai", undefined, fetched({ S1: undefined, 总仓: "CK001" }));
    expect(waiting).toMatchObject({ errors: [], unresolved: [], waits: [{ field: "FDescription", scheme: SHOPS, key: "S1" }] });
    expect(waiting.payload).not.toHaveProperty("FDescription");
    const failing = mapRecord(plan().target, shop, vars, "Asia/Shanghai", undefined, fetched({ S1: undefined, 总仓: undefined }));
    expect(failing.waits).toEqual([]);
    expect(failing.errors.map((e) => [e.field, e.messageEn])).toEqual([["FName", expect.stringContaining('BD_STOCK has no FName "总仓"')]]);
  });
});
