// PUT /api/schemes/:id/reconcile-settings saves the cron and filter, then upserts the
// reconciliation's job scheduler. When Redis refuses that, the answer is the scheme routes' for the
// same situation (ScheduleNotSynced: 502 upstream_failed, "saved, its schedule is not"), so the
// person knows what happened. Session 33's audit found a 500 "服务器内部错误" although the settings
// were saved. Redis is replaced by a stub that refuses schedulers (nothing else here needs it).
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

vi.mock("@/server/queue", async () => (await import("@/server/testing/queue-down")).queueDown());

let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("reconsettingsredisdown", "editor");
}, 120_000);
afterAll(() => bed?.close());

it("settings saved while Redis refuses the scheduler: a 502 that says the schedule is not synced, not a 500", { timeout: 60_000 }, async () => {
  // Automation on (a run schedule switched on), so the reconcile cron asks for a scheduler.
  const scheme = await bed.prisma.scheme.create({
    data: { name: "对账定时", enabled: true, cron: "0 2 * * *", definition: { nodes: [], edges: [], schedule: { cron: "0 2 * * *", enabled: true } } },
  });
  const { PUT } = await import("./route");
  const res = await bed.call(PUT, `/api/schemes/${scheme.id}/reconcile-settings`, { method: "PUT", body: { cron: "0 3 * * *", filter: null }, params: { id: scheme.id } });
  const saved = await bed.prisma.scheme.findUniqueOrThrow({ where: { id: scheme.id } });
  // Either nothing was saved, or the answer says it was saved without its schedule (as scheme saves do).
  if (saved.reconcileCron === null) expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
  else {
    expect(res.status, JSON.stringify(res.body)).toBe(502);
    expect(res.body.error?.code).toBe("upstream_failed");
  }
});
