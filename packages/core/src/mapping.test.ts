import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { catalog, customerApi, SOURCE_CONNECTION, TARGET_CONNECTION, vars } from "../test/fake-catalog";
import { compileScheme, type RunPlan } from "./compile";
import type { FieldMeta } from "./connector-meta";
import { mapRecord } from "./map-record";
import { coerceToField, resolveParams, stableStringify } from "./mapping";
import type { SchemeDefinition } from "./scheme";
import { seedSchemeDefinition } from "./seeds";

function planOf(change: (d: SchemeDefinition) => void = () => {}, within = catalog): RunPlan {
  const d = structuredClone(seedSchemeDefinition({ sourceConnectionId: SOURCE_CONNECTION, targetConnectionId: TARGET_CONNECTION }));
  change(d);
  const r = compileScheme(d, within);
  if (!r.ok) throw new Error(r.issues.map((i) => i.messageEn).join("; "));
  return r.plan;
}

const withMapping = (mapping: Record<string, string>) =>
  planOf((d) => {
    const target = d.nodes[1];
    if (target?.type === "target") target.config.mapping = { FName: "{{name}}", FCreateOrgId: "100", FNumber: "{{code}}", ...mapping };
  });

const shop = {
  id: 710944505983,
  nick: "tm",
  code: "SHOP001",
  name: "天猫旗舰店",
  create_date: "2024-03-01 08:05:09",
  modify_date: "2026-11-28 10:00:00",
  note: "",
  type_name: "天猫",
};

describe("mapRecord", () => {
  it("maps a shop with the seed scheme", () => {
    const plan = planOf();
    expect(mapRecord(plan.target, shop, vars, plan.timezone)).toEqual({
      payload: { FName: "天猫旗舰店", FNumber: "SHOP001", FCreateOrgId: "100", FUseOrgId: "100", FDescription: "" },
      errors: [],
      waits: [],
      unresolved: [],
    });
    expect(mapRecord(plan.target, { ...shop, note: "备注" }, vars, plan.timezone).payload.FDescription).toBe("备注");
  });

  it("leaves out fields whose value is missing or null", () => {
    const plan = planOf();
    const { payload, errors } = mapRecord(plan.target, { name: "店", code: "S", note: null }, vars, plan.timezone);
    expect(payload).toEqual({ FName: "店", FNumber: "S", FCreateOrgId: "100", FUseOrgId: "100" });
    expect(errors).toEqual([]);
  });

  it("reports a required field that comes out empty", () => {
    const plan = planOf();
    for (const name of [undefined, null, "", "   "]) {
      const { payload, errors } = mapRecord(plan.target, { ...shop, name }, vars, plan.timezone);
      expect(payload.FName).toBeUndefined();
      expect(errors).toEqual([
        { field: "FName", message: expect.stringContaining("必填字段 FName（客户名称）为空：模板 {{name}}"), messageEn: expect.stringContaining("Required field FName") },
      ]);
    }
  });

  it("coerces losslessly to the field's type", () => {
    const plan = withMapping({
      FNumber: "{{id}}",
      FPriority: "{{p}}",
      FCreditAmount: "{{amount}}",
      FIsTrade: "{{trade}}",
      FOpenDate: "{{opened}}",
      FExtra: "{{extra}}",
      FTags: "{{tags}}",
      FDescription: "{{n}}",
    });
    const record = { name: "店", id: 710944505983, p: "3", amount: "12.50", trade: "true", opened: 1795861805, extra: '{"a":1}', tags: "[1,2]", n: 7 };
    expect(mapRecord(plan.target, record, vars, plan.timezone)).toEqual({
      payload: {
        FName: "店",
        FNumber: "710944505983",
        FCreateOrgId: "100",
        FPriority: 3,
        FCreditAmount: 12.5,
        FIsTrade: true,
        FOpenDate: "2026-11-28 18:30:05",
        FExtra: { a: 1 },
        FTags: [1, 2],
        FDescription: "7",
      },
      errors: [],
      waits: [],
      unresolved: [],
    });
  });

  it("keeps constants as the type of the field: 100 for an integer, \"100\" for base data", () => {
    const plan = withMapping({ FPriority: "100", FUseOrgId: "100" });
    expect(mapRecord(plan.target, shop, vars, plan.timezone).payload).toMatchObject({ FPriority: 100, FUseOrgId: "100", FCreateOrgId: "100" });
  });

  it("reports values that cannot be coerced, per field, and maps the rest", () => {
    const plan = withMapping({ FPriority: "{{p}}", FIsTrade: "{{t}}", FDescription: "{{obj}}", FExtra: "{{s}}" });
    const { payload, errors } = mapRecord(plan.target, { name: "店", code: "S", p: "1.5", t: "maybe", obj: { a: 1 }, s: "x" }, vars, plan.timezone);
    expect(payload).toEqual({ FName: "店", FNumber: "S", FCreateOrgId: "100" });
    expect(errors.map((e) => e.field)).toEqual(["FPriority", "FIsTrade", "FDescription", "FExtra"]);
    expect(errors[0]?.message).toContain("需要整数，得到 “1.5”");
    expect(errors[2]?.message).toContain("|json");
  });

  it("formats times in the plan's timezone", () => {
    const plan = withMapping({ FDescription: "同步于 {{CURRENT_TIME datetime}}" });
    expect(mapRecord(plan.target, shop, vars, "Asia/Shanghai").payload.FDescription).toBe("同步于 2026-11-28 18:30:00");
    expect(mapRecord(plan.target, shop, vars, "UTC").payload.FDescription).toBe("同步于 2026-11-28 10:30:00");
  });

  it("describes a value JSON and String both refuse (a bigint inside an object without a prototype)", () => {
    const plan = withMapping({ FPriority: "{{p}}" });
    const p = Object.assign(Object.create(null) as Record<string, unknown>, { "": 0n });
    const { errors } = mapRecord(plan.target, { p }, vars, plan.timezone);
    expect(errors.find((e) => e.field === "FPriority")?.message).toContain("[object Object]");
  });

  it("never throws on arbitrary records", () => {
    const plan = withMapping({ FPriority: "{{p}}", FIsTrade: "{{t|default(0)}}", FOpenDate: "{{d|datetime}}", FExtra: "{{e}}", FTags: "{{a|split}}" });
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withNullPrototype: true }), (record) => {
        const { errors } = mapRecord(plan.target, record, vars, plan.timezone);
        expect(Array.isArray(errors)).toBe(true);
      }),
    );
  });
});

