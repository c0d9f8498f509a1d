import { describe, expect, it } from "vitest";
import { schemeDefinitionSchema } from "./scheme";
import { seedSchemeDefinition } from "./seeds";

const ids = { sourceConnectionId: "0b6f6a3e-2c1d-4a5b-9c8d-7e6f5a4b3c2d", targetConnectionId: "1c7a7b4f-3d2e-4b6c-8d9e-8f7a6b5c4d3e" };

describe("schemeDefinitionSchema", () => {
  it("accepts the seed as it is", () => {
    const seed = seedSchemeDefinition(ids);
    expect(schemeDefinitionSchema.parse(seed)).toEqual(seed);
  });

  it("builds the seed scheme of DESIGN.md", () => {
    const seed = seedSchemeDefinition(ids);
    expect(seed.nodes.map((n) => [n.id, n.type, ...(n.type === "filter" ? [] : [n.config.platform, n.config.api, n.config.connectionId])])).toEqual([
      ["source", "source", "guanyi", "gy.erp.shop.get", ids.sourceConnectionId],
      ["target", "target", "kingdee", "batchSave", ids.targetConnectionId],
    ]);
    expect(seed.nodes[0]?.position.x).toBeLessThan(seed.nodes[1]?.position.x ?? 0);
    expect(seed.nodes[0]?.config).toMatchObject({
      params: { modify_end_date: "{{CURRENT_TIME datetime}}", page_size: "{{PAGINATION_PAGE_SIZE}}", page_no: "{{PAGINATION_START_PAGE}}" },
      pageSize: 50,
      idField: "id",
      listKey: "shops",
    });
    expect(seed.nodes[1]?.config).toMatchObject({
      formId: "BD_Customer",
      options: { IsAutoSubmitAndAudit: true, IsVerifyBaseDataField: false },
      batchSize: 100,
      mode: "create",
      mapping: { FName: "{{name}}", FNumber: "{{code}}", FCreateOrgId: "100", FUseOrgId: "100", FDescription: "{{note}}" },
    });
    expect(seed.edges).toEqual([{ id: "source-target", source: "source", target: "target" }]);
    expect(seed).toMatchObject({ version: 1, timezone: "Asia/Shanghai", schedule: null });
  });

  it("fills in the defaults", () => {
    const parsed = schemeDefinitionSchema.parse({
      version: 1,
      nodes: [
        { id: "s", type: "source", position: { x: 0, y: 0 }, config: { connectionId: "", platform: "", api: "" } },
        { id: "t", type: "target", position: { x: 0, y: 0 }, config: { connectionId: "", platform: "", api: "" } },
      ],
      edges: [],
    });
    expect(parsed.timezone).toBe("Asia/Shanghai");
    expect(parsed.schedule).toBeNull();
    expect(parsed.nodes[0]?.config).toEqual({ connectionId: "", platform: "", api: "", params: {}, pageSize: 50 });
    expect(parsed.nodes[1]?.config).toEqual({ connectionId: "", platform: "", api: "", options: {}, batchSize: 100, mode: "create", mapping: {}, entries: {}, audit: "withSave" });
  });

  it("rejects what is out of bounds", () => {
    const seed = seedSchemeDefinition(ids);
    const bad = (change: (d: typeof seed) => void) => {
      const d = structuredClone(seed);
      change(d);
      return schemeDefinitionSchema.safeParse(d).success;
    };
    expect(bad((d) => ((d as { version: number }).version = 2))).toBe(false);
    expect(bad((d) => (d.nodes[0]!.id = "x".repeat(65)))).toBe(false);
    expect(bad((d) => (d.nodes[0]!.id = "节点"))).toBe(false);
    expect(bad((d) => (d.edges[0]!.source = "a b"))).toBe(false);
    expect(bad((d) => ((d.nodes[0]!.config as { pageSize: number }).pageSize = 1.5))).toBe(false);
    expect(bad((d) => ((d.nodes[1]!.config as { batchSize: number }).batchSize = 1001))).toBe(false);
    expect(bad((d) => ((d.nodes[0]!.config as { connectionId: string }).connectionId = "123"))).toBe(false);
    expect(bad((d) => (d.timezone = "GMT+8"))).toBe(false);
    expect(bad((d) => (d.timezone = "Europe/Paris"))).toBe(true);
    expect(bad((d) => (d.schedule = { cron: "0 2 * * *", enabled: false }))).toBe(true);
    expect(bad((d) => (d.schedule = { cron: "every day", enabled: false }))).toBe(false);
    expect(bad((d) => ((d.nodes[1]!.config as { mapping: Record<string, string> }).mapping.FName = "x".repeat(2001)))).toBe(false);
    expect(bad((d) => ((d.nodes[1]!.config as { options: Record<string, unknown> }).options.x = { a: 1 }))).toBe(false);
  });
});
