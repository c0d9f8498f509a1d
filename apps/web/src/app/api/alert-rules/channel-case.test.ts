// A rule naming one channel twice, in two letter cases (a uuid is case-insensitive: z.uuid() and
// Postgres accept both), stores it once. Until session 35 (its audit) createAlertRule checked the
// channels lower-cased but removed repeats as sent: Postgres lower-cased both, and channel_ids held the
// channel twice, so the rule listed it twice.
import { afterAll, beforeAll, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;

beforeAll(async () => {
  bed = await openRouteBed("rulechannelcase", "editor");
}, 120_000);
afterAll(() => bed?.close());

it("POST /api/alert-rules naming one channel in lower and upper case stores it once", { timeout: 60_000 }, async () => {
  const channel = await bed.prisma.alertChannel.create({ data: { kind: "webhook", name: "值班", displayUrl: "http://127.0.0.1:9/", secretCiphertext: "x", secretKeyId: "k" } });
  const { POST } = await import("./route");
  const answer = await bed.call(POST, "/api/alert-rules", {
    body: { name: "运行失败", kind: "run_failed", channelIds: [channel.id, channel.id.toUpperCase()] },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  expect((answer.body as { channelIds: string[] }).channelIds).toEqual([channel.id]);

  // A PATCH naming the channels again, likewise.
  const id = (answer.body as { id: string }).id;
  const { PATCH } = await import("./[id]/route");
  const patched = await bed.call(PATCH, `/api/alert-rules/${id}`, { method: "PATCH", body: { channelIds: [channel.id.toUpperCase(), channel.id] }, params: { id } });
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  expect((await bed.prisma.alertRule.findUniqueOrThrow({ where: { id } })).channelIds).toEqual([channel.id]);
});
