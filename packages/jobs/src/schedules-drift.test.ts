// A scheduler that drifted from its scheme puts itself right. Session 30's audit found a worker
// starting (syncSchedules) while someone saved a scheme with a new cron: syncSchedules read every
// scheme first, then upserted each scheduler from what it read, so a save that committed and synced
// its own scheduler in between (apps/web saveSchemeVersion → syncSchedule) was overwritten with the
// cron read before it, and nothing put it right: the reconciler's pass (restoreMissingSchedules, every
// 30 s) only added missing schedulers, and a tick checked only that the scheme had some cron. Now a
// sync reads the schedulers before the schemes and leaves one Redis changed since (SeenScheduler), and
// the pass corrects any scheduler that no longer ticks as its scheme says (another cron or timezone,
// on while the scheme is off, the scheme gone). The tick's own check is in apps/worker
// (schedules-busy-tick.test.ts).
import type { SchemeDefinition } from "@qiao/core";
import { insertSchemeVersion, type Db } from "@qiao/db";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, expect, test } from "vitest";
import { JOB } from "./queue";
import { reconcileSchedulerId } from "./reconciliations";
import { restoreMissingSchedules, syncSchedules, syncSchemeSchedule } from "./schedules";
import { openQueueTestBed, type QueueTestBed } from "./testing";

let bed: QueueTestBed;
beforeAll(async () => {
  bed = await openQueueTestBed("auditstalesync", 1);
}, 120_000);
afterAll(() => bed?.close());

const USER = "a0000000-0000-4000-8000-0000000000aa";

test("a save that lands while a worker starts keeps its cron: the scheduler ends up with the scheme's saved cron", { timeout: 60_000 }, async () => {
  const { t, sim, queue } = bed;
  const scheme = await sim.createScheme();
  /** Saves the scheme with `cron` as the web app does: a new version, then its scheduler synced. */
  const save = async (cron: string) => {
    const row = await t.db.scheme.findUniqueOrThrow({ where: { id: scheme.id } });
    const definition = { ...(row.definition as unknown as SchemeDefinition), timezone: "Asia/Shanghai", schedule: { cron, enabled: true } };
    const saved = await insertSchemeVersion(t.db, scheme.id, { definition }, USER);
    await syncSchemeSchedule(queue, saved);
  };
  await save("0 2 * * *");

  // A worker starts. Right after it has read the schemes, the editor's save of a new cron commits and
  // syncs its scheduler (the web app's PATCH).
  let saved = false;
  const racing = new Proxy(queue, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === "getJobSchedulers" && typeof value === "function") {
        return async (...args: unknown[]) => {
          if (!saved) {
            saved = true;
            await save("0 14 * * *");
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as Queue;
  await syncSchedules(t.db, racing);
  expect(saved).toBe(true);

  // The reconciler's pass (every 30 s in each worker) has run too.
  await restoreMissingSchedules(t.db, queue);

  const inDb = await t.db.scheme.findUniqueOrThrow({ where: { id: scheme.id }, select: { cron: true, timezone: true } });
  expect(inDb.cron).toBe("0 14 * * *");
  const scheduler = await queue.getJobScheduler(scheme.id);
  expect(scheduler?.pattern, "the cron BullMQ ticks on, against the scheme's saved cron").toBe(inDb.cron);
});

/** Saves the scheme's schedule columns as the web app does (insertSchemeVersion), then syncs its scheduler. */
async function saveSchedule(schemeId: string, schedule: { cron: string; enabled: boolean } | null, timezone = "Asia/Shanghai") {
  const { t, queue } = bed;
  const row = await t.db.scheme.findUniqueOrThrow({ where: { id: schemeId } });
  const definition = { ...(row.definition as unknown as SchemeDefinition), timezone, schedule };
  const saved = await insertSchemeVersion(t.db, schemeId, { definition }, USER);
  await syncSchemeSchedule(queue, saved);
  return saved;
}

test("a save that lands after a worker start read the schemes keeps its cron too", { timeout: 60_000 }, async () => {
  const { t, sim, queue } = bed;
  const scheme = await sim.createScheme();
  await saveSchedule(scheme.id, { cron: "0 2 * * *", enabled: true });

  // The save commits and syncs right after the start's read of the schemes, before its upserts.
  let saved = false;
  const racing = new Proxy(t.db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== "scheme") return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      return new Proxy(target.scheme, {
        get(model, name) {
          const method = Reflect.get(model, name) as unknown;
          if (name !== "findMany" || typeof method !== "function") return typeof method === "function" ? (method as (...a: unknown[]) => unknown).bind(model) : method;
          return async (...args: unknown[]) => {
            const rows = await (method as (...a: unknown[]) => Promise<unknown>).apply(model, args);
            if (!saved) {
              saved = true;
              await saveSchedule(scheme.id, { cron: "0 14 * * *", enabled: true });
            }
            return rows;
          };
        },
      });
    },
  }) as Db;
  await syncSchedules(racing, queue);
  expect(saved).toBe(true);
  expect((await queue.getJobScheduler(scheme.id))?.pattern).toBe("0 14 * * *");
});

