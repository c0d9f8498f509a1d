import { describe, expect, it } from "vitest";
import { issuesOf, source, target, variant, warningsOf } from "../../test/compile-helpers";
import { catalog } from "../../test/fake-catalog";
import { compileScheme } from ".";

describe("compileScheme: target node", () => {
  it("writes the form the node names, else its API's first, and reports a form the API lacks", () => {
    const formOf = (formId: string | undefined) => {
      const r = compileScheme(variant((d) => (target(d).config.formId = formId)), catalog);
      return r.ok ? r.plan.target.formId : r.issues;
    };
    expect(formOf("BD_Supplier")).toBe("BD_Supplier");
    expect(formOf(undefined)).toBe("BD_Customer");
    expect(issuesOf(variant((d) => (target(d).config.formId = "BD_MATERIAL")))).toContainEqual(
      expect.objectContaining({ path: ["nodes", 1, "config", "formId"], message: expect.stringContaining("没有表单 “BD_MATERIAL”：可用的表单有 BD_Customer、BD_Supplier") }),
    );
  });

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

  it("refuses upsert without the number field: it finds what it wrote by it (else each change creates another)", () => {
    const issues = issuesOf(
      variant((d) => {
        delete target(d).config.mapping.FNumber;
        target(d).config.mode = "upsert";
      }),
    );
    expect(issues).toEqual([
      expect.objectContaining({
        path: ["nodes", 1, "config", "mapping", "FNumber"],
        field: "FNumber",
        message: expect.stringContaining("写入方式为“新增或更新”时必须映射编码字段 FNumber"),
      }),
    ]);
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
