// Saving a run-after order that loops is refused with the loop by name, also when the loop is made
// by two saves at the same moment (A after B, B after A): each passes the check at validation, so
// insertSchemeVersion checks again under a lock that run-after saves take in turn.
import { seedSchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("runaftercycle");
}, 120_000);
afterAll(() => bed?.close());

it("two concurrent saves that together make a run-after loop: one is accepted, the other is a 400 naming the loop", { timeout: 60_000 }, async () => {
  const conn = (platform: string, name: string) =>
    bed.prisma.connection.create({ data: { platform, name, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" } });
  const source = await conn("guanyi", "管易云");
  const target = await conn("kingdee", "金蝶");
  const definition = seedSchemeDefinition({ sourceConnectionId: source.id, targetConnectionId: target.id });
  const a = await bed.prisma.scheme.create({ data: { name: "方案甲", definition: definition as object } });
  const b = await bed.prisma.scheme.create({ data: { name: "方案乙", definition: definition as object } });

  const { PATCH } = await import("./route");
  const save = (id: string, after: string) =>
    bed.call(PATCH, `/api/schemes/${id}`, { method: "PATCH", body: { definition: { ...definition, runAfter: [after] } }, params: { id } });
  const responses = await Promise.all([save(a.id, b.id), save(b.id, a.id)]);

  expect(responses.map((r) => r.status).sort()).toEqual([200, 400]);
  const refused = responses.find((r) => r.status === 400)!;
  expect(refused.body.error?.issues?.[0]?.path).toEqual(["definition", "runAfter"]);
  expect(refused.body.error).toMatchObject({ code: "validation_failed", message: expect.stringMatching(/运行顺序形成循环：方案(甲|乙) → 方案(甲|乙) → 方案(甲|乙)/) });
  const stored = await bed.prisma.scheme.findMany({ where: { id: { in: [a.id, b.id] } }, select: { definition: true } });
  expect(stored.filter((s) => ((s.definition as { runAfter?: string[] }).runAfter ?? []).length > 0)).toHaveLength(1);
});
