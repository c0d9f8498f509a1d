// GET /api/schemes/:id/reconciliations?before=… in year 0000 is a 400 naming `before`. Session 33's
// audit found it a 500 "服务器内部错误": zod's ISO format and JavaScript's Date have a year 0 (1 BC),
// Postgres has none ("date/time field value out of range"). The shared isoTime refuses it.
import { afterAll, beforeAll, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("reconbeforeyearzero", "viewer");
}, 120_000);
afterAll(() => bed?.close());

it("a `before` in year 0000 is a 400 naming the parameter, not a 500", { timeout: 60_000 }, async () => {
  const scheme = await bed.prisma.scheme.create({ data: { name: "对账分页", definition: { nodes: [], edges: [] } } });
  const { GET } = await import("./route");
  const res = await bed.call(GET, `/api/schemes/${scheme.id}/reconciliations?before=0000-01-01T00:00:00Z`, { params: { id: scheme.id } });
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error?.issues?.[0]?.path).toEqual(["before"]);
});