test("the reconciler's pass corrects a scheduler that no longer ticks as its scheme says, and leaves the others alone", { timeout: 60_000 }, async () => {
  const { t, sim, queue } = bed;
  const [cron, zone, off, reconciled, kept] = [await sim.createScheme(), await sim.createScheme(), await sim.createScheme(), await sim.createScheme(), await sim.createScheme()];
  await saveSchedule(cron!.id, { cron: "0 2 * * *", enabled: true });
  await saveSchedule(zone!.id, { cron: "0 2 * * *", enabled: true }, "UTC");
  const offRow = await saveSchedule(off!.id, { cron: "0 2 * * *", enabled: false });
  await saveSchedule(reconciled!.id, { cron: "0 2 * * *", enabled: true });
  await t.db.scheme.update({ where: { id: reconciled!.id }, data: { reconcileCron: "0 4 * * *" } });
  await saveSchedule(kept!.id, { cron: "0 2 * * *", enabled: true });
  await syncSchedules(t.db, queue);
  const keptBefore = await queue.getJobScheduler(kept!.id);

  // What racing syncs can leave: an older cron, an older timezone, a schedule still on after the
  // switch turned it off, an older reconciliation cron, and the scheduler of a scheme deleted meanwhile.
  await syncSchemeSchedule(queue, { id: cron!.id, cron: "0 3 * * *", timezone: "Asia/Shanghai", enabled: true });
  await syncSchemeSchedule(queue, { id: zone!.id, cron: "0 2 * * *", timezone: "Asia/Shanghai", enabled: true });
  await syncSchemeSchedule(queue, { ...offRow, enabled: true });
  await queue.upsertJobScheduler(reconcileSchedulerId(reconciled!.id), { pattern: "0 5 * * *", tz: "Asia/Shanghai" }, { name: JOB.reconcileTick, data: { schemeId: reconciled!.id } });
  const gone = "00000000-0000-4000-8000-0000000009e0";
  await syncSchemeSchedule(queue, { id: gone, cron: "0 2 * * *", timezone: "UTC", enabled: true });

  const warnings: { schedulers: string[] }[] = [];
  expect(await restoreMissingSchedules(t.db, queue, { warn: (details) => void warnings.push(details as { schedulers: string[] }) })).toBe(0);
  expect(await queue.getJobScheduler(cron!.id)).toMatchObject({ pattern: "0 2 * * *", tz: "Asia/Shanghai" });
  expect(await queue.getJobScheduler(zone!.id)).toMatchObject({ pattern: "0 2 * * *", tz: "UTC" });
  expect(await queue.getJobScheduler(off!.id)).toBeUndefined();
  expect(await queue.getJobScheduler(reconcileSchedulerId(reconciled!.id))).toMatchObject({ pattern: "0 4 * * *" });
  expect(await queue.getJobScheduler(gone)).toBeUndefined();
  expect(await queue.getJobScheduler(kept!.id)).toEqual(keptBefore);
  expect(warnings.flatMap((w) => w.schedulers).sort()).toEqual([cron!.id, zone!.id, off!.id, reconcileSchedulerId(reconciled!.id), gone].sort());

  // Nothing left to correct.
  warnings.length = 0;
  await restoreMissingSchedules(t.db, queue, { warn: (details) => void warnings.push(details as { schedulers: string[] }) });
  expect(warnings).toEqual([]);
});
