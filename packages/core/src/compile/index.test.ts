import { describe, expect, it } from "vitest";
import { issuesOf, seed, source, target, variant } from "../../test/compile-helpers";
import { catalog, OTHER_GUANYI_CONNECTION, SOURCE_CONNECTION, TARGET_CONNECTION } from "../../test/fake-catalog";
import { compileScheme } from ".";
import type { SchemeDefinitionInput } from "../scheme";
import { evaluateTemplate } from "../template/evaluate";

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
      (d.nodes[0] as { type: string }).type = "lookup";
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
