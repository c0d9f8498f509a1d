import { describe, expect, it } from "vitest";
import { catalog, OTHER_GUANYI_CONNECTION, SOURCE_CONNECTION, TARGET_CONNECTION } from "../test/fake-catalog";
import { compileScheme, type SchemeIssue } from "./compile";
import { seedSchemeDefinition, type SchemeDefinition, type SchemeDefinitionInput } from "./scheme";
import { evaluateTemplate } from "./template/evaluate";

const seed = () => seedSchemeDefinition({ sourceConnectionId: SOURCE_CONNECTION, targetConnectionId: TARGET_CONNECTION });

/** The seed with a change applied to a deep copy. */
function variant(change: (d: SchemeDefinition) => void): SchemeDefinition {
  const d = structuredClone(seed());
  change(d);
  return d;
}

const source = (d: SchemeDefinition) => d.nodes[0] as Extract<SchemeDefinition["nodes"][number], { type: "source" }>;
const target = (d: SchemeDefinition) => d.nodes[1] as Extract<SchemeDefinition["nodes"][number], { type: "target" }>;

function issuesOf(def: unknown): SchemeIssue[] {
  const r = compileScheme(def, catalog);
  if (r.ok) throw new Error(`expected issues, got a plan (warnings: ${JSON.stringify(r.warnings)})`);
  return r.issues;
}

function warningsOf(def: unknown): SchemeIssue[] {
  const r = compileScheme(def, catalog);
  if (!r.ok) throw new Error(`expected a plan: ${r.issues.map((i) => i.messageEn).join("; ")}`);
  return r.warnings;
}

const errors = (issues: SchemeIssue[]) => issues.filter((i) => i.severity === "error");

describe("compileScheme: the seed", () => {
  it("compiles to a plan without warnings", () => {
    const r = compileScheme(seed(), catalog);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings).toEqual([]);
    const { plan } = r;
    expect(plan.timezone).toBe("Asia/Shanghai");
    expect(plan.source).toMatchObject({
      nodeId: "source",
      connectionId: SOURCE_CONNECTION,
      platform: "guanyi",
      pageSize: 50,
      idField: "id",
      listKey: "shops",
    });
    expect(plan.source.api.id).toBe("gy.erp.shop.get");
    expect(Object.keys(plan.source.params)).toEqual(["modify_end_date", "page_size", "page_no"]);
    expect(plan.target).toMatchObject({
      nodeId: "target",
      connectionId: TARGET_CONNECTION,
      platform: "kingdee",
      formId: "BD_Customer",
      batchSize: 100,
      mode: "create",
      numberField: "FNumber",
      // The API's defaults overlaid with the node's options.
      options: { IsAutoSubmitAndAudit: true, IsVerifyBaseDataField: false, NumberSearch: true },
    });
    expect(plan.target.api.formId).toBe("BD_Customer");
    expect(Object.keys(plan.target.mapping)).toEqual(["FName", "FNumber", "FCreateOrgId", "FUseOrgId", "FDescription"]);
    const vars = { CURRENT_TIME: new Date(0), LAST_SYNC_TIME: null, PAGINATION_PAGE_SIZE: 50, PAGINATION_START_PAGE: 1 };
    expect(evaluateTemplate(plan.target.mapping.FName!, { record: { name: "店" }, vars })).toBe("店");
  });

  it("accepts a stored definition without the defaulted fields", () => {
    const stored: SchemeDefinitionInput = {
      version: 1,
      nodes: [
        { id: "s", type: "source", position: { x: 0, y: 0 }, config: { connectionId: SOURCE_CONNECTION, platform: "guanyi", api: "gy.erp.shop.get" } },
        {
          id: "t",
          type: "target",
          position: { x: 1, y: 0 },
          config: { connectionId: TARGET_CONNECTION, platform: "kingdee", api: "batchSave", mapping: { FName: "{{name}}", FNumber: "{{code}}", FCreateOrgId: "100" } },
        },
      ],
      edges: [{ id: "e", source: "s", target: "t" }],
    };
    const r = compileScheme(stored, catalog);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.plan.source).toMatchObject({ pageSize: 50, idField: "id", listKey: "shops", params: {} });
      expect(r.plan.target).toMatchObject({ batchSize: 100, mode: "create", formId: "BD_Customer" });
    }
  });

  it("picks the target API by form id", () => {
    const r = compileScheme(variant((d) => (target(d).config.formId = "BD_Supplier")), catalog);
    expect(r.ok && r.plan.target.api.name).toBe("供应商新增");
  });
});

