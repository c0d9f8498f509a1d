// Session 31's audit of the session's changes (failing before): DELETE /api/schemes/:id removes the
// schedulers, then deletes in deleteSchemeWhenFree's transaction; only a SchemeDeleteRefused put the
// schedulers back. Any other failure of that transaction (a timeout, a lost connection) answered 500
// with the scheme still there and its schedulers gone until the worker's reconcile pass. Now every
// failure puts them back.
import { seedSchemeDefinition } from "@qiao/core";
import { createRunQueue, deleteRedisPrefix } from "@qiao/jobs";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
let ids: { sourceConnectionId: string; targetConnectionId: string };
beforeAll(async () => {
  bed = await openRouteBed("auditdelrestore");
  const conn = (platform: string, name: string) =>
    bed.prisma.connection.create({ data: { platform, name, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" } });
  ids = { sourceConnectionId: (await conn("guanyi", "管易云")).id, targetConnectionId: (await conn("kingdee", "金蝶")).id };
}, 120_000);
afterAll(async () => {
  const cfg = bed?.db.config();
  await bed?.close();
  if (cfg) await deleteRedisPrefix(cfg.REDIS_URL, cfg.REDIS_PREFIX);
});

it("a delete that fails in its transaction (not a refusal) leaves the scheme with its schedule", { timeout: 60_000 }, async () => {
  const { POST } = await import("../route");
  const created = await bed.call(POST, "/api/schemes", { body: { name: "每五分钟", definition: { ...seedSchemeDefinition(ids), schedule: { cron: "*/5 * * * *", enabled: true } } } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = (created.body.scheme as { id: string }).id;
  const queue = createRunQueue(bed.db.config());
  // Another transaction holds NAMES_LOCK for 6 s (a rename's rewrite, a save): the delete waits for it.
  const holder = new pg.Client({ connectionString: bed.db.config().DATABASE_URL });
  await holder.connect();
  try {
    expect((await queue.getJobSchedulers(0, -1)).map((s) => s.key)).toEqual([id]);
    await holder.query("BEGIN");
    await holder.query(`SELECT pg_advisory_xact_lock(${0x6e616d65}::bigint)`);
    const release = setTimeout(() => void holder.query("COMMIT"), 6_000);
    const { DELETE } = await import("./route");
    const deleted = await bed.call(DELETE, `/api/schemes/${id}`, { method: "DELETE", params: { id } });
    clearTimeout(release);
    await holder.query("COMMIT").catch(() => undefined);
    const stillThere = (await bed.prisma.scheme.count({ where: { id } })) === 1;
    const schedulers = (await queue.getJobSchedulers(0, -1)).map((s) => s.key);
    // Either deleted (200, no scheduler), or kept with its scheduler: never kept without it.
    expect({ status: deleted.status, stillThere, schedulers }).toEqual(stillThere ? { status: deleted.status, stillThere, schedulers: [id] } : { status: 200, stillThere, schedulers: [] });
  } finally {
    await holder.end();
    await queue.close();
  }
});
