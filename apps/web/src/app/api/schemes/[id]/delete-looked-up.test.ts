// DELETE /api/schemes/:id refuses (409, naming them) a scheme other schemes' current definitions look
// up (`lookup('店铺→客户', …)`), as it refuses one others run after. Session 30's audit found it was
// deleted: its staging rows went with it, and they are the numbers it wrote, which are exactly what
// the lookups answer from. Every run of the reading scheme then failed at its start, its next save
// was refused, and re-creating the deleted scheme did not bring the numbers back.
import { seedSchemeDefinition, type SchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("deletelookedup");
}, 120_000);
afterAll(() => bed?.close());

it("refuses (409, naming the readers) to delete a scheme another scheme looks up, and deletes it once none does", { timeout: 60_000 }, async () => {
  const conn = (platform: string, name: string) =>
    bed.prisma.connection.create({ data: { platform, name, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" } });
  const source = await conn("guanyi", "管易云");
  const target = await conn("kingdee", "金蝶");
  const ids = { sourceConnectionId: source.id, targetConnectionId: target.id };

  const { POST } = await import("../route");
  const shops = await bed.call(POST, "/api/schemes", { body: { name: "店铺→客户", definition: seedSchemeDefinition(ids) } });
  expect(shops.status, JSON.stringify(shops.body)).toBe(201);
  const shopsId = (shops.body.scheme as { id: string }).id;
  const seed = seedSchemeDefinition(ids);
  const reader: SchemeDefinition = {
    ...seed,
    nodes: seed.nodes.map((n) =>
      n.type === "target" ? { ...n, config: { ...n.config, mapping: { ...n.config.mapping, FDescription: "{{id | lookup('店铺→客户')}}" } } } : n,
    ),
  };
  const orders = await bed.call(POST, "/api/schemes", { body: { name: "读取店铺→客户的方案", definition: reader } });
  expect(orders.status, JSON.stringify(orders.body)).toBe(201);
  const ordersId = (orders.body.scheme as { id: string }).id;

  const { DELETE, PATCH } = await import("./route");
  const remove = (headers: Record<string, string> = {}) => bed.call(DELETE, `/api/schemes/${shopsId}`, { method: "DELETE", params: { id: shopsId }, headers });
  const refused = await remove();
  expect(refused.status).toBe(409);
  expect(refused.body.error).toMatchObject({
    code: "conflict",
    message: "不能删除：方案 “读取店铺→客户的方案” 的 lookup 读取它写入的结果（删除会一并删掉这些结果）。请先在这些方案的映射中去掉对它的 lookup，再删除",
  });
  expect((await remove({ "accept-language": "en" })).body.error).toMatchObject({
    message: 'Cannot delete: the scheme "读取店铺→客户的方案" looks up what this one wrote (deleting it deletes that too). Remove the lookup of it from its mapping first, then delete it',
  });
  expect(await bed.prisma.scheme.count({ where: { id: shopsId } })).toBe(1);
  // The reader still saves as it is.
  const resave = await bed.call(PATCH, `/api/schemes/${ordersId}`, { method: "PATCH", body: { definition: reader }, params: { id: ordersId } });
  expect(resave.status, JSON.stringify(resave.body)).toBe(200);

  // Its lookup taken out (its current definition is what counts), the scheme can go.
  const without = await bed.call(PATCH, `/api/schemes/${ordersId}`, { method: "PATCH", body: { definition: seed }, params: { id: ordersId } });
  expect(without.status, JSON.stringify(without.body)).toBe(200);
  expect((await remove()).status).toBe(200);
  expect(await bed.prisma.scheme.count({ where: { id: shopsId } })).toBe(0);
});