describe("compileScheme: shape", () => {
  it("reports zod errors with their paths, in zh-CN and English", () => {
    const def = variant((d) => {
      source(d).config.pageSize = 0;
      target(d).config.mapping.FName = "x".repeat(2001);
      d.edges[0]!.id = "bad id!";
    });
    const issues = issuesOf(def);
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([
        ["nodes", 0, "config", "pageSize"],
        ["nodes", 1, "config", "mapping", "FName"],
        ["edges", 0, "id"],
      ]),
    );
    const pageSize = issues.find((i) => i.path.join(".") === "nodes.0.config.pageSize");
    expect(pageSize).toMatchObject({ nodeId: "source", severity: "error" });
    expect(pageSize?.message).toContain("节点 “source” 的 config.pageSize");
    expect(pageSize?.messageEn).toContain('Node "source" config.pageSize');
    expect(issues.find((i) => i.path[3] === "mapping")).toMatchObject({ field: "FName", nodeId: "target" });
    expect(issues.find((i) => i.path[0] === "edges")?.message).toContain("字母、数字");
    expect(issues.find((i) => i.path[0] === "edges")?.messageEn).toContain("letters, digits");
  });

  it("reports a definition that is not an object at all", () => {
    const [issue] = issuesOf("nope");
    expect(issue).toMatchObject({ path: [], severity: "error" });
    expect(issuesOf({})).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: ["version"] }), expect.objectContaining({ path: ["nodes"] })]),
    );
  });

  it("still checks the well-formed nodes when another part is malformed", () => {
    const def = variant((d) => {
      d.edges[0]!.id = "";
      target(d).config.connectionId = OTHER_GUANYI_CONNECTION;
      delete target(d).config.mapping.FName;
    });
    const paths = issuesOf(def).map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["edges.0.id", "nodes.1.config.connectionId", "nodes.1.config.mapping.FName"]));
  });

  it("reports an unknown node type and a bad connection id", () => {
    const def = variant((d) => {
      (d.nodes[0] as { type: string }).type = "filter";
      target(d).config.connectionId = "not-a-uuid";
    });
    const paths = issuesOf(def).map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["nodes.0.type", "nodes.1.config.connectionId"]));
  });

  it("reports an invalid timezone", () => {
    const [issue] = issuesOf(variant((d) => (d.timezone = "Asia/Beijing")));
    expect(issue).toMatchObject({ path: ["timezone"] });
    expect(issue?.message).toContain("IANA");
  });

  it("reports an invalid cron expression with what is wrong", () => {
    const [issue] = issuesOf(variant((d) => (d.schedule = { cron: "*/5 25 * * *", enabled: true })));
    expect(issue).toMatchObject({ path: ["schedule", "cron"], severity: "error" });
    expect(issue?.message).toContain("小时");
    expect(issue?.messageEn).toContain("hour");
    expect(compileScheme(variant((d) => (d.schedule = { cron: "*/5 * * * *", enabled: true })), catalog).ok).toBe(true);
  });

  it("bounds the sizes", () => {
    const many = variant((d) => {
      for (let k = 0; k < 201; k++) target(d).config.mapping[`F${k}`] = "x";
    });
    expect(issuesOf(many).some((i) => i.path.join(".") === "nodes.1.config.mapping" && i.message.includes("200"))).toBe(true);
    const nodes = variant((d) => {
      for (let k = 0; k < 50; k++) d.nodes.push({ ...structuredClone(source(d)), id: `s${k}` });
    });
    expect(issuesOf(nodes).some((i) => i.path.join(".") === "nodes")).toBe(true);
  });
});

