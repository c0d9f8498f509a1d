// Bad input to the value-map routes gets a clear 400 and changes nothing. A lone UTF-16 surrogate
// ("\ud800", valid JSON) passed readJson and every zod schema until session 35 (its audit): Postgres
// refused it in jsonb (22P02 "Unicode low surrogate must follow a high surrogate"), a 500 `internal`;
// in a text column node-postgres stored it as U+FFFD, a 201 for a name nobody sent. readJson now
// refuses it as it does U+0000. And `updatedAt` in year 0 was a 409 "changed since" (the bare
// z.iso.datetime()) instead of the shared isoTime's 400.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
const LONE = "\ud800";

beforeAll(async () => {
  bed = await openRouteBed("vmlonesurrogate", "editor");
}, 120_000);
afterAll(() => bed?.close());

describe("a lone surrogate in a value map, and a year-0 updatedAt", { timeout: 60_000 }, () => {
  it("POST /api/value-maps with a lone surrogate in an entry is a 400 naming the entry, not a 500", async () => {
    const { POST } = await import("./route");
    const answer = await bed.call(POST, "/api/value-maps", { body: { name: "仓库映射", entries: [{ source: `WH${LONE}`, target: "001" }] } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.error?.issues?.[0]?.path?.slice(0, 2)).toEqual(["entries", 0]);
    expect(await bed.prisma.valueMap.count({ where: { name: "仓库映射" } })).toBe(0);
  });

  it("PATCH /api/value-maps/:id with a lone surrogate in the entries is a 400, not a 500, and the map stays", async () => {
    const { POST } = await import("./route");
    const created = await bed.call(POST, "/api/value-maps", { body: { name: "店铺映射", entries: [{ source: "a", target: "b" }] } });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    const { PATCH } = await import("./[id]/route");
    const answer = await bed.call(PATCH, `/api/value-maps/${id}`, { method: "PATCH", body: { entries: [{ source: "a", target: `b${LONE}` }] }, params: { id } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect((await bed.prisma.valueMap.findUniqueOrThrow({ where: { id } })).entries).toEqual([{ source: "a", target: "b" }]);
  });

  it("POST /api/value-maps with a lone surrogate in the name is refused, not stored as another name (U+FFFD)", async () => {
    const { POST } = await import("./route");
    const sent = `客户${LONE}`;
    const answer = await bed.call(POST, "/api/value-maps", { body: { name: sent, entries: [] } });
    // Either refused (400), or stored exactly as sent: never a 201 for a name nobody sent.
    const stored = answer.status === 201 ? (answer.body as { name: string }).name : sent;
    expect(stored, `answered ${answer.status}, stored ${JSON.stringify(stored)}`).toBe(sent);
    expect(answer.status).toBe(400);
  });

  it("PATCH /api/value-maps/:id with updatedAt in year 0 is a 400 on updatedAt, as other routes' isoTime, not a 409 'changed since'", async () => {
    const { POST } = await import("./route");
    const created = await bed.call(POST, "/api/value-maps", { body: { name: "年份映射", entries: [] } });
    const id = (created.body as { id: string }).id;
    const { PATCH } = await import("./[id]/route");
    const answer = await bed.call(PATCH, `/api/value-maps/${id}`, { method: "PATCH", body: { description: "说明", updatedAt: "0000-01-01T00:00:00Z" }, params: { id } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.error?.issues?.[0]?.path).toEqual(["updatedAt"]);
  });
});