describe("coerceToField", () => {
  const field = (type: FieldMeta["type"], extra: Partial<FieldMeta> = {}): FieldMeta => ({ key: "F", label: "字段", labelEn: "Field", type, ...extra });

  it.each([
    ["integer", "42", 42],
    ["integer", " -7 ", -7],
    ["integer", 5, 5],
    ["number", "1e3", 1000],
    ["number", 0.5, 0.5],
    ["boolean", "FALSE", false],
    ["boolean", "1", true],
    ["boolean", 0, false],
    ["string", true, "true"],
    ["datetime", "2026-01-01", "2026-01-01"],
    ["datetime", new Date("2026-01-01T00:00:00Z"), "2026-01-01 08:00:00"],
    ["array", [1], [1]],
    ["object", { a: 1 }, { a: 1 }],
  ] as const)("%s ← %j", (type, value, expected) => {
    expect(coerceToField(value, field(type), "Asia/Shanghai")).toEqual({ ok: true, value: expected });
  });

  it.each([
    ["integer", "1.5"],
    ["integer", "0x10"],
    ["integer", true],
    ["integer", 2 ** 60],
    ["number", "abc"],
    ["number", Infinity],
    ["boolean", "yes"],
    ["string", { a: 1 }],
    ["string", [1]],
    ["datetime", true],
    ["object", "[1]"],
    ["object", "{bad"],
    ["array", "x"],
  ] as const)("%s ✗ %j", (type, value) => {
    const r = coerceToField(value, field(type));
    expect(r.ok).toBe(false);
  });

  it("writes a BigInt as text", () => {
    expect(coerceToField(10n, field("string"))).toEqual({ ok: true, value: "10" });
  });

  it("lets an already wrapped base-data reference through", () => {
    expect(coerceToField({ FNumber: "100" }, field("string", { baseData: true }))).toEqual({ ok: true, value: { FNumber: "100" } });
  });

  it("agrees with the fake Kingdee fields", () => {
    const fName = customerApi.fields.find((f) => f.key === "FCreateOrgId") as FieldMeta;
    expect(coerceToField(100, fName)).toEqual({ ok: true, value: "100" });
  });
});

