// Defect (session 32's audit): POST /api/schemes/:id/validate ("check the given definition; saves
// nothing") checked what compileScheme checks, but not the run-after order a save checks too
// (assertValid: runAfterIssues). A definition whose 运行顺序 named the scheme itself, or a scheme that
// does not exist, was answered `ok: true`, and the PATCH with the same definition was then refused
// with a 400: an API client that validates before saving (what the route is for) was told a save
// would pass when it would not. Fix: validateDefinition (schemes.ts) checks the run-after order too,
// for the scheme being validated, and assertValid is that check's refusal: one function for both.
// Failing before its fix.
import { seedSchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
let ids: { sourceConnectionId: string; targetConnectionId: string };
beforeAll(async () => {
  bed = await openRouteBed("auditvalidate");
  const conn = (platform: string, name: string) =>
    bed.prisma.connection.create({ data: { platform, name, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" } });
  ids = { sourceConnectionId: (await conn("guanyi", "管易云")).id, targetConnectionId: (await conn("kingdee", "金蝶")).id };
}, 120_000);
afterAll(() => bed?.close());

it.each([
  ["the scheme itself", (self: string) => [self]],
  ["a scheme that does not exist", () => ["00000000-0000-4000-8000-00000000dead"]],
])("validate refuses a run-after order naming %s, as the save does", { timeout: 60_000 }, async (_what, runAfterOf) => {
  const { POST: create } = await import("../../route");
  const created = await bed.call(create, "/api/schemes", { body: { name: `运行顺序 ${_what}`, definition: seedSchemeDefinition(ids) } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = (created.body.scheme as { id: string }).id;
  const definition = { ...seedSchemeDefinition(ids), runAfter: runAfterOf(id) };

  const { PATCH } = await import("../route");
  const save = await bed.call(PATCH, `/api/schemes/${id}`, { method: "PATCH", params: { id }, body: { definition } });
  expect(save.status).toBe(400);

  const { POST: validate } = await import("./route");
  const check = await bed.call(validate, `/api/schemes/${id}/validate`, { params: { id }, body: { definition } });
  expect(check.status).toBe(200);
  expect(check.body.ok, JSON.stringify(check.body)).toBe(false);
  // The issue the save answers, at the same place.
  const issues = (body: Record<string, unknown>) => (body.issues as { path: unknown[]; message: string }[]).map((i) => [i.path, i.message]);
  expect(issues(check.body)).toEqual(issues(save.body.error as Record<string, unknown>));
  expect(issues(check.body)).toEqual([[["definition", "runAfter"], expect.stringContaining("运行顺序")]]);
});
