// A lone UTF-16 surrogate ("\ud800") in a scheme definition is a 400 naming where, nothing created.
// Until session 35 (its audit) it passed readJson (which refused only U+0000) and
// schemeDefinitionSchema, and Postgres refused it in the jsonb `definition` column (22P02 "Unicode
// low surrogate must follow a high surrogate"): POST /api/schemes and POST /api/schemes/import
// answered 500 `internal`, with no field named.
import { seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
let ids: { sourceConnectionId: string; targetConnectionId: string };
const LONE = "\ud800";

beforeAll(async () => {
  bed = await openRouteBed("schemelonesurrogate");
  const conn = (platform: string, name: string) =>
    bed.prisma.connection.create({ data: { platform, name, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" } });
  ids = { sourceConnectionId: (await conn("guanyi", "管易云")).id, targetConnectionId: (await conn("kingdee", "金蝶")).id };
}, 120_000);
afterAll(() => bed?.close());

/** The seed definition whose target's FDescription is `template`. */
function withDescription(template: string): SchemeDefinition {
  const seed = seedSchemeDefinition(ids);
  return { ...seed, nodes: seed.nodes.map((n) => (n.type === "target" ? { ...n, config: { ...n.config, mapping: { ...n.config.mapping, FDescription: template } } } : n)) };
}

describe("a lone surrogate in a scheme", { timeout: 60_000 }, () => {
  it("POST /api/schemes with a lone surrogate in a mapping template is a 400, not a 500", async () => {
    const { POST } = await import("./route");
    const answer = await bed.call(POST, "/api/schemes", { body: { name: "店铺→客户", definition: withDescription(`备注${LONE}`) } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.error?.code).toBe("validation_failed");
    expect(await bed.prisma.scheme.count()).toBe(0);
  });

  it("POST /api/schemes/import whose value map holds a lone surrogate is a 400, not a 500, and creates nothing", async () => {
    const { POST } = await import("./import/route");
    const file = {
      format: "qiao.scheme/v1",
      exportedAt: new Date().toISOString(),
      name: "导入的方案",
      description: "",
      definition: withDescription("{{id | map('甲')}}{{id | map('乙')}}"),
      connections: [
        { id: ids.sourceConnectionId, platform: "guanyi", name: "管易云" },
        { id: ids.targetConnectionId, platform: "kingdee", name: "金蝶" },
      ],
      valueMaps: [
        { name: "甲", entries: [{ source: "a", target: "b" }] },
        { name: "乙", entries: [{ source: `c${LONE}`, target: "d" }] },
      ],
    };
    const answer = await bed.call(POST, "/api/schemes/import", { body: file });
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(await bed.prisma.valueMap.count()).toBe(0);
    expect(await bed.prisma.scheme.count()).toBe(0);
  });
});
