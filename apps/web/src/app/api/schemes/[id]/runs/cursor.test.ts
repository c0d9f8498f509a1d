// GET /api/schemes/:id/runs?cursor=<run id>. A cursor that is not one of this scheme's runs (another
// scheme's run, or a run that does not exist, e.g. pruned) is a 400 on `cursor`, not a 200 with a page
// cut short or taken from another scheme's position in time (as before session 25, its audit).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
let mine = "";
let otherRun = "";

beforeAll(async () => {
  bed = await openRouteBed("runcursor", "viewer");
  mine = (await bed.prisma.scheme.create({ data: { name: "mine", definition: { nodes: [], edges: [] } } })).id;
  const other = (await bed.prisma.scheme.create({ data: { name: "other", definition: { nodes: [], edges: [] } } })).id;
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
  for (const m of [30, 20, 10]) {
    const r = await bed.db.createRun(bed.prisma, { schemeId: mine, schemeVersion: 1, trigger: "manual" });
    await bed.prisma.run.update({ where: { id: r.id }, data: { status: "succeeded", createdAt: at(m), finishedAt: at(m) } });
  }
  const o = await bed.db.createRun(bed.prisma, { schemeId: other, schemeVersion: 1, trigger: "manual" });
  otherRun = o.id;
  await bed.prisma.run.update({ where: { id: o.id }, data: { status: "succeeded", createdAt: at(15), finishedAt: at(15) } });
}, 120_000);

afterAll(() => bed?.close());

describe("a run-list cursor that is not this scheme's", { timeout: 60_000 }, () => {
  it("a run id that does not exist (pruned) is a 4xx, not an empty last page", async () => {
    const { GET } = await import("./route");
    const answer = await bed.call(GET, `/api/schemes/${mine}/runs?cursor=${randomUUID()}`, { params: { id: mine } });
    expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  });

  it("another scheme's run id is a 4xx, not a page of this scheme's runs older than it", async () => {
    const { GET } = await import("./route");
    const answer = await bed.call(GET, `/api/schemes/${mine}/runs?cursor=${otherRun}`, { params: { id: mine } });
    expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  });

  it("a cursor that is not a run id is a 400 naming cursor, as an unknown run id is, not a 404 (session 35's audit)", async () => {
    const { GET } = await import("./route");
    const unknown = await bed.call(GET, `/api/schemes/${mine}/runs?cursor=00000000-0000-4000-8000-000000000000`, { params: { id: mine } });
    expect(unknown.status).toBe(400);
    const malformed = await bed.call(GET, `/api/schemes/${mine}/runs?cursor=not-a-run-id`, { params: { id: mine } });
    expect(malformed.status, JSON.stringify(malformed.body)).toBe(400);
    expect(malformed.body.error?.issues?.[0]?.path).toEqual(["cursor"]);
  });
});
