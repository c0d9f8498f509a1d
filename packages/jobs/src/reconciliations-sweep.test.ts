// The sweep that recovers reconciliations whose job was lost skips those whose job is on its way.
// It looked at 100 active ones (by id, Prisma's implicit order): a backlog of 100 reconciliations
// queued behind busy workers (a nightly reconciliation cron on 200 schemes) filled those 100, and a
// reconciliation whose job Redis lost (a restart, a flush) stayed `queued` without a job until the
// backlog drained, blocking its scheme's next reconciliation meanwhile (one active per scheme).
// Since session 27 (its audit) it pages through every active one by (created_at, id), as the run
// sweep has since session 19.
import { createReconciliation } from "@qiao/db";
import type { TestDb } from "@qiao/engine/testing";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { JobsLogger } from "./logger";
import { enqueueReconciliation, JOB } from "./queue";
import { recoverReconciliations } from "./reconciliations";
import { openQueueTestBed, type QueueTestBed } from "./testing";

const log: JobsLogger = { warn: () => undefined };
let bed: QueueTestBed;
let t: TestDb;
let queue: Queue;

beforeAll(async () => {
  bed = await openQueueTestBed("recon-sweep", 1);
  ({ t, queue } = bed);
});

afterAll(() => bed?.close());

test("a reconciliation whose job was lost is enqueued again even behind a backlog of 100 queued ones", { timeout: 120_000 }, async () => {
  // 100 reconciliations queued, their jobs waiting for a free worker (on their way: left alone).
  for (let i = 0; i < 100; i++) {
    const scheme = await t.db.scheme.create({ data: { name: `backlog ${i}`, definition: {} } });
    const r = await createReconciliation(t.db, { schemeId: scheme.id, trigger: "schedule", keyLimit: 10 });
    await enqueueReconciliation(queue, r.id);
  }
  // One more, created after them, whose job is gone. activeReconciliations takes 100 in the order of
  // their (random uuid) ids: this one's id sorts last here (as any lost one's does, by chance, when
  // it is not among the first 100 ids of the active ones), the row otherwise as createReconciliation
  // makes it.
  const scheme = await t.db.scheme.create({ data: { name: "lost", definition: {} } });
  const lost = await t.db.reconciliation.create({
    data: { id: "ffffffff-ffff-4fff-bfff-ffffffffffff", schemeId: scheme.id, trigger: "schedule", keyLimit: 10, createdById: null, idempotencyKey: null },
  });
  expect(lost.status).toBe("queued");
  expect(await queue.getJob(lost.id)).toBeUndefined();

  // A maintenance tick two minutes later (past the minute the sweep waits after creation).
  const recovered = await recoverReconciliations(t.db, queue, log, new Date(Date.now() + 120_000));
  // Before session 27: 0 and no job; the lost reconciliation stayed queued with nothing to run it.
  expect(recovered).toBe(1);
  expect(await queue.getJob(lost.id)).toMatchObject({ name: JOB.reconcile, data: { reconciliationId: lost.id } });
});
