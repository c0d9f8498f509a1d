// POST /api/schemes/:id/test and /runs with `baseVersion`, the version whose mapping the editor shows.
// Session 33's audit found the editor's 测试 and 运行 took whatever version was current: an editor
// showing version 1 tested (and ran) a version 2 saved in another tab, its results shown under version
// 1's mapping. A version saved since is now a 409 as a save's is (an issue at `baseVersion`, both
// versions named, in either language), and no run is made; without `baseVersion` (the list's 立即运行,
// API clients) the current version runs as before.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("schemeshownversion");
}, 120_000);
afterAll(() => bed?.close());

/** A scheme saved twice: version 2 is current. */
const savedTwice = (name: string) => bed.prisma.scheme.create({ data: { name, definition: { nodes: [], edges: [] }, currentVersion: 2 } });

const routes = async () =>
  [
    ["test", (await import("./test/route")).POST, { waitMs: 0 }],
    ["runs", (await import("./runs/route")).POST, {}],
  ] as const;

describe("a test or run of the version the editor shows", { timeout: 60_000 }, () => {
  it("is a 409 at baseVersion naming both versions when another version was saved since, and makes no run", async () => {
    for (const [path, POST, body] of await routes()) {
      const s = await savedTwice(`${path}（版本已变）`);
      const call = (headers: Record<string, string> = {}) =>
        bed.call(POST, `/api/schemes/${s.id}/${path}`, { body: { ...body, baseVersion: 1 }, headers, params: { id: s.id } });
      const zh = await call();
      expect(zh.status, `${path} ${JSON.stringify(zh.body)}`).toBe(409);
      expect(zh.body.error?.code).toBe("conflict");
      expect(zh.body.error?.issues?.[0]?.path).toEqual(["baseVersion"]);
      expect(JSON.stringify(zh.body)).toContain(`方案在你打开版本 1 之后已被保存为版本 2，本次未${path === "test" ? "测试" : "运行"}`);
      const en = await call({ "accept-language": "en" });
      expect(JSON.stringify(en.body)).toContain("saved as version 2 after you opened version 1");
      expect(await bed.prisma.run.count({ where: { schemeId: s.id } })).toBe(0);
    }
  });

  it("runs the version asked for when it is the current one", async () => {
    for (const [path, POST, body] of await routes()) {
      const s = await savedTwice(`${path}（当前版本）`);
      const res = await bed.call(POST, `/api/schemes/${s.id}/${path}`, { body: { ...body, baseVersion: 2 }, params: { id: s.id } });
      expect(res.status, `${path} ${JSON.stringify(res.body)}`).toBe(202);
      expect(res.body.run).toMatchObject({ schemeVersion: 2 });
    }
  });

  it("without baseVersion (the list's 立即运行, API clients) runs the current version", async () => {
    for (const [path, POST, body] of await routes()) {
      const s = await savedTwice(`${path}（未指定版本）`);
      const res = await bed.call(POST, `/api/schemes/${s.id}/${path}`, { body, params: { id: s.id } });
      expect(res.status, `${path} ${JSON.stringify(res.body)}`).toBe(202);
      expect(res.body.run).toMatchObject({ schemeVersion: 2 });
    }
  });
  it("answers a repeated 运行 request (same Idempotency-Key) with the run it started, even after a later save", async () => {
    // Session 33's audit of its own change: the version was checked before the key was honoured, so
    // a retry whose first answer was lost was told "not run" (409) about a run that exists and runs.
    const { POST } = await import("./runs/route");
    const s = await bed.prisma.scheme.create({ data: { name: "幂等重试（版本已变）", definition: { nodes: [], edges: [] }, currentVersion: 1 } });
    const call = () => bed.call(POST, `/api/schemes/${s.id}/runs`, { body: { baseVersion: 1 }, headers: { "idempotency-key": "editor-run-once-1" }, params: { id: s.id } });
    const first = await call();
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const runId = (first.body.run as { id: string }).id;
    await bed.prisma.scheme.update({ where: { id: s.id }, data: { currentVersion: 2 } });
    const again = await call();
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect((again.body.run as { id: string } | undefined)?.id).toBe(runId);
    expect(await bed.prisma.run.count({ where: { schemeId: s.id } })).toBe(1);
  });
});
