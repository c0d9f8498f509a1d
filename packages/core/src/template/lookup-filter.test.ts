import { describe, expect, it } from "vitest";
import { evaluateTemplate, templateLookupRefs } from "./evaluate";
import { parseTemplate } from "./parse";
import type { LookupMiss, LookupRef, LookupResolver, Template } from "./types";

const vars = { CURRENT_TIME: new Date(0), LAST_SYNC_TIME: null, PAGINATION_PAGE_SIZE: 50, PAGINATION_START_PAGE: 1 };

function parse(source: string): Template {
  const r = parseTemplate(source);
  if (!r.ok) throw new Error(r.errors.map((e) => e.messageEn).join("; "));
  return r.template;
}

/** Knows shop S1 → CUST-S1 (number) / 1001 (id); knows S9 has nothing; has fetched nothing else. */
const resolver: LookupResolver = {
  get(ref: LookupRef, key: string) {
    if (ref.kind === "erp") return key === "总仓" ? { known: true, value: "CK001" } : { known: false };
    if (key === "S1") return { known: true, value: ref.returnField === "id" ? "1001" : "CUST-S1" };
    if (key === "S9") return { known: true, value: undefined };
    return { known: false };
  },
};

function run(source: string, record: unknown): { value: unknown; misses: LookupMiss[] } {
  const misses: LookupMiss[] = [];
  const value = evaluateTemplate(parse(source), { record, vars, lookups: resolver, lookupMisses: misses });
  return { value, misses };
}

const shops: LookupRef = { kind: "scheme", scheme: "店铺→客户", keyField: undefined, returnField: "number" };

describe("lookup", () => {
  it("reads as a filter or as a call at the start of an expression", () => {
    expect(run("{{shop_code | lookup('店铺→客户')}}", { shop_code: "S1" })).toEqual({ value: "CUST-S1", misses: [] });
    expect(run("{{lookup('店铺→客户', shop_code)}}", { shop_code: "S1" })).toEqual({ value: "CUST-S1", misses: [] });
    expect(run("{{ lookup('店铺→客户', shop_code, '', 'id') | number }}", { shop_code: "S1" }).value).toBe(1001);
    expect(run("客户 {{lookup(\"店铺→客户\", $parent.shop) }}", {}).value).toBe("客户 ");
  });

  it("reports what it has not fetched, and what is known to be missing", () => {
    expect(run("{{lookup('店铺→客户', shop_code)}}", { shop_code: "S2" })).toEqual({ value: undefined, misses: [{ ref: shops, key: "S2", known: false }] });
    expect(run("{{lookup('店铺→客户', shop_code)}}", { shop_code: "S9" })).toEqual({ value: undefined, misses: [{ ref: shops, key: "S9", known: true }] });
    // No key: nothing to look up (a required field then reports itself empty).
    expect(run("{{lookup('店铺→客户', shop_code)}}", {})).toEqual({ value: undefined, misses: [] });
  });

  it("names the scheme, key field and return field it reads", () => {
    expect(templateLookupRefs(parse("{{lookup('A', x, 'name', 'id')}} {{y | erp_lookup('BD_STOCK', 'FName')}}")).map((r) => r.ref)).toEqual([
      { kind: "scheme", scheme: "A", keyField: "name", returnField: "id" },
      { kind: "erp", formId: "BD_STOCK", keyField: "FName", returnField: "FNumber" },
    ]);
  });

  it("refuses a return field other than number or id, and a call without a field", () => {
    expect(parseTemplate("{{lookup('A', x, 'code', 'FName')}}").ok).toBe(false);
    expect(parseTemplate("{{lookup('A')}}").ok).toBe(false);
    expect(parseTemplate("{{x | lookup}}").ok).toBe(false);
    expect(parseTemplate("{{x | erp_lookup('BD_STOCK')}}").ok).toBe(false);
  });
});

describe("erp_lookup", () => {
  it("answers from what was fetched, else reports the key", () => {
    expect(run("{{w | erp_lookup('BD_STOCK', 'FName')}}", { w: "总仓" }).value).toBe("CK001");
    expect(run("{{w | erp_lookup('BD_STOCK', 'FName', 'FNumber')}}", { w: "分仓" }).misses).toEqual([
      { ref: { kind: "erp", formId: "BD_STOCK", keyField: "FName", returnField: "FNumber" }, key: "分仓", known: false },
    ]);
  });
});
