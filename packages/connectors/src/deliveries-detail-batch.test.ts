// Session 27's audit of documents with detail rows: guanyi-documents.md lists `detail_batch` among a 发货单 detail's
// fields (§ gy.erp.trade.deliverys.get, last row of the field table), and 批号 (FLot) is the 销售出库单
// row field it belongs in (required for 批号管理 materials, kingdee-documents.md). A row template
// reading a field the list does not document is a save-time *error* (core compile/paths.ts
// checkRowPaths, strict), and the connector's detail fields (guanyi/deliveries-meta.ts DETAIL_FIELDS)
// left `detail_batch` out: such a scheme could not be saved at all.
import { compileScheme, DEMO_SCHEMES, DEMO_NAMES, type SchemeDefinition, type SchemeCatalog } from "@qiao/core";
import { describe, expect, it } from "vitest";
import { connectors } from "./index";

const SOURCE = "0b6f6a3e-2c1d-4a5b-9c8d-7e6f5a4b3c2d";
const TARGET = "1c7a7b4f-3d2e-4b6c-8d9e-8f7a6b5c4d3e";
const catalog: SchemeCatalog = {
  connections: new Map([
    [SOURCE, { platform: "guanyi" }],
    [TARGET, { platform: "kingdee" }],
  ]),
  connectors: new Map(Object.values(connectors).map((c) => [c.meta.platform, c.meta])),
};

describe("a 发货单 detail's documented fields can be mapped into rows", () => {
  it("FLot ← {{detail_batch}} compiles without errors", () => {
    const demo = DEMO_SCHEMES.find((d) => d.name === DEMO_NAMES.deliveries)!;
    const definition: SchemeDefinition = demo.definition({ sourceConnectionId: SOURCE, targetConnectionId: TARGET });
    const target = definition.nodes.find((n) => n.type === "target")!;
    if (target.type !== "target") throw new Error("no target");
    target.config.entries.FEntity!.mapping.FLot = "{{detail_batch}}";
    const result = compileScheme(definition, catalog);
    // Before: "nodes.1.config.entries.FEntity.mapping.FLot: An item of the source list details has no field "detail_batch" …"
    expect(result.ok ? [] : result.issues.map((i) => `${i.path.join(".")}: ${i.messageEn}`)).toEqual([]);
  });
});
