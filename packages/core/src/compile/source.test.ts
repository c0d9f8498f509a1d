import { describe, expect, it } from "vitest";
import { issuesOf, source, target, variant, warningsOf } from "../../test/compile-helpers";
import { catalog, SOURCE_CONNECTION, TARGET_CONNECTION } from "../../test/fake-catalog";
import { compileScheme } from ".";

describe("compileScheme: connections and APIs", () => {
  it("reports a node without a connection", () => {
    const [issue] = issuesOf(variant((d) => (source(d).config.connectionId = "")));
    expect(issue).toMatchObject({ path: ["nodes", 0, "config", "connectionId"], nodeId: "source" });
    expect(issue?.message).toContain("还没有选择连接：请选择一个管易云连接");
  });

  it("reports an unknown connection", () => {
    const [issue] = issuesOf(variant((d) => (target(d).config.connectionId = "9e0d0c0b-0a09-4807-8605-040302010000")));
    expect(issue).toMatchObject({ path: ["nodes", 1, "config", "connectionId"], nodeId: "target" });
    expect(issue?.message).toContain("不存在");
  });

  it("reports a connection of another platform", () => {
    const [issue] = issuesOf(variant((d) => (target(d).config.connectionId = SOURCE_CONNECTION)));
    expect(issue).toMatchObject({ path: ["nodes", 1, "config", "connectionId"] });
    expect(issue?.message).toContain("“管易云正式” 属于平台 管易云，而节点的平台是 金蝶云星空");
  });

  it("reports an unknown platform", () => {
    const issues = issuesOf(variant((d) => (source(d).config.platform = "jushuitan")));
    expect(issues.map((i) => i.path.join("."))).toEqual(["nodes.0.config.connectionId", "nodes.0.config.platform"]);
    expect(issues[1]?.message).toContain("guanyi（管易云）");
  });

  it("reports an unknown API with the ones available", () => {
    const [issue] = issuesOf(variant((d) => (source(d).config.api = "gy.erp.shop.list")));
    expect(issue).toMatchObject({ path: ["nodes", 0, "config", "api"] });
    expect(issue?.message).toContain("没有接口 “gy.erp.shop.list”");
    expect(issue?.message).toContain("gy.erp.shop.get（店铺查询）");
  });

  it("reports an API of the wrong kind", () => {
    const def = variant((d) => {
      source(d).config.platform = "kingdee";
      source(d).config.connectionId = TARGET_CONNECTION;
      source(d).config.api = "batchSave";
    });
    const [issue] = issuesOf(def);
    expect(issue).toMatchObject({ path: ["nodes", 0, "config", "api"] });
    expect(issue?.message).toContain("batchSave 不是读取接口");
  });

  it("reports an unknown form", () => {
    const [issue] = issuesOf(variant((d) => (target(d).config.formId = "BD_Material")));
    expect(issue).toMatchObject({ path: ["nodes", 1, "config", "formId"] });
    expect(issue?.message).toContain("BD_Customer、BD_Supplier");
  });
});

describe("compileScheme: source node", () => {
  it("reports request params the API does not declare", () => {
    const [issue] = issuesOf(variant((d) => (source(d).config.params.shop_name = "x")));
    expect(issue).toMatchObject({ path: ["nodes", 0, "config", "params", "shop_name"], field: "shop_name", severity: "error" });
    expect(issue?.message).toContain("没有请求参数 “shop_name”");
  });

  it("reports template errors in params with their positions", () => {
    const [issue] = issuesOf(variant((d) => (source(d).config.params.modify_end_date = "{{CURRENT_TIME datetme}}")));
    expect(issue).toMatchObject({ path: ["nodes", 0, "config", "params", "modify_end_date"], start: 15, end: 22 });
    expect(issue?.message).toContain("请求参数 modify_end_date 的模板有误");
  });

  it("reports params that read the record", () => {
    const [issue] = issuesOf(variant((d) => (source(d).config.params.code = "x{{code}}")));
    expect(issue).toMatchObject({ field: "code", start: 3, end: 7 });
    expect(issue?.message).toContain("不能引用记录字段");
  });

  it("reports a required request parameter left empty", () => {
    const strict = { ...catalog, connectors: new Map(catalog.connectors) };
    const guanyi = strict.connectors.get("guanyi")!;
    strict.connectors.set("guanyi", {
      ...guanyi,
      apis: guanyi.apis.map((a) => (a.kind === "source" ? { ...a, request: a.request.map((f) => (f.key === "modify_end_date" ? { ...f, required: true } : f)) } : a)),
    });
    const r = compileScheme(variant((d) => (source(d).config.params.modify_end_date = "")), strict);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues).toEqual([expect.objectContaining({ path: ["nodes", 0, "config", "params", "modify_end_date"], field: "modify_end_date" })]);
      expect(r.issues[0]?.message).toContain("可填 {{CURRENT_TIME datetime}}");
    }
  });

  it("reports a page size above the API's maximum", () => {
    const [issue] = issuesOf(variant((d) => (source(d).config.pageSize = 500)));
    expect(issue).toMatchObject({ path: ["nodes", 0, "config", "pageSize"] });
    expect(issue?.message).toContain("每页最多 100 条");
  });

  it("warns about an id field or list key the API does not have", () => {
    const warnings = warningsOf(
      variant((d) => {
        source(d).config.idField = "shop_id";
        source(d).config.listKey = "list";
      }),
    );
    expect(warnings.map((w) => w.path.join("."))).toEqual(["nodes.0.config.idField", "nodes.0.config.listKey"]);
  });
});

describe("compileScheme: incremental reads and the time a window filters on", () => {
  // The seed's 店铺查询 with a `date_type` as 管易云 订单查询 has it (only 3, 修改时间, sees edits).
  const withDateType = {
    ...catalog,
    connectors: new Map([
      ...catalog.connectors,
      [
        "guanyi",
        {
          ...catalog.connectors.get("guanyi")!,
          apis: catalog.connectors.get("guanyi")!.apis.map((api) =>
            api.id === "gy.erp.shop.get" && api.kind === "source"
              ? { ...api, request: [...api.request, { key: "date_type", label: "时间类型", labelEn: "Date type", type: "integer" as const, incrementalValues: ["3"], incrementalDefault: false }] }
              : api,
          ),
        },
      ],
    ]),
  };
  const warnings = (dateType: string | undefined, fromCursor = true) => {
    const r = compileScheme(
      variant((d) => {
        if (dateType !== undefined) source(d).config.params.date_type = dateType;
        if (fromCursor) source(d).config.params.modify_start_date = "{{LAST_SYNC_TIME datetime}}";
        else delete source(d).config.params.modify_start_date;
      }),
      withDateType,
    );
    if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("; "));
    return r.warnings.filter((w) => w.field === "date_type");
  };

  it("warns when a read from the cursor filters on a time edits do not move, or leaves it to the platform's default", () => {
    expect(warnings("0")).toEqual([expect.objectContaining({ path: ["nodes", 0, "config", "params", "date_type"], message: expect.stringContaining("永久漏掉") })]);
    expect(warnings(undefined)[0]?.message).toContain("未填写");
    expect(warnings("3")).toEqual([]);
  });

  it("does not warn a read that does not start at the cursor", () => {
    expect(warnings("0", false)).toEqual([]);
  });
});