describe("resolveParams", () => {
  it("evaluates the seed's request parameters", () => {
    const plan = planOf();
    expect(resolveParams(plan.source, vars)).toEqual({ modify_end_date: "2026-11-28 18:30:00", page_size: 50, page_no: 1 });
  });

  it("leaves out parameters that come out empty", () => {
    const plan = planOf((d) => {
      const source = d.nodes[0];
      if (source?.type === "source") {
        Object.assign(source.config.params, { modify_start_date: "{{LAST_SYNC_TIME datetime}}", code: "" });
      }
    });
    expect(resolveParams(plan.source, vars)).toEqual({ modify_end_date: "2026-11-28 18:30:00", page_size: 50, page_no: 1 });
    const cursor = { ...vars, LAST_SYNC_TIME: new Date("2026-11-28T02:00:00Z") };
    expect(resolveParams(plan.source, cursor)).toMatchObject({ modify_start_date: "2026-11-28 10:00:00" });
  });

  it("writes datetimes in the source platform's timezone (管易云: Beijing time), not the scheme's", () => {
    for (const timezone of ["Asia/Tokyo", "Europe/London", "America/New_York"]) {
      const plan = planOf((d) => {
        d.timezone = timezone;
        const source = d.nodes[0];
        if (source?.type === "source") source.config.params.modify_start_date = "{{LAST_SYNC_TIME datetime}}";
      });
      expect(plan.timezone).toBe(timezone);
      expect(plan.source.timezone).toBe("Asia/Shanghai");
      const cursor = { ...vars, LAST_SYNC_TIME: new Date("2026-11-28T02:00:00Z") };
      expect(resolveParams(plan.source, cursor)).toMatchObject({ modify_start_date: "2026-11-28 10:00:00", modify_end_date: "2026-11-28 18:30:00" });
    }
  });

  it("a platform without a wire timezone gets the scheme's", () => {
    const plan = planOf((d) => (d.timezone = "Asia/Tokyo"), { ...catalog, connectors: new Map([...catalog.connectors].map(([k, m]) => [k, { ...m, wireTimezone: undefined }])) });
    expect(plan.source.timezone).toBe("Asia/Tokyo");
    expect(resolveParams(plan.source, vars)).toMatchObject({ modify_end_date: "2026-11-28 19:30:00" });
  });
});

describe("stableStringify", () => {
  it("sorts keys at every level", () => {
    expect(stableStringify({ b: 1, a: { d: [{ y: 1, x: 2 }], c: "s" } })).toBe('{"a":{"c":"s","d":[{"x":2,"y":1}]},"b":1}');
  });

  it("follows JSON's rules for the rest", () => {
    expect(stableStringify({ u: undefined, f: () => 1, n: null, nan: Number.NaN, d: new Date(0), arr: [undefined, 1] })).toBe(
      '{"arr":[null,1],"d":"1970-01-01T00:00:00.000Z","n":null,"nan":null}',
    );
    expect(stableStringify("中文\n")).toBe(JSON.stringify("中文\n"));
    expect(stableStringify(undefined)).toBe("null");
    expect(stableStringify(12n)).toBe("12");
  });

  it("writes flat records (the fast path) exactly as nested ones are written", () => {
    const primitive = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined));
    fc.assert(
      fc.property(fc.dictionary(fc.string(), primitive), (flat) => {
        // Nesting it one level down takes the general path for the outer object and the fast one inside.
        const nested = stableStringify({ v: flat });
        expect(nested).toBe(`{"v":${stableStringify(flat)}}`);
        expect(JSON.parse(stableStringify(flat))).toEqual(JSON.parse(JSON.stringify(flat)));
      }),
    );
    expect(stableStringify({ b: 1, a: "x", c: undefined, d: Number.NaN })).toBe('{"a":"x","b":1,"d":null}');
  });

  it("refuses cycles", () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => stableStringify(a)).toThrow(/cycle/);
    const shared = { x: 1 };
    expect(stableStringify({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it("is the same whatever order keys were built in, and parses back to the same value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const shuffled = JSON.parse(JSON.stringify(value), (_k, v: unknown) =>
          v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
        ) as unknown;
        expect(stableStringify(shuffled)).toBe(stableStringify(value));
        expect(JSON.parse(stableStringify(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});
