import { describe, expect, it } from "vitest";
import { parseTemplate } from "../template/parse";
import { templateLookupRefs, templateMapRefs } from "../template/evaluate";
import { renameInDefinition, renameInTemplate } from "./rename-references";

describe("renameInTemplate", () => {
  it("rewrites the scheme a lookup names, in the filter and in the call form, and nothing else", () => {
    const source = "客户 {{ shop_code | lookup('店铺→客户', 'code') }} / {{lookup(\"店铺→客户\", shop_code, 'id')}} {{ x | lookup('其他', 'code') }} 店铺→客户";
    const out = renameInTemplate(source, "scheme", "店铺→客户", "店铺同步");
    expect(out).toBe("客户 {{ shop_code | lookup('店铺同步', 'code') }} / {{lookup('店铺同步', shop_code, 'id')}} {{ x | lookup('其他', 'code') }} 店铺→客户");
    const parsed = parseTemplate(out);
    expect(parsed.ok && templateLookupRefs(parsed.template).map((r) => (r.ref.kind === "scheme" ? r.ref.scheme : ""))).toEqual(["店铺同步", "店铺同步", "其他"]);
  });

  it("quotes a name with quotes and backslashes so that it parses back to itself", () => {
    const to = "O'Brien \\ 店";
    const out = renameInTemplate("{{ a | map('旧') }}", "valueMap", "旧", to);
    const parsed = parseTemplate(out);
    expect(parsed.ok && templateMapRefs(parsed.template).map((r) => r.name)).toEqual([to]);
  });

  it("leaves a map of the same name alone when a scheme is renamed, and the reverse", () => {
    const source = "{{ a | map('仓库') }}{{ b | lookup('仓库', 'code') }}";
    expect(renameInTemplate(source, "scheme", "仓库", "X")).toBe("{{ a | map('仓库') }}{{ b | lookup('X', 'code') }}");
    expect(renameInTemplate(source, "valueMap", "仓库", "X")).toBe("{{ a | map('X') }}{{ b | lookup('仓库', 'code') }}");
  });

  it("returns the template unchanged when it does not parse", () => {
    expect(renameInTemplate("{{ a | lookup('旧', ", "scheme", "旧", "新")).toBe("{{ a | lookup('旧', ");
  });
});

describe("renameInDefinition", () => {
  const definition = {
    version: 1,
    timezone: "Asia/Shanghai",
    nodes: [
      { id: "s", type: "source", position: { x: 0, y: 0 }, config: { platform: "guanyi", api: "shops", connectionId: "00000000-0000-4000-8000-000000000001", params: {} } },
      { id: "f", type: "filter", position: { x: 0, y: 0 }, config: { rules: [{ field: "{{ a | map('仓库') }}", op: "eq", value: "1" }] } },
      {
        id: "t",
        type: "target",
        position: { x: 0, y: 0 },
        config: {
          platform: "kingdee",
          api: "bill_save",
          connectionId: "00000000-0000-4000-8000-000000000002",
          mapping: { FCustId: "{{ shop | lookup('店铺→客户', 'code') }}", FName: "{{ name }}" },
          entries: { FEntity: { from: "details", filter: "", mapping: { FStock: "{{ w | map('仓库') }}", FMaterial: "{{ i | lookup('物料', 'code') }}" } } },
        },
      },
    ],
    edges: [],
  };

  it("rewrites every template that names the scheme and keeps the rest of the JSON as stored", () => {
    const out = renameInDefinition(definition, "scheme", "店铺→客户", "店铺同步") as typeof definition;
    expect(out).toBeDefined();
    expect(out.nodes[2]?.config.mapping).toEqual({ FCustId: "{{ shop | lookup('店铺同步', 'code') }}", FName: "{{ name }}" });
    expect(JSON.stringify({ ...out, nodes: [] })).toBe(JSON.stringify({ ...definition, nodes: [] }));
    expect(definition.nodes[2]?.config.mapping?.FCustId).toContain("店铺→客户");
  });

  it("rewrites a value map in filter rules and entry rows", () => {
    const out = renameInDefinition(definition, "valueMap", "仓库", "仓库对照") as typeof definition;
    expect(out.nodes[1]?.config.rules?.[0]?.field).toBe("{{ a | map('仓库对照') }}");
    expect(out.nodes[2]?.config.entries?.FEntity.mapping.FStock).toBe("{{ w | map('仓库对照') }}");
  });

  it("is undefined when nothing names it, or the JSON is not a definition", () => {
    expect(renameInDefinition(definition, "scheme", "不存在", "X")).toBeUndefined();
    expect(renameInDefinition({ nodes: "no" }, "scheme", "店铺→客户", "X")).toBeUndefined();
  });
});
