// DELETE /api/schemes/:id removes both of the scheme's job schedulers, its run schedule's and its
// reconciliation's (`reconcile:<id>`), by id (@qiao/jobs removeSchemeSchedulers). Session 30's audit
// found the reconciliation's kept: deletion synced the scheme as if it had no schedule
// (`{ ...scheme, cron: null, enabled: false }`), which automationOn reads as "automation on" (no
// cron), so `reconcile:<id>` was upserted, not removed, and ticked for a scheme that was gone. When
// Redis refuses the removal, the scheme is kept (a 502 that says so): deleted, nothing would remove
// them. Real Redis under the bed's own prefix (deleted after).
import { seedSchemeDefinition } from "@qiao/core";
import { createRunQueue, deleteRedisPrefix, reconcileSchedulerId } from "@qiao/jobs";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
let ids: { sourceConnectionId: string; targetConnectionId: string };
beforeAll(async () => {
  bed = await openRouteBed("deleteschedulers");
  const conn = (platform: string, name: string) =>
    bed.prisma.connection.create({ data: { platform, name, baseUrl: "http://127.0.0.1:9", secretCiphertext: "x", secretKeyId: "k" } });
  ids = { sourceConnectionId: (await conn("guanyi", "管易云")).id, targetConnectionId: (await conn("kingdee", "金蝶")).id };
}, 120_000);
afterAll(async () => {
  const cfg = bed?.db.config();
  await bed?.close();
  if (cfg) await deleteRedisPrefix(cfg.REDIS_URL, cfg.REDIS_PREFIX);
});

/** A scheme (with `schedule`, if given) whose reconciliation runs every night at 3. */
async function reconciledScheme(name: string, schedule?: { cron: string; enabled: boolean }): Promise<string> {
  const { POST } = await import("../route");
  const created = await bed.call(POST, "/api/schemes", { body: { name, definition: { ...seedSchemeDefinition(ids), ...(schedule && { schedule }) } } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = (created.body.scheme as { id: string }).id;
  const { PUT } = await import("./reconcile-settings/route");
  const settings = await bed.call(PUT, `/api/schemes/${id}/reconcile-settings`, { method: "PUT", body: { cron: "0 3 * * *", filter: "" }, params: { id } });
  expect(settings.status, JSON.stringify(settings.body)).toBe(200);
  return id;
}

const schedulers = async (queue: ReturnType<typeof createRunQueue>) => (await queue.getJobSchedulers(0, -1)).map((s) => s.key).sort();

it("deleting a scheme with a run schedule and a reconciliation cron leaves no scheduler of it", { timeout: 60_000 }, async () => {
  const id = await reconciledScheme("店铺→客户", { cron: "*/5 * * * *", enabled: true });
  const cfg = bed.db.config();
  const queue = createRunQueue(cfg);
  try {
    expect(await schedulers(queue)).toEqual([id, reconcileSchedulerId(id)].sort());

    const { DELETE } = await import("./route");
    const deleted = await bed.call(DELETE, `/api/schemes/${id}`, { method: "DELETE", params: { id } });
    expect(deleted.status).toBe(200);
    expect(await bed.prisma.scheme.count({ where: { id } })).toBe(0);

    const left = (await queue.getJobSchedulers(0, -1)).map((s) => `${s.key} (${s.pattern})`);
    expect(left, "schedulers still in Redis for the deleted scheme").toEqual([]);
  } finally {
    await queue.close();
  }
});

it("a scheme whose schedulers Redis will not remove is kept (502, saying so); deleted once Redis answers", { timeout: 60_000 }, async () => {
  // Reconciled on a cron, run by hand: automation on without a run schedule.
  const id = await reconciledScheme("商品→物料");
  const queue = createRunQueue(bed.db.config());
  try {
    expect(await schedulers(queue)).toEqual([reconcileSchedulerId(id)]);
    const { runQueue } = await import("@/server/queue");
    const down = vi.spyOn(runQueue(), "removeJobScheduler").mockRejectedValueOnce(new Error("connect ECONNREFUSED 127.0.0.1:6379"));
    const { DELETE } = await import("./route");
    const refused = await bed.call(DELETE, `/api/schemes/${id}`, { method: "DELETE", params: { id } });
    down.mockRestore();
    expect(refused.status).toBe(502);
    expect(refused.body.error).toMatchObject({ code: "upstream_failed", message: "方案的调度未能从队列（Redis）中移除，方案没有删除：请稍后再试" });
    expect(await bed.prisma.scheme.count({ where: { id } })).toBe(1);

    expect((await bed.call(DELETE, `/api/schemes/${id}`, { method: "DELETE", params: { id } })).status).toBe(200);
    expect(await bed.prisma.scheme.count({ where: { id } })).toBe(0);
    expect(await schedulers(queue)).toEqual([]);
  } finally {
    await queue.close();
  }
});
