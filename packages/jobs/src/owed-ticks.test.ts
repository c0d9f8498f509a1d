// The tick a scheduler Redis lost owes (./owed-ticks.ts): given back when nothing ran for it, not
// when a run it queued (or a newer definition) came after it. Real Postgres and Redis (own prefix).
import { createReconciliation, createRun } from "@qiao/db";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { giveBackOwedTick } from "./owed-ticks";
import { JOB, tickIdempotencyKey } from "./queue";
import { openQueueTestBed, type QueueTestBed } from "./testing";

let bed: QueueTestBed;
let t: TestDb;
let sim: Simulated;
let queue: Queue;

beforeAll(async () => {
  bed = await openQueueTestBed("owed-ticks", 3);
  ({ t, sim, queue } = bed);
});

afterAll(() => bed?.close());

/** Every 10 minutes, UTC; `now` 25 min after a scheme made 1 h earlier: the 20-minute tick is the last due. */
const EVERY_10_MIN = "*/10 * * * *";

async function schemeMadeAt(at: Date) {
  const scheme = await sim.createScheme();
  await t.db.scheme.update({ where: { id: scheme.id }, data: { createdAt: at } });
  await t.db.schemeVersion.updateMany({ where: { schemeId: scheme.id }, data: { createdAt: at } });
  return scheme;
}

describe("giveBackOwedTick", () => {
  const made = new Date("2026-12-05T01:00:00Z");
  const now = new Date("2026-12-05T02:25:00Z");
  const due = new Date("2026-12-05T02:20:00Z");

  test("a scheme whose last due tick queued nothing gets it back, carrying that tick's idempotency key", async () => {
    const scheme = await schemeMadeAt(made);
    const at = await giveBackOwedTick(t.db, queue, { schedulerId: scheme.id, kind: "run", schemeId: scheme.id, pattern: EVERY_10_MIN, tz: "UTC", now });
    expect(at?.toISOString()).toBe(due.toISOString());
    const job = await queue.getJob(`owed-${scheme.id}-${due.getTime()}`);
    expect(job).toMatchObject({ name: JOB.schedule, data: { schemeId: scheme.id, tick: `repeat:${scheme.id}:${due.getTime()}` } });
    expect(job!.opts.attempts).toBe(5);
    // The same key as the tick's own job (`repeat:<scheduler id>:<time>`) would have given its run.
    expect(tickIdempotencyKey(job!, job!.data)).toBe(`schedule:repeat:${scheme.id}:${due.getTime()}`);
    await job!.remove();
  });

  test("nothing is owed when a scheduled run came after the tick, or the definition was saved after it", async () => {
    const ran = await schemeMadeAt(made);
    const run = await createRun(t.db, { schemeId: ran.id, schemeVersion: 1, trigger: "schedule" });
    await t.db.run.update({ where: { id: run.id }, data: { createdAt: new Date("2026-12-05T02:20:01Z") } });
    expect(await giveBackOwedTick(t.db, queue, { schedulerId: ran.id, kind: "run", schemeId: ran.id, pattern: EVERY_10_MIN, tz: "UTC", now })).toBeNull();

    const edited = await schemeMadeAt(new Date("2026-12-05T02:21:00Z"));
    expect(await giveBackOwedTick(t.db, queue, { schedulerId: edited.id, kind: "run", schemeId: edited.id, pattern: EVERY_10_MIN, tz: "UTC", now })).toBeNull();
    expect(await queue.getJobCounts("waiting", "delayed")).toEqual({ waiting: 0, delayed: 0 });
  });

  test("a reconciliation cron: owed unless a scheduled reconciliation came after the tick", async () => {
    const scheme = await schemeMadeAt(made);
    const schedulerId = `reconcile:${scheme.id}`;
    const input = { schedulerId, kind: "reconcile" as const, schemeId: scheme.id, pattern: EVERY_10_MIN, tz: "UTC", now };
    expect((await giveBackOwedTick(t.db, queue, input))?.toISOString()).toBe(due.toISOString());
    const job = await queue.getJob(`owed-reconcile-${scheme.id}-${due.getTime()}`);
    expect(job).toMatchObject({ name: JOB.reconcileTick, data: { schemeId: scheme.id, tick: `repeat:${schedulerId}:${due.getTime()}` } });
    await job!.remove();

    const r = await createReconciliation(t.db, { schemeId: scheme.id, trigger: "schedule", keyLimit: 10 });
    await t.db.reconciliation.update({ where: { id: r.id }, data: { createdAt: new Date("2026-12-05T02:20:02Z") } });
    expect(await giveBackOwedTick(t.db, queue, input)).toBeNull();
  });
});
