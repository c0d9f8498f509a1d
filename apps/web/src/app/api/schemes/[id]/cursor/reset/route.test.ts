// 从头读取 (session 18): GET /api/schemes/:id shows the read cursor (LAST_SYNC_TIME) and whether the
// source reads from it; POST /api/schemes/:id/cursor/reset clears it for the current version, is
// refused while a run is queued or running, by a viewer and for bad input, and is harmless twice.
import { seedItemsSchemeDefinition, seedSchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

const CURSOR = new Date("2026-03-01T02:00:00Z");
const ids = { sourceConnectionId: "00000000-0000-4000-8000-000000000001", targetConnectionId: "00000000-0000-4000-8000-000000000002" };

let bed: RouteBed;
let viewerToken = "";

beforeAll(async () => {
  bed = await openRouteBed("routecursorreset");
  const viewer = await bed.db.createUser(bed.prisma, { email: "viewer@route.test", name: "viewer", role: "viewer", password: "route-bed-password-1" });
  viewerToken = (await bed.db.createApiToken(bed.prisma, { userId: viewer.id, name: "viewer", role: "viewer" })).token;
}, 120_000);

afterAll(() => bed?.close());

/** A scheme whose source reads from LAST_SYNC_TIME (the items seed), synced up to CURSOR. */
async function syncedScheme(name: string) {
  return bed.prisma.scheme.create({ data: { name, definition: seedItemsSchemeDefinition(ids) as object, currentVersion: 3, cursor: CURSOR } });
}
const messageOf = (body: { error?: unknown }) => (body.error as { message?: string } | undefined)?.message ?? "";
const stateOf = (id: string) => bed.prisma.scheme.findUniqueOrThrow({ where: { id }, select: { cursor: true, cursorFromVersion: true, updatedAt: true } });

describe("the scheme's read cursor", { timeout: 60_000 }, () => {
  it("GET shows where the read stands and whether the source reads from it", async () => {
    const { GET } = await import("../../route");
    const scheme = await syncedScheme("商品→物料 GET");
    const { status, body } = await bed.call(GET, `/api/schemes/${scheme.id}`, { params: { id: scheme.id } });
    expect(status).toBe(200);
    expect((body.scheme as { readCursor: unknown }).readCursor).toEqual({ syncedUpTo: CURSOR.toISOString(), incremental: true });

    // The shops seed reads everything each run (no LAST_SYNC_TIME); a scheme never synced has no cursor.
    const full = await bed.prisma.scheme.create({ data: { name: "店铺→客户 GET", definition: seedSchemeDefinition(ids) as object } });
    const answer = await bed.call(GET, `/api/schemes/${full.id}`, { params: { id: full.id } });
    expect((answer.body.scheme as { readCursor: unknown }).readCursor).toEqual({ syncedUpTo: null, incremental: false });
  });

  it("POST clears it for the current version; a second POST is harmless", async () => {
    const { POST } = await import("./route");
    const scheme = await syncedScheme("商品→物料 reset");
    const first = await bed.call(POST, `/api/schemes/${scheme.id}/cursor/reset`, { method: "POST", params: { id: scheme.id } });
    expect(first.status).toBe(200);
    expect(first.body.scheme).toMatchObject({ id: scheme.id, currentVersion: 3, readCursor: { syncedUpTo: null, incremental: true } });
    const after = await stateOf(scheme.id);
    expect(after).toMatchObject({ cursor: null, cursorFromVersion: 3 });

    const second = await bed.call(POST, `/api/schemes/${scheme.id}/cursor/reset`, { method: "POST", body: {}, params: { id: scheme.id } });
    expect(second.status).toBe(200);
    expect(second.body.scheme).toMatchObject({ readCursor: { syncedUpTo: null, incremental: true } });
    expect(await stateOf(scheme.id)).toEqual(after);
  });

  it("409 while a run is queued or running, naming the run; the cursor stays", async () => {
    const { POST } = await import("./route");
    const scheme = await syncedScheme("商品→物料 busy");
    const run = await bed.db.createRun(bed.prisma, { schemeId: scheme.id, schemeVersion: 3, trigger: "manual" });
    for (const status of ["queued", "running"] as const) {
      await bed.prisma.run.update({ where: { id: run.id }, data: { status } });
      const { status: code, body } = await bed.call(POST, `/api/schemes/${scheme.id}/cursor/reset`, { method: "POST", params: { id: scheme.id } });
      expect(code).toBe(409);
      expect(body.error).toMatchObject({ code: "scheme_busy" });
      expect(messageOf(body)).toContain(run.id);
      expect(messageOf(body)).toContain("从头读取");
    }
    const en = await bed.call(POST, `/api/schemes/${scheme.id}/cursor/reset`, { method: "POST", params: { id: scheme.id }, headers: { "accept-language": "en" } });
    expect(messageOf(en.body)).toContain("cannot read from the beginning now");
    expect(await stateOf(scheme.id)).toMatchObject({ cursor: CURSOR, cursorFromVersion: null });
  });

  it("403 for a viewer; 400 naming the field for a body with one; 404 for an id that cannot exist; nothing changes", async () => {
    const { POST } = await import("./route");
    const scheme = await syncedScheme("商品→物料 refused");
    const before = await stateOf(scheme.id);
    const url = `/api/schemes/${scheme.id}/cursor/reset`;
    const viewer = await bed.call(POST, url, { method: "POST", params: { id: scheme.id }, headers: { authorization: `Bearer ${viewerToken}` } });
    expect(viewer.status).toBe(403);

    const bad = await bed.call(POST, url, { method: "POST", body: { cursor: "2026-01-01T00:00:00Z" }, params: { id: scheme.id } });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.issues?.[0]?.path).toEqual(["cursor"]);

    // A path id that is not a uuid is a 404, as on every route (uuidParam): it cannot exist.
    for (const id of ["not-a-uuid", "1; DROP TABLE schemes", "00000000-0000-4000-8000-0000000000ff"]) {
      const { status } = await bed.call(POST, `/api/schemes/${encodeURIComponent(id)}/cursor/reset`, { method: "POST", params: { id } });
      expect(status).toBe(404);
    }
    expect(await stateOf(scheme.id)).toEqual(before);
  });

  it("an anonymous request is 401 and changes nothing", async () => {
    // The route goes through withAuth, which also refuses cross-site cookie requests (e2e/access.spec.ts).
    const { POST } = await import("./route");
    const scheme = await syncedScheme("商品→物料 anonymous");
    const { status } = await bed.call(POST, `/api/schemes/${scheme.id}/cursor/reset`, { method: "POST", params: { id: scheme.id }, headers: { authorization: "" } });
    expect(status).toBe(401);
    expect((await stateOf(scheme.id)).cursor).toEqual(CURSOR);
  });
});
