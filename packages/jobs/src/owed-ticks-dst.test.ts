// The tick owed after Redis lost a scheduler is the last tick BullMQ fires (cron-parser's next()),
// also on a daylight-saving day, where prev() disagrees: it skipped the tick BullMQ fires when the
// cron hour does not exist (spring forward: a missed nightly run), and returned a tick BullMQ never
// fires when the hour happens twice (fall back: a second nightly run). Both failed before session 25.
import { nextCronRun } from "@qiao/core";
import { createRun } from "@qiao/db";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, expect, test } from "vitest";
import { giveBackOwedTick } from "./owed-ticks";
import { openQueueTestBed, type QueueTestBed } from "./testing";

let bed: QueueTestBed;
let t: TestDb;
let sim: Simulated;
let queue: Queue;

beforeAll(async () => {
  bed = await openQueueTestBed("owed-ticks-dst", 2);
  ({ t, sim, queue } = bed);
});

afterAll(() => bed?.close());

/** A scheme made long ago whose last scheduled run was queued by the tick at `lastTick`. */
async function schemeLastTickedAt(lastTick: Date) {
  const scheme = await sim.createScheme();
  const made = new Date("2026-01-01T00:00:00Z");
  await t.db.scheme.update({ where: { id: scheme.id }, data: { createdAt: made } });
  await t.db.schemeVersion.updateMany({ where: { schemeId: scheme.id }, data: { createdAt: made } });
  const run = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "schedule" });
  await t.db.run.update({ where: { id: run.id }, data: { createdAt: new Date(lastTick.getTime() + 100), status: "succeeded", phase: "done", finishedAt: new Date(lastTick.getTime() + 5_000) } });
  return scheme;
}

test("owed tick, spring forward (Europe/Berlin, 0 2 * * *): the tick BullMQ fired at 03:00 CEST is given back after Redis lost it", async () => {
  const pattern = "0 2 * * *";
  const tz = "Europe/Berlin";
  // Saturday's 02:00 CET tick ran; BullMQ's next tick (Sunday, 02:00 does not exist) is 03:00 CEST.
  const lastTick = new Date("2026-03-28T01:00:00Z");
  const sundayTick = nextCronRun(pattern, tz, lastTick)!;
  expect(sundayTick.toISOString()).toBe("2026-03-29T01:00:00.000Z");
  const scheme = await schemeLastTickedAt(lastTick);

  // Redis restarted empty just before Sunday's tick, and came back 30 minutes after it.
  const now = new Date("2026-03-29T01:30:00Z");
  const owed = await giveBackOwedTick(t.db, queue, { schedulerId: scheme.id, kind: "run", schemeId: scheme.id, pattern, tz, now });
  expect(owed?.toISOString()).toBe(sundayTick.toISOString());
});

test("owed tick, fall back (America/New_York, 30 1 * * *): no tick is given back that BullMQ never fires", async () => {
  const pattern = "30 1 * * *";
  const tz = "America/New_York";
  // BullMQ fires Sunday's 01:30 once, at 01:30 EDT (05:30Z); its next is Monday 01:30 EST.
  const lastTick = new Date("2026-11-01T05:30:00Z");
  expect(nextCronRun(pattern, tz, new Date("2026-10-31T12:00:00Z"))!.toISOString()).toBe(lastTick.toISOString());
  expect(nextCronRun(pattern, tz, lastTick)!.toISOString()).toBe("2026-11-02T06:30:00.000Z");
  const scheme = await schemeLastTickedAt(lastTick);

  // Redis restarted empty an hour later: the scheduler is put back; nothing is owed (that tick ran).
  const now = new Date("2026-11-01T06:45:00Z");
  const owed = await giveBackOwedTick(t.db, queue, { schedulerId: scheme.id, kind: "run", schemeId: scheme.id, pattern, tz, now });
  expect(owed).toBeNull();
});
