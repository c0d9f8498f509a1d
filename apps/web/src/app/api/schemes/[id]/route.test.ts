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
