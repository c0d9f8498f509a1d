// Reconciliation on the queue against real Postgres and Redis (own prefix), no worker: the row and
// its job, one active per scheme, the reconciliation cron as a scheduler, and lost jobs recovered.
import { seedSchemeDefinition } from "@qiao/core";
import { insertScheme, ReconciliationBusyError, updateReconcileSettings, type Config } from "@qiao/db";
import type { Simulated, TestDb } from "@qiao/engine/testing";
import { UnrecoverableError, Worker, type Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { JobsLogger } from "./logger";
import { JOB, redisConnection, RUN_QUEUE } from "./queue";
import { reconcileSchedulerId, recoverReconciliations, requestReconciliation, syncReconcileSchedule } from "./reconciliations";
import { restoreMissingSchedules, syncSchedules } from "./schedules";
import { openQueueTestBed, type QueueTestBed } from "./testing";

const warnings: string[] = [];
const log: JobsLogger = { warn: (_details, message) => void warnings.push(message) };
let bed: QueueTestBed;
let t: TestDb;
let sim: Simulated;
let queue: Queue;
let cfg: Config;

beforeAll(async () => {
  bed = await openQueueTestBed("recon-jobs", 5);
  ({ t, sim, queue, cfg } = bed);
});

afterAll(() => bed?.close());

describe("requestReconciliation", () => {
  test("saves the row, enqueues job `reconcile` with its id, refuses a second active one, honours an idempotency key", async () => {
    const scheme = await sim.createScheme();
    const first = await requestReconciliation(t.db, queue, { schemeId: scheme.id, trigger: "manual", createdById: null, idempotencyKey: "k1" });
    expect(first).toMatchObject({ status: "queued", keyLimit: 1000, trigger: "manual" });
    const job = await queue.getJob(first.id);
    expect(job).toMatchObject({ name: JOB.reconcile, data: { reconciliationId: first.id } });

    expect((await requestReconciliation(t.db, queue, { schemeId: scheme.id, trigger: "manual", idempotencyKey: "k1" })).id).toBe(first.id);
    const busy = await requestReconciliation(t.db, queue, { schemeId: scheme.id, trigger: "schedule" }).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(ReconciliationBusyError);
    expect((busy as ReconciliationBusyError).active?.id).toBe(first.id);
    // Out of the way of the next test: finished, no job.
    await job!.remove();
    await t.db.reconciliation.update({ where: { id: first.id }, data: { status: "succeeded" } });
  });
});

describe("recoverReconciliations", () => {
  test("re-enqueues an active reconciliation whose job is gone, marks failed one whose job failed for good", async () => {
    const a = await sim.createScheme();
    const b = await sim.createScheme();
    const lost = await requestReconciliation(t.db, queue, { schemeId: a.id, trigger: "manual" });
    const dead = await requestReconciliation(t.db, queue, { schemeId: b.id, trigger: "manual" });
    await (await queue.getJob(lost.id))!.remove();
    // A worker takes the dead one's job and it fails for good (as after too many stalls).
    const taker = new Worker(RUN_QUEUE, null, { connection: redisConnection(cfg.REDIS_URL, "worker"), prefix: cfg.REDIS_PREFIX, autorun: false });
    try {
      const job = await taker.getNextJob("tok");
      expect(job?.id).toBe(dead.id);
      await job!.moveToFailed(new UnrecoverableError("stalled too often"), "tok", false);
    } finally {
      await taker.close();
    }
    expect(await (await queue.getJob(dead.id))!.getState()).toBe("failed");
    const later = new Date(Date.now() + 120_000);

    expect(await recoverReconciliations(t.db, queue, log, later)).toBe(2);
    expect(await queue.getJob(lost.id)).toMatchObject({ name: JOB.reconcile });
    expect(await t.db.reconciliation.findUniqueOrThrow({ where: { id: dead.id } })).toMatchObject({ status: "failed", error: { code: "reconcile.interrupted" } });
    // Nothing to do a second time: the job is waiting again.
    expect(await recoverReconciliations(t.db, queue, log, later)).toBe(0);
  });
});

test("a scheme's reconciliation cron is a job scheduler next to its run scheduler, restored when Redis lost it", async () => {
  const scheme = await sim.createScheme();
  await t.db.scheme.update({ where: { id: scheme.id }, data: { reconcileCron: "0 3 * * *" } });
  await syncSchedules(t.db, queue);
  const id = reconcileSchedulerId(scheme.id);
  expect(await queue.getJobScheduler(id)).toMatchObject({ name: JOB.reconcileTick, pattern: "0 3 * * *", tz: "Asia/Shanghai" });

  await queue.removeJobScheduler(id);
  expect(await restoreMissingSchedules(t.db, queue)).toBeGreaterThanOrEqual(1);
  expect(await queue.getJobScheduler(id)).toMatchObject({ pattern: "0 3 * * *" });

  expect(await syncReconcileSchedule(queue, { id: scheme.id, reconcileCron: null, timezone: "Asia/Shanghai", enabled: true, cron: null })).toBe("removed");
  expect(await queue.getJobScheduler(id)).toBeUndefined();
});

test("a reconciliation cron on a scheme without a run schedule (run by hand, or after another) is scheduled; a paused run schedule pauses it", async () => {
  // Saved as the editor saves it: the schedule columns derived from the definition (no cron of its own).
  const definition = seedSchemeDefinition({ sourceConnectionId: sim.sourceConnectionId, targetConnectionId: sim.targetConnectionId });
  expect(definition.schedule).toBeNull();
  const scheme = await insertScheme(t.db, { name: "只手动运行的方案", description: "", definition }, null as unknown as string);
  expect(scheme).toMatchObject({ enabled: false, cron: null });
  const id = reconcileSchedulerId(scheme.id);

  // What PUT /api/schemes/:id/reconcile-settings does.
  const saved = await updateReconcileSettings(t.db, scheme.id, { cron: "0 3 * * *", filter: null });
  expect(await syncReconcileSchedule(queue, saved)).toBe("scheduled");
  expect(await queue.getJobScheduler(id)).toMatchObject({ pattern: "0 3 * * *" });
  // A worker start keeps it; so does restoring what Redis lost.
  await syncSchedules(t.db, queue);
  expect(await queue.getJobScheduler(id)).toMatchObject({ pattern: "0 3 * * *" });
  await queue.removeJobScheduler(id);
  await restoreMissingSchedules(t.db, queue);
  expect(await queue.getJobScheduler(id)).toMatchObject({ pattern: "0 3 * * *" });

  // With a run schedule switched off, the scheme's automation is paused: the reconciliation too.
  const paused = await t.db.scheme.update({ where: { id: scheme.id }, data: { cron: "0 2 * * *", enabled: false } });
  expect(await syncReconcileSchedule(queue, paused)).toBe("removed");
  await syncSchedules(t.db, queue);
  expect(await queue.getJobScheduler(id)).toBeUndefined();
});