describe("compileScheme: graph", () => {
  it("reports a missing source", () => {
    const issues = issuesOf(variant((d) => ((d.nodes = [target(d)]), (d.edges = []))));
    expect(errors(issues)).toEqual([expect.objectContaining({ path: ["nodes"], message: expect.stringContaining("没有源节点") })]);
  });

  it("reports a missing target", () => {
    const issues = issuesOf(variant((d) => ((d.nodes = [source(d)]), (d.edges = []))));
    expect(errors(issues)).toEqual([expect.objectContaining({ path: ["nodes"], message: expect.stringContaining("没有目标节点") })]);
  });

  it("reports an empty scheme as missing both", () => {
    expect(errors(issuesOf(variant((d) => ((d.nodes = []), (d.edges = [])))))).toHaveLength(2);
  });

  it("reports a second source and a second target", () => {
    const def = variant((d) => {
      d.nodes.push({ ...structuredClone(source(d)), id: "source2" }, { ...structuredClone(target(d)), id: "target2" });
      d.edges.push({ id: "e2", source: "source2", target: "target2" });
    });
    const issues = errors(issuesOf(def));
    expect(issues).toEqual([
      expect.objectContaining({ path: ["nodes", 2], nodeId: "source2", message: expect.stringContaining("只能有一个源节点") }),
      expect.objectContaining({ path: ["nodes", 3], nodeId: "target2", message: expect.stringContaining("只能有一个目标节点") }),
    ]);
  });

  it("reports a cycle once, naming its nodes", () => {
    const issues = errors(issuesOf(variant((d) => d.edges.push({ id: "back", source: "target", target: "source" }))));
    expect(issues).toEqual([expect.objectContaining({ path: ["edges", 1], message: expect.stringContaining("source → target → source") })]);
    expect(issues[0]?.messageEn).toContain("cycle");
  });

  it("reports an edge from a node to itself as a cycle", () => {
    const issues = errors(issuesOf(variant((d) => d.edges.push({ id: "self", source: "target", target: "target" }))));
    expect(issues).toEqual([expect.objectContaining({ path: ["edges", 1], message: expect.stringContaining("target → target") })]);
  });

  it("reports edges in the wrong direction", () => {
    const issues = errors(issuesOf(variant((d) => (d.edges = [{ id: "e", source: "target", target: "source" }]))));
    // Only one edge, both nodes connected: this is a cycle-free graph flowing the wrong way.
    expect(issues).toEqual([expect.objectContaining({ path: ["edges", 0], message: expect.stringContaining("从目标节点 “target” 出发") })]);
  });

  it("reports an unconnected node", () => {
    const issues = errors(issuesOf(variant((d) => (d.edges = []))));
    expect(issues).toEqual([
      expect.objectContaining({ path: ["nodes", 0], nodeId: "source", message: expect.stringContaining("没有任何连线") }),
      expect.objectContaining({ path: ["nodes", 1], nodeId: "target", message: expect.stringContaining("没有任何连线") }),
    ]);
  });

  it("reports an edge to a node that does not exist", () => {
    const issues = errors(issuesOf(variant((d) => d.edges.push({ id: "e2", source: "source", target: "ghost" }))));
    expect(issues).toEqual([expect.objectContaining({ path: ["edges", 1, "target"], message: expect.stringContaining("“ghost” 不是方案中的节点") })]);
  });

  it("reports duplicate node and edge ids", () => {
    const def = variant((d) => {
      d.nodes.push({ ...structuredClone(target(d)) });
      d.edges.push({ id: "source-target", source: "source", target: "target" });
    });
    const paths = errors(issuesOf(def)).map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["nodes.2.id", "edges.1.id"]));
  });

  it("warns about a duplicate edge", () => {
    const warnings = warningsOf(variant((d) => d.edges.push({ id: "again", source: "source", target: "target" })));
    expect(warnings).toEqual([expect.objectContaining({ path: ["edges", 1], severity: "warning" })]);
  });
});

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

