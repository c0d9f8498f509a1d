// A write of a scheme that races the scheme's deletion (two tabs, or two people: one renames, saves,
// sets the reconciliation schedule, clicks 立即运行 / 立即对账 / 测试, or names it in an alert rule; the
// other deletes) answers a clear refusal: the scheme's 404 (集成方案不存在或已被删除), or the rule's 400
// at schemeId. Session 33's audit found each a 500: the route read the scheme, then wrote in a later
// statement whose row (UPDATE … WHERE id, or the new row's foreign key) was gone by then, and Prisma's
// P2025 / P2003 reached errorResponse. The repositories now say SchemeGoneError.
import { seedSchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { racingDelete } from "@/server/testing/racing-commit";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("schemedeletedmeanwhile");
}, 120_000);
afterAll(() => bed?.close());

const scheme = (name: string) => bed.prisma.scheme.create({ data: { name, definition: { nodes: [], edges: [] } } });

describe("PATCH /api/schemes/:id racing DELETE", { timeout: 60_000 }, () => {
  it("a rename whose scheme is deleted meanwhile is a 404, not a 500", async () => {
    const s = await scheme("店铺→客户（改名）");
    const { PATCH } = await import("./route");
    const res = await racingDelete("schemes", s.id, () =>
      bed.call(PATCH, `/api/schemes/${s.id}`, { method: "PATCH", body: { name: "店铺→客户（新名）" }, params: { id: s.id } }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(404);
    expect(res.body.error?.code).toBe("not_found");
  });

  it("a definition save whose scheme is deleted meanwhile is a 404, not a 500", async () => {
    const conn = (platform: string, name: string) =>
      bed.prisma.connection.create({ data: { platform, name, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" } });
    const source = await conn("guanyi", "管易云（删除竞争）");
    const target = await conn("kingdee", "金蝶（删除竞争）");
    const definition = seedSchemeDefinition({ sourceConnectionId: source.id, targetConnectionId: target.id });
    const s = await bed.prisma.scheme.create({ data: { name: "店铺→客户（保存）", definition: definition as object } });
    const { PATCH } = await import("./route");
    const res = await racingDelete("schemes", s.id, () =>
      bed.call(PATCH, `/api/schemes/${s.id}`, { method: "PATCH", body: { definition }, params: { id: s.id } }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(404);
    expect(res.body.error?.code).toBe("not_found");
  });
});

describe("other writes of a scheme racing its DELETE", { timeout: 60_000 }, () => {
  it("PUT /api/schemes/:id/reconcile-settings whose scheme is deleted meanwhile is a 404, not a 500", async () => {
    const s = await scheme("对账设置（删除竞争）");
    const { PUT } = await import("./reconcile-settings/route");
    const res = await racingDelete("schemes", s.id, () =>
      bed.call(PUT, `/api/schemes/${s.id}/reconcile-settings`, { method: "PUT", body: { cron: "0 3 * * *", filter: null }, params: { id: s.id } }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(404);
    expect(res.body.error?.code).toBe("not_found");
  });

  it("POST runs (立即运行), reconciliations (立即对账) and test (测试) whose scheme is deleted meanwhile are 404s, not 500s", async () => {
    const routes = [
      ["runs", (await import("./runs/route")).POST, {}],
      ["reconciliations", (await import("./reconciliations/route")).POST, {}],
      ["test", (await import("./test/route")).POST, { waitMs: 0 }],
    ] as const;
    for (const [path, POST, body] of routes) {
      const s = await scheme(`${path}（删除竞争）`);
      const res = await racingDelete("schemes", s.id, () => bed.call(POST, `/api/schemes/${s.id}/${path}`, { body, params: { id: s.id } }));
      expect(res.status, `${path} ${JSON.stringify(res.body)}`).toBe(404);
      expect(res.body.error?.code).toBe("not_found");
    }
  });

  it("POST /api/alert-rules naming a scheme deleted meanwhile is a 400 at schemeId, not a 500", async () => {
    const s = await scheme("告警规则（删除竞争）");
    const channel = await bed.db.createAlertChannel(bed.prisma, { kind: "webhook", name: "运维群", settings: {}, secrets: { url: "https://example.invalid/hook" } });
    const { POST } = await import("../../alert-rules/route");
    const body = { name: "运行失败", kind: "run_failed", schemeId: s.id, channelIds: [channel.id] };
    const res = await racingDelete("schemes", s.id, () => bed.call(POST, "/api/alert-rules", { body }));
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error?.issues?.[0]?.path).toEqual(["schemeId"]);
    expect(await bed.prisma.alertRule.count({ where: { name: "运行失败" } })).toBe(0);
  });
});
