// Defects (session 32's audit) of 复制 (POST /api/schemes/:id/duplicate):
// - The copy's name `<name>（副本）` ignored the name rule every other way to name a scheme has
//   (schemeName: at most 200 characters). A scheme named with 197–200 characters got a copy whose
//   name no request may send: the editor's save (which sends the name with every version) was then
//   refused at `name`, and so was the import of the copy's export. Fix: copyName shortens the name
//   (at its end, never inside a character) so that the copy's name keeps to SCHEME_NAME_MAX.
// - Two 复制 clicks at once both picked the same free name, and the second was refused with
//   "已有名为 … 的方案：…请换一个名称", a name the person never chose. Fix: duplicateScheme takes the
//   next free （副本 N） name when the insert finds its name taken (at most 10 tries).
// Failing before its fix.
import { seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
let ids: { sourceConnectionId: string; targetConnectionId: string };
beforeAll(async () => {
  bed = await openRouteBed("auditduplicate");
  const conn = (platform: string, name: string) =>
    bed.prisma.connection.create({ data: { platform, name, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" } });
  ids = { sourceConnectionId: (await conn("guanyi", "管易云")).id, targetConnectionId: (await conn("kingdee", "金蝶")).id };
}, 120_000);
afterAll(() => bed?.close());

async function create(name: string): Promise<string> {
  const { POST } = await import("../../route");
  const created = await bed.call(POST, "/api/schemes", { body: { name, definition: seedSchemeDefinition(ids) } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return (created.body.scheme as { id: string }).id;
}

it("the copy of a scheme with a 200-character name can be saved by the editor as it is (name, definition, baseVersion)", { timeout: 60_000 }, async () => {
  const id = await create("店".repeat(200));
  const { POST } = await import("./route");
  const copy = await bed.call(POST, `/api/schemes/${id}/duplicate`, { params: { id } });
  expect(copy.status, JSON.stringify(copy.body)).toBe(201);
  const scheme = copy.body.scheme as { id: string; name: string; description: string; definition: SchemeDefinition; currentVersion: number };
  expect(scheme.name).toBe(`${"店".repeat(196)}（副本）`);

  // What the editor's save sends (use-scheme-actions.ts): the name with every version.
  const { PATCH } = await import("../route");
  const save = await bed.call(PATCH, `/api/schemes/${scheme.id}`, {
    method: "PATCH",
    params: { id: scheme.id },
    body: { name: scheme.name, description: scheme.description, definition: scheme.definition, baseVersion: scheme.currentVersion },
  });
  expect(save.status, JSON.stringify(save.body)).toBe(200);
});

it("the export of such a copy passes the import file schema (its name at most 200 characters)", { timeout: 60_000 }, async () => {
  const id = await create("仓".repeat(199));
  const { POST } = await import("./route");
  const copy = await bed.call(POST, `/api/schemes/${id}/duplicate`, { params: { id } });
  expect(copy.status, JSON.stringify(copy.body)).toBe(201);
  const copyId = (copy.body.scheme as { id: string }).id;
  const { GET: exportScheme } = await import("../export/route");
  const file = await bed.call(exportScheme, `/api/schemes/${copyId}/export`, { params: { id: copyId } });
  expect(file.status).toBe(200);
  // Moved to another instance, the file is read by the same schema: its name must pass it.
  const { schemeExportSchema } = await import("@/lib/api/schemas");
  const parsed = schemeExportSchema.safeParse(file.body);
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
});

it("two 复制 at once both make a copy (the second takes the next free （副本 N） name)", { timeout: 60_000 }, async () => {
  const id = await create("客户→客户");
  const { POST } = await import("./route");
  const answers = await Promise.all([0, 1, 2].map(() => bed.call(POST, `/api/schemes/${id}/duplicate`, { params: { id } })));
  expect(answers.map((a) => a.status), JSON.stringify(answers.map((a) => a.body.error))).toEqual([201, 201, 201]);
  const names = answers.map((a) => (a.body.scheme as { name: string }).name).sort();
  expect(names).toEqual(["客户→客户（副本 2）", "客户→客户（副本 3）", "客户→客户（副本）"].sort());
});

it("a long name is shortened by whole characters, and the next copy takes （副本 2） within 200 characters too", { timeout: 60_000 }, async () => {
  // An emoji is two UTF-16 units: cut between them, the name would hold half a character.
  const id = await create(`${"😀".repeat(99)}甲`);
  const { POST } = await import("./route");
  const first = await bed.call(POST, `/api/schemes/${id}/duplicate`, { params: { id } });
  const second = await bed.call(POST, `/api/schemes/${id}/duplicate`, { params: { id } });
  expect([first.status, second.status]).toEqual([201, 201]);
  expect((first.body.scheme as { name: string }).name).toBe(`${"😀".repeat(98)}（副本）`);
  expect((second.body.scheme as { name: string }).name).toBe(`${"😀".repeat(97)}（副本 2）`);
});
