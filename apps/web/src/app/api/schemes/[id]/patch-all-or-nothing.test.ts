// Session 36 (audit of trust and bad input; failing before its fix): PATCH /api/schemes/:id applies
// every field of one request, or none.
// 1. `baseVersion` without a `definition` was ignored without a word: the client asked for a check
//    that was never made. Now a 400 at baseVersion, in both languages, and nothing changed.
// 2. `{name, enabled}` renamed in one transaction and switched in another: a save that removed the
//    schedule in between (another tab) made the switch a 409 after the rename had been kept. Both
//    are now one transaction: the 409 leaves the name as it was.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { committingWhileWaiting } from "@/server/testing/racing-commit";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("schemepatchatomic");
}, 120_000);
afterAll(() => bed?.close());

const scheduled = (name: string) =>
  bed.prisma.scheme.create({
    data: { name, cron: "0 2 * * *", enabled: true, definition: { version: 1, nodes: [], edges: [], schedule: { cron: "0 2 * * *", enabled: true } } },
  });

type Issue = { path: unknown[]; message: string; messageEn?: string };

describe("PATCH /api/schemes/:id, all or nothing", { timeout: 60_000 }, () => {
  it("refuses baseVersion without a definition: a 400 at baseVersion in both languages, nothing changed", async () => {
    const s = await scheduled("基于版本");
    const { PATCH } = await import("./route");
    for (const body of [{ baseVersion: 1 }, { name: "基于版本（改名）", baseVersion: 1 }, { enabled: false, description: "改了", baseVersion: 1 }]) {
      const res = await bed.call(PATCH, `/api/schemes/${s.id}`, { method: "PATCH", body, params: { id: s.id } });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      const issues = (res.body.error?.issues ?? []) as Issue[];
      expect(issues).toEqual([
        {
          path: ["baseVersion"],
          message: "baseVersion 只能与 definition 一起发送：它是修改所基于的版本，只有保存新版本时才会核对",
          messageEn: "baseVersion is only sent with a definition: it is the version the edit was made on, checked only when a new version is saved",
        },
      ]);
    }
    expect(await bed.prisma.scheme.findUniqueOrThrow({ where: { id: s.id } })).toMatchObject({ name: "基于版本", description: "", enabled: true, currentVersion: 1 });
  });

  it("a rename and a switch whose schedule a save removes meanwhile: the 409 keeps the old name", async () => {
    const s = await scheduled("改名并停用");
    const { PATCH } = await import("./route");
    // Another request holds the row, removes the schedule and commits once the PATCH waits for it.
    const res = await committingWhileWaiting(
      [["SELECT id FROM schemes WHERE id = $1 FOR UPDATE", [s.id]]],
      [[`UPDATE schemes SET definition = jsonb_set(definition, '{schedule}', 'null'::jsonb), cron = NULL, enabled = false WHERE id = $1`, [s.id]]],
      () => bed.call(PATCH, `/api/schemes/${s.id}`, { method: "PATCH", body: { name: "改名并停用（新）", description: "新说明", enabled: false }, params: { id: s.id } }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body.error?.code).toBe("conflict");
    expect(await bed.prisma.scheme.findUniqueOrThrow({ where: { id: s.id } })).toMatchObject({ name: "改名并停用", description: "", cron: null });
  });

  it("a rename and a switch applied together", async () => {
    const s = await scheduled("改名并停用（成功）");
    const { PATCH } = await import("./route");
    const res = await bed.call(PATCH, `/api/schemes/${s.id}`, { method: "PATCH", body: { name: "已改名", enabled: false }, params: { id: s.id } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const row = await bed.prisma.scheme.findUniqueOrThrow({ where: { id: s.id } });
    expect(row).toMatchObject({ name: "已改名", enabled: false, currentVersion: 1 });
    expect(row.definition).toMatchObject({ schedule: { cron: "0 2 * * *", enabled: false } });
  });
});
