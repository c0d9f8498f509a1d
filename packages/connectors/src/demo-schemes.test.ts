// The demo schemes the seed creates compile, without errors or warnings, against the real connector
// metadata: a renamed field in a form or an API would otherwise surface only in the browser.
import { compileScheme, DEMO_NAMES, DEMO_SCHEMES, type SchemeCatalog, type SchemeDefinition } from "@qiao/core";
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

describe("demo schemes", () => {
  for (const demo of DEMO_SCHEMES) {
    it(`${demo.name} compiles cleanly against the connectors' metadata`, () => {
      const result = compileScheme(demo.definition({ sourceConnectionId: SOURCE, targetConnectionId: TARGET }), catalog);
      expect(result.ok ? [] : result.issues.map((i) => `${i.path.join(".")}: ${i.messageEn}`)).toEqual([]);
      expect(result.ok && result.warnings.map((i) => `${i.path.join(".")}: ${i.messageEn}`)).toEqual([]);
    });
  }

  it("the outstock demo makes rows from details and names its bills by the delivery code", () => {
    const result = compileScheme(DEMO_SCHEMES[2]!.definition({ sourceConnectionId: SOURCE, targetConnectionId: TARGET }), catalog);
    if (!result.ok) throw new Error("does not compile");
    expect(result.plan.target.numberField).toBe("FBillNo");
    expect(result.plan.target.entries.map((e) => [e.key, e.from])).toEqual([["FEntity", ["details"]]]);
  });

  // guanyi-documents.md lists `detail_batch` among a 发货单 detail's fields, and 批号 (FLot) is the row
  // field it belongs in (批号管理 materials). A row template naming a field the list leaves out is a
  // save error: the connector's detail fields left it out (session 27's audit of document bills).
  it("the outstock demo with FLot ← {{detail_batch}} compiles without errors", () => {
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
