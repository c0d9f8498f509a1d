// A scheme's timezone must be an IANA name when it is saved (validateDefinition, @qiao/core
// timeZoneIssue). Session 30's audit found "CST" accepted, which Intl reads as America/Chicago
// while a person here means 中国标准时间. A scheme stored with such an abbreviation before the fix
// still opens (the editor parses it) and keeps running as it did; its next save (or a copy) is
// refused with what to write instead, at the timezone field.
import { seedSchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { schemeEnvelopeSchema } from "@/lib/api/schemas";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("schemetimezone");
}, 120_000);
afterAll(() => bed?.close());

it("a scheme stored with CST opens, and is refused at its next save until its timezone is an IANA name", { timeout: 60_000 }, async () => {
  const conn = (platform: string, name: string) =>
    bed.prisma.connection.create({ data: { platform, name, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" } });
  const source = await conn("guanyi", "管易云");
  const target = await conn("kingdee", "金蝶");
  const definition = { ...seedSchemeDefinition({ sourceConnectionId: source.id, targetConnectionId: target.id }), timezone: "CST" };
  const stored = await bed.prisma.scheme.create({ data: { name: "旧方案", timezone: "CST", definition: definition as object } });
  const params = { id: stored.id };

  const { GET, PATCH } = await import("@/app/api/schemes/[id]/route");
  const opened = await bed.call(GET, `/api/schemes/${stored.id}`, { params });
  expect(opened.status).toBe(200);
  expect(schemeEnvelopeSchema.safeParse(opened.body).success).toBe(true);

  const { POST: validate } = await import("@/app/api/schemes/[id]/validate/route");
  const checked = await bed.call(validate, `/api/schemes/${stored.id}/validate`, { body: {}, params });
  expect(checked.body).toMatchObject({ ok: false, issues: [{ path: ["definition", "timezone"], message: expect.stringContaining("Asia/Shanghai") }] });

  const refused = await bed.call(PATCH, `/api/schemes/${stored.id}`, { method: "PATCH", body: { definition }, params });
  expect(refused.status).toBe(400);
  expect(refused.body.error).toMatchObject({ code: "validation_failed", issues: [{ path: ["definition", "timezone"], messageEn: expect.stringContaining("China Standard Time use Asia/Shanghai") }] });

  const { POST: duplicate } = await import("@/app/api/schemes/[id]/duplicate/route");
  expect((await bed.call(duplicate, `/api/schemes/${stored.id}/duplicate`, { method: "POST", params })).status).toBe(400);

  const saved = await bed.call(PATCH, `/api/schemes/${stored.id}`, { method: "PATCH", body: { definition: { ...definition, timezone: "Asia/Shanghai" } }, params });
  expect(saved.status).toBe(200);
  expect(await bed.prisma.scheme.findUniqueOrThrow({ where: { id: stored.id } })).toMatchObject({ timezone: "Asia/Shanghai", currentVersion: 2 });
});
