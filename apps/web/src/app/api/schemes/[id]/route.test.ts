// PATCH /api/schemes/:id refused as a whole changes nothing: a rename with `enabled` on a scheme
// without a schedule was saved before the 409 about the schedule (names matter: lookups and
// run-after orders name schemes).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;

beforeAll(async () => {
  bed = await openRouteBed("routeschemepatch");
}, 120_000);

afterAll(() => bed?.close());

describe("PATCH /api/schemes/:id", { timeout: 60_000 }, () => {
  it("a rename with enabled: true on a scheme without a schedule is a 409 and the name stays", async () => {
    const scheme = await bed.prisma.scheme.create({ data: { name: "店铺→客户", description: "原说明", definition: { nodes: [], edges: [] } } });
    const { PATCH } = await import("./route");
    const { status } = await bed.call(PATCH, `/api/schemes/${scheme.id}`, {
      method: "PATCH",
      body: { name: "改过的名字", description: "改过的说明", enabled: true },
      params: { id: scheme.id },
    });
    expect(status).toBe(409);
    expect(await bed.prisma.scheme.findUniqueOrThrow({ where: { id: scheme.id } })).toMatchObject({ name: "店铺→客户", description: "原说明" });
  });
});

describe("DELETE /api/schemes/:id", { timeout: 60_000 }, () => {
  it("refuses (409, naming them) a scheme others run after, and deletes it once they no longer do", async () => {
    const a = await bed.prisma.scheme.create({ data: { name: "店铺→客户（前序）", definition: { nodes: [], edges: [] } } });
    const b = await bed.prisma.scheme.create({ data: { name: "发货单→出库单（后续）", definition: { nodes: [], edges: [], runAfter: [a.id] } } });
    const { DELETE } = await import("./route");
    const refused = await bed.call(DELETE, `/api/schemes/${a.id}`, { method: "DELETE", params: { id: a.id } });
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toContain("“发货单→出库单（后续）” 在它之后运行");
    expect(await bed.prisma.scheme.count({ where: { id: a.id } })).toBe(1);

    await bed.prisma.scheme.update({ where: { id: b.id }, data: { definition: { nodes: [], edges: [], runAfter: [] } } });
    const deleted = await bed.call(DELETE, `/api/schemes/${a.id}`, { method: "DELETE", params: { id: a.id } });
    expect(deleted.status).toBe(200);
    expect(await bed.prisma.scheme.count({ where: { id: a.id } })).toBe(0);
  });
});