describe("compileScheme: target node", () => {
  it("reports a mapping to a field the target lacks", () => {
    const [issue] = issuesOf(variant((d) => (target(d).config.mapping.FShop = "{{name}}")));
    expect(issue).toMatchObject({ path: ["nodes", 1, "config", "mapping", "FShop"], field: "FShop", nodeId: "target" });
    expect(issue?.message).toContain("没有字段 “FShop”");
  });

  it("reports required fields left unmapped or mapped to nothing", () => {
    const def = variant((d) => {
      delete target(d).config.mapping.FName;
      target(d).config.mapping.FCreateOrgId = "  ";
    });
    const issues = issuesOf(def);
    expect(issues).toEqual([
      expect.objectContaining({ path: ["nodes", 1, "config", "mapping", "FName"], field: "FName", message: expect.stringContaining("必填字段 FName（客户名称）没有映射") }),
      expect.objectContaining({ path: ["nodes", 1, "config", "mapping", "FCreateOrgId"], field: "FCreateOrgId" }),
    ]);
  });

  it("reports template errors in the mapping with their positions, all at once", () => {
    const def = variant((d) => {
      target(d).config.mapping.FName = "{{name";
      target(d).config.mapping.FDescription = "{{note|uper}} {{NOTE}}";
    });
    const issues = issuesOf(def);
    expect(issues.map((i) => [i.field, i.start, i.end])).toEqual([
      ["FName", 0, 2],
      ["FDescription", 7, 11],
      ["FDescription", 16, 20],
    ]);
    expect(issues[0]?.message).toContain("目标字段 FName 的模板有误");
    expect(issues[0]?.messageEn).toContain("not closed");
  });

  it("reports a constant that does not fit the field's type", () => {
    const [issue] = issuesOf(variant((d) => (target(d).config.mapping.FPriority = "high")));
    expect(issue).toMatchObject({ path: ["nodes", 1, "config", "mapping", "FPriority"], field: "FPriority" });
    expect(issue?.message).toContain("需要数字");
    expect(compileScheme(variant((d) => (target(d).config.mapping.FPriority = "3")), catalog).ok).toBe(true);
  });

  it("warns about source paths the source API does not return", () => {
    const def = variant((d) => {
      target(d).config.mapping.FDescription = "{{remark}} / {{name.first}} / {{extra.x}} / {{current_time}}";
    });
    const warnings = warningsOf(def);
    expect(warnings.map((w) => [w.field, w.start, w.end, w.severity])).toEqual([
      ["FDescription", 2, 8, "warning"],
      ["FDescription", 15, 25, "warning"],
      ["FDescription", 46, 58, "warning"],
    ]);
    expect(warnings[0]?.message).toContain("没有 “remark”");
    expect(warnings[1]?.message).toContain("没有下级字段 “first”");
    expect(warnings[2]?.message).toContain("{{CURRENT_TIME}}");
  });

  it("warns when the number field is not mapped", () => {
    const warnings = warningsOf(variant((d) => delete target(d).config.mapping.FNumber));
    expect(warnings).toEqual([expect.objectContaining({ path: ["nodes", 1, "config", "mapping", "FNumber"], field: "FNumber", severity: "warning" })]);
  });

  it("reports unknown options and options of the wrong type", () => {
    const def = variant((d) => {
      target(d).config.options = { IsAutoSubmitAndAudit: "yes", Unknown: true };
    });
    const issues = issuesOf(def);
    expect(issues.map((i) => i.field)).toEqual(["IsAutoSubmitAndAudit", "Unknown"]);
    expect(issues[0]?.message).toContain("应为是/否");
  });

  it("reports a batch size above the API's maximum and an unsupported write mode", () => {
    const limited = { ...catalog, connectors: new Map(catalog.connectors) };
    const kingdee = limited.connectors.get("kingdee")!;
    limited.connectors.set("kingdee", {
      ...kingdee,
      apis: kingdee.apis.map((a) => (a.kind === "target" ? { ...a, writeModes: ["create" as const], batch: { defaultSize: 50, maxSize: 200 } } : a)),
    });
    const r = compileScheme(
      variant((d) => {
        target(d).config.mode = "upsert";
        target(d).config.batchSize = 500;
      }),
      limited,
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path.join("."))).toEqual(["nodes.1.config.mode", "nodes.1.config.batchSize"]);
  });

  it("reports everything at once", () => {
    const def = variant((d) => {
      source(d).config.connectionId = "";
      source(d).config.params.bogus = "1";
      delete target(d).config.mapping.FName;
      target(d).config.mapping.FNope = "{{x";
      d.schedule = null;
      d.nodes.push({ ...structuredClone(target(d)), id: "lonely" });
    });
    const paths = issuesOf(def).map((i) => i.path.join("."));
    expect(paths).toEqual(
      expect.arrayContaining([
        "nodes.2",
        "nodes.0.config.connectionId",
        "nodes.0.config.params.bogus",
        "nodes.1.config.mapping.FName",
        "nodes.1.config.mapping.FNope",
      ]),
    );
  });
});
