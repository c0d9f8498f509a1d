// Session 36 (audit of trust and bad input; failing before its fix): a reconciliation cron could be
// saved with a seconds field (6 fields, seconds first: validateCron's policy for every cron), so a
// reconciliation ran every second against the customer's 金蝶. A save now refuses it (5 fields or a
// macro: validateReconcileCron), in both languages, and changes nothing; one stored before is still
// answered as it is (loading stays tolerant).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("reconsettingsseconds", "editor");
}, 120_000);
afterAll(() => bed?.close());

const scheme = (name: string, reconcileCron: string | null = null) =>
  bed.prisma.scheme.create({ data: { name, reconcileCron, definition: { nodes: [], edges: [] } } });

type Issue = { path: unknown[]; message: string; messageEn?: string };

describe("PUT /api/schemes/:id/reconcile-settings and a seconds field", { timeout: 60_000 }, () => {
  it("refuses a cron with a seconds field: a 400 at cron in both languages, nothing saved", async () => {
    const s = await scheme("对账每秒", "0 3 * * *");
    const { PUT } = await import("./route");
    for (const cron of ["* * * * * *", "*/5 * * * * *", "0 0 3 * * *"]) {
      const res = await bed.call(PUT, `/api/schemes/${s.id}/reconcile-settings`, { method: "PUT", body: { cron, filter: "FNumber like 'A%'" }, params: { id: s.id } });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      const issues = (res.body.error?.issues ?? []) as Issue[];
      expect(issues).toHaveLength(1);
      expect(issues[0]!.path).toEqual(["cron"]);
      expect(issues[0]!.message).toMatch(/^对账的定时表达式应为 5 个字段（分 时 日 月 星期）或定时宏，这里有 6 个；不能在最前面加秒/);
      expect(issues[0]!.messageEn).toMatch(/^A reconciliation's cron expression has 5 fields .* found 6\. No seconds field/);
    }
    expect(await bed.prisma.scheme.findUniqueOrThrow({ where: { id: s.id } })).toMatchObject({ reconcileCron: "0 3 * * *", reconcileFilter: null });
  });

  it("saves 5 fields or a macro (the scheme's automation off: no scheduler asked for)", async () => {
    const s = await scheme("对账每天");
    const { PUT } = await import("./route");
    for (const cron of ["0 3 * * *", "@daily"]) {
      const res = await bed.call(PUT, `/api/schemes/${s.id}/reconcile-settings`, { method: "PUT", body: { cron, filter: null }, params: { id: s.id } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({ cron, filter: null });
    }
  });

  it("answers a cron stored with a seconds field before as it is", async () => {
    const s = await scheme("对账旧设置", "0 0 3 * * *");
    const { GET } = await import("./route");
    const res = await bed.call(GET, `/api/schemes/${s.id}/reconcile-settings`, { params: { id: s.id } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ cron: "0 0 3 * * *", filter: null });
  });
});
